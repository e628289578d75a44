"""The service on the start date: the cases open, those awaiting allocation, and the
children whose case closed before it who will come back (the workers in post are
``Workforce.build_initial``).

A case open on the start date has been open for a while: its age and remaining duration are
drawn as those of a spell in progress at a random time (length-biased, ``demand.py``), except
child protection plans, whose ages follow the published duration bands and whose remaining
time is conditional on that age. From its current stage on, each case follows a path drawn
as a referral's is. Cases are allocated in priority order; the scenario's number of
assessments awaiting allocation come last, and wait only if the workers have no room left.
Children whose case closed before the start come back during the run as they would in
steady state (``returns.py``), and each child open on the start date comes back after their
case as any other may.
"""

from __future__ import annotations

import numpy as np

from sim.model.cases import Case
from sim.model.demand import (
    ASSESSMENT,
    MAX_STAGES,
    STAGE_NAMES,
    conditional_remaining,
    draw_paths,
    placement_types,
    residual_durations,
    trim,
)
from sim.model.journey import STAGE_CODE, Journey
from sim.model.returns import START
from sim.model.scheduling import Call
from sim.scenario.schema import Scenario

CP_BANDS = ((0.0, 91.0), (91.0, 182.5), (182.5, 365.0), (365.0, 730.0), (730.0, 1095.0))
"""CP plans open at the start: the published duration bands, in days (the last band,
"2 years or more", is taken as 2 to 3 years: an assumption; it holds ~3% of plans)."""

# Columns of a start case's row of uniforms: two for its age (a CP plan: its band, and
# where in the band), one for a CP plan's remaining time, one for the placement type, then
# two per stage of its path.
_U_AGE = slice(0, 2)
_U_REMAINING = 2
_U_PLACE = 3
_U_PATH = 4


def ages_and_remaining(s: Scenario, name: str, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(days open, days left in the current stage) of cases open at the start in stage
    ``name``, from each row of ``u``."""
    dist = getattr(s.demand.durations, name)
    if name != "cp":
        return residual_durations(dist, u[:, _U_AGE])
    bands = np.array(list(s.initial_state.cp_duration_bands_pct.model_dump().values()))
    cum = np.cumsum(bands) / bands.sum()
    band = np.minimum(np.searchsorted(cum, u[:, 0], side="right"), len(bands) - 1)
    lo = np.array([b[0] for b in CP_BANDS])[band]
    hi = np.array([b[1] for b in CP_BANDS])[band]
    age = lo + u[:, 1] * (hi - lo)
    return age, conditional_remaining(dist, age, u[:, _U_REMAINING])


START_KEY = 1_000_000_000  # a start case's key for its returns: stage code x this + its number


def open_start_cases(journey: Journey, s: Scenario, g: np.random.Generator,
                     history: np.random.Generator | None = None) -> int:
    """Open the cases of the start date, allocate them, and schedule the returns of the
    children closed before it (drawn from ``history``); returns the number of cases
    opened."""
    ini = s.initial_state
    made: dict[int, list[Case]] = {}
    for name in STAGE_NAMES:
        n = getattr(ini.open_cases, name)
        u = g.random((n, _U_PATH + 2 * MAX_STAGES))
        age, remaining = ages_and_remaining(s, name, u)
        first = np.full(n, STAGE_CODE[name], dtype=np.int8)
        stages, durs = draw_paths(s.demand, first, u[:, _U_PATH:], first_duration=remaining)
        places = placement_types(s.costs.placements.mix, u[:, _U_PLACE])
        stage_lists, dur_lists = trim(stages, stages), trim(durs, stages)
        clock = not (name == "assessment" and journey.clock_from_allocation)
        rets = [-1] * n if journey.returns is None else journey.returns.chains(
            START, STAGE_CODE[name] * START_KEY + np.arange(n), remaining)
        # referred an assessment earlier than a later stage began, at least (on average;
        # the stages before are not published): so its return is no re-referral too soon
        before = 0.0 if name == "assessment" else s.demand.durations.assessment.mean_value()
        cases = []
        for i in range(n):
            child = journey.new_child(-float(age[i]) - before)
            case = journey.open(child, stage_lists[i], dur_lists[i], int(places[i]))
            case.ret = rets[i]
            cases.append(case)
            if clock:
                journey.start_clock(case)
        made[STAGE_CODE[name]] = cases
    _allocate(journey, made, ini.awaiting_allocation)
    if journey.returns is not None and history is not None:
        for t, last, row in zip(*journey.returns.history(history), strict=True):
            journey.come_back(journey.new_child(last), row, t)
    return sum(len(v) for v in made.values())


def _allocate(journey: Journey, made: dict[int, list[Case]], waiting: int) -> None:
    """Allocate in priority order; the last ``waiting`` assessments come after all others,
    and wait only if the workers have no room left for them."""
    alloc = journey.alloc
    assessments = made[ASSESSMENT]
    awaiting = assessments[len(assessments) - waiting:] if waiting else []
    for code in alloc.priority:
        cases = made[code]
        if code == ASSESSMENT and waiting:
            cases = cases[: len(cases) - waiting]
        for case in cases:
            alloc.request(case)
    for case in awaiting:
        alloc.enqueue(case)
    if alloc.n_waiting:  # nothing to do when nobody waits
        alloc.drain()
    if journey.hold_after is not None:  # a manager holds those still waiting, in time
        for case in assessments:
            if case.queued and not case.clock_started:
                Call(journey.env, journey.hold_after, journey.hold, case)
