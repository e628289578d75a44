"""One replication of the service: ``simulate(scenario, replication, seed)``.

This is the model's only entry point. It is a pure function of its arguments — no files,
no global state — so replications run in any process or on any machine, and serial equals
parallel.
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import simpy

from sim.model.calendar import Calendar
from sim.model.costs import Ledger
from sim.model.demand import STAGE_NAMES, draw_referrals, level_path
from sim.model.interventions import RetentionScheme, dated_changes, early_help_multiplier
from sim.model.invariants import InvariantError, broken_counts, broken_state
from sim.model.journey import Journey
from sim.model.measures import WEEKLY_METRICS, Recorder, september, snapshot_week, year_end
from sim.model.randomness import Uniforms, stream
from sim.model.returns import Returns
from sim.model.scheduling import Call, Stalled, clear, run_until
from sim.model.stalls import StalledRun, likely_fields
from sim.model.start import open_start_cases
from sim.model.strain import Strain
from sim.model.uncertainty import draw_parameters
from sim.model.worker_changes import ROUND_DAYS, Absences, InternalMoves
from sim.model.workforce import Workforce
from sim.model.workforce_plans import change_agency, dated_hire
from sim.model.workforce_shocks import WorkforceShocks
from sim.periods import DAYS_PER_WEEK, DAYS_PER_YEAR
from sim.scenario.schema import Scenario


def long_weekly(values: np.ndarray, weeks: np.ndarray, metrics: tuple[str, ...],
                replications: np.ndarray | None = None) -> pd.DataFrame:
    """Weekly values as a tidy table: (replication,) week, metric, value. ``values`` is
    (weeks x metrics), or (replications x weeks x metrics) with ``replications``."""
    if replications is None:
        n_w, n_m = values.shape
        return pd.DataFrame({
            "week": np.repeat(weeks, n_m),
            "metric": pd.Categorical(np.tile(metrics, n_w), categories=list(metrics)),
            "value": values.reshape(-1),
        })
    n_r, n_w, n_m = values.shape
    return pd.DataFrame({
        "replication": np.repeat(replications, n_w * n_m),
        "week": np.tile(np.repeat(weeks, n_m), n_r),
        "metric": pd.Categorical(np.tile(metrics, n_r * n_w), categories=list(metrics)),
        "value": values.reshape(-1),
    })


@dataclass
class ReplicationResult:
    """What one replication produced: tidy tables plus totals for checks. The weekly series
    travel as one compact array (weeks x measures) — cheap to send between processes."""

    replication: int
    annual: pd.DataFrame  # fy, metric, value
    weekly_values: np.ndarray  # weeks x WEEKLY_METRICS
    weeks: np.ndarray  # datetime64[D], one per row of weekly_values
    parameters: dict[str, float]
    totals: dict[str, float] = field(default_factory=dict)
    budget: pd.DataFrame | None = None  # fy, line, cost (cash), cost_real

    @property
    def weekly(self) -> pd.DataFrame:
        """week, metric, value."""
        return long_weekly(self.weekly_values, self.weeks, WEEKLY_METRICS)


def _journey_state(name: str) -> property:
    """A property of ``Service`` that is the journey's own ``name`` (one state, two names)."""

    def get(svc: Service) -> Any:
        return getattr(svc.journey, name)

    def set_(svc: Service, value: Any) -> None:
        setattr(svc.journey, name, value)

    return property(get, set_, doc=f"The journey's ``{name}``.")


class Service:
    """The children's social care service of one replication: the parts wired together.

    The cases and their journey are ``journey.py``, the start date ``start.py``, the workers
    ``workforce.py``, the measures ``measures.py``; this class builds them, schedules the
    dated events (snapshots, recruitment rounds, cohorts, retention payments, dated
    changes) and runs the clock.
    """

    open_cases = _journey_state("open_cases")
    n_open = _journey_state("n_open")

    def __init__(self, s: Scenario, seed: int, replication: int, check: bool = False) -> None:
        self.s = s
        self.replication = replication
        self.check = check  # assert the invariants as it runs (see invariants.py)
        self.env = simpy.Environment()
        self.cal = Calendar(s.run.start_date, s.run.horizon_years)
        self.end = self.cal.end_day
        self.rec = Recorder()

        def gen(name: str) -> np.random.Generator:
            return stream(seed, replication, name)

        self.gen = gen
        self.journey = Journey(self.env, s, self.rec)
        self.journey.returns = Returns(s.demand, s.costs.placements.mix, self.end, seed,
                                       replication)
        # the referral level's path: new children and the children coming back follow it
        self.level = level_path(s.demand, int(np.ceil(self.end / 365.0)),
                                gen("referral_level")) if s.demand.level is not None else None
        self.journey.returns.set_level(self.level)
        self.alloc = self.journey.alloc
        self.retention = RetentionScheme(s.interventions.retention, self.cal)
        self.ledger = Ledger(s, self.cal)
        self.workforce = Workforce(self.env, s, self.cal, self.alloc, self.rec, self.retention,
                                   gen)
        self.strain = Strain(s, self.journey, self.workforce, self.rec)
        self.initial_cases = 0

    def build_initial(self) -> None:
        """Workers, open cases and the returns from before it on the start date
        (``start.py``)."""
        self.workforce.build_initial()
        self.initial_cases = open_start_cases(self.journey, self.s, self.gen("initial_cases"),
                                              self.gen("returns_history"))
        self.strain.start()

    # ------------------------------------------------------------------ scheduled measures

    def _weekly(self) -> Generator[simpy.Event, None, None]:
        """The weekly round, as one SimPy process: each week the workforce's weekly changes,
        then the week's measures (on the start date, the measures only)."""
        env = self.env
        while True:
            self._week()
            if env.now + DAYS_PER_WEEK > self.end + 1e-9:
                return
            yield env.timeout(DAYS_PER_WEEK)
            self.workforce.weekly()
            if self.strain.any:
                self.strain.weekly()

    def _week(self) -> None:
        """The week's measures (and, with ``check``, the thorough invariants)."""
        if self.check:
            self._assert(broken_state(self))
        snapshot_week(self)

    def _year_end(self, arg: tuple[str, bool, float]) -> None:
        year_end(self, *arg)
        self.journey.new_year()

    def _september(self, arg: tuple[str, bool, float]) -> None:
        september(self, *arg)

    # ------------------------------------------------------------------ run

    def run(self) -> None:
        s, cal, env, wf = self.s, self.cal, self.env, self.workforce

        def at(t: float, fn: Callable[[Any], Any], arg: Any = None) -> None:
            Call(env, t, fn, arg)

        self.build_initial()
        refs = draw_referrals(
            s.demand, cal, early_help_multiplier(s.interventions.early_help, cal),
            self.gen("referrals"), self.gen("cases"), s.costs.placements.mix,
            self.gen("thresholds") if s.strain.on("thresholds") else None,
            self.level,
        )
        self.journey.start_referrals(refs)
        env.process(self._weekly())
        prev = 0.0
        for t, fy, complete in cal.fy_ends():
            at(t, self._year_end, (fy, complete, prev))
            prev = t
        for t, fy, complete, window_start in cal.workforce_snapshots():
            at(t, self._september, (fy, complete, window_start))
        interval = s.workforce.recruitment.round_interval_days
        for t in np.arange(0.0, self.end, interval):
            at(float(t), lambda _: wf.recruitment_round())
        ret = s.interventions.retention
        if ret.annual_spend > 0:
            for t in cal.months_between(ret.start, ret.end):
                at(t, lambda a: self.retention.pay(wf.permanent.values(), a, self.env.now,
                                                  self.rec), ret.annual_spend / 12)
        for t in cal.first_of_month(s.workforce.cohort.month):
            if s.workforce.cohort.size:
                at(t, lambda _: wf.cohort())
        moves, absences = InternalMoves(wf, self.rec), Absences(wf, self.rec)

        def staff_round(_: object) -> None:
            moves.round()
            absences.round()

        if moves.p > 0 or absences.p > 0:
            for t in np.arange(ROUND_DAYS, self.end, ROUND_DAYS):
                at(float(t), staff_round)
        years = int(np.ceil(self.end / DAYS_PER_YEAR))

        def yearly(fn: Callable[[int], None]) -> None:
            """``fn(k)`` on the k-th anniversary of the start, each within the run."""
            for k in range(1, years + 1):
                t = cal.anniversary(k)
                if t < self.end:
                    at(t, fn, k)

        if s.workforce.shocks is not None:
            yearly(WorkforceShocks(s, wf, years, self.gen("workforce_shocks")).year)
        pace_sd = s.demand.assessment_pace_sd
        if pace_sd > 0:  # each run year's pace of assessments, from the first
            # relative to the base year's own (one draw: the durations were solved from its
            # share, which holds its deviation), so a year differs from the base year's as
            # councils' published years differ (assessment_timing.py)
            z = self.gen("assessment_pace").standard_normal(years + 1)

            def pace(k: int) -> None:
                self.journey.assessment_pace = math.exp(pace_sd * (z[k + 1] - z[0]))

            pace(0)
            yearly(pace)
        est = s.strain.establishment
        if est is not None and est.enabled:
            for t in cal.first_of_month(est.month):
                if t > 0:
                    at(t, lambda _: self.strain.budget_round())
        for i, h in enumerate(s.interventions.hires):
            t = cal.day(h.date)
            if 0 <= t <= self.end:
                at(t, lambda a: dated_hire(wf, *a), (h, Uniforms(self.gen(f"dated_hire{i}"))))
        for t, kind, c in dated_changes(s, cal):
            at(t, self._dated_change(kind), c)
        try:
            if self.check:
                self._assert(broken_counts(self) or broken_state(self))
                run_until(env, self.end + 1e-6, lambda: self._assert(broken_counts(self)))
                self._assert(broken_state(self))
            else:
                run_until(env, self.end + 1e-6)
        except Stalled as e:
            raise StalledRun(self.replication, self.cal.date(e.now), e.now,
                             likely_fields(e.pending)) from None

    def _dated_change(self, kind: str) -> Callable[[Any], None]:
        """What a dated change of ``kind`` does (``interventions.py``'s ``dated_changes``)."""
        wf = self.workforce
        return {
            "establishment": lambda c: wf.change_establishment(c.role, c.change),
            "cap": lambda c: wf.change_cap(c.worker_type, c.cap),
            "overflow": lambda c: self.alloc.set_overflow(
                [getattr(c.overflow, name) for name in STAGE_NAMES]),
            "agency": lambda c: change_agency(wf, c.cover_share, c.additional),
        }[kind]

    def _assert(self, broken: str | None) -> None:
        if broken is not None:
            t = self.env.now
            raise InvariantError(self.replication, self.cal.date(t), t, broken)

    def result(self, replication: int, parameters: dict[str, float]) -> ReplicationResult:
        rec = self.rec
        annual = pd.DataFrame(rec.annual, columns=["fy", "metric", "value"])
        values = np.array(rec.weekly, dtype=float)
        weeks = np.datetime64(self.cal.start, "D") + np.array(
            rec.weekly_t).astype("timedelta64[D]")
        totals: dict[str, float] = {
            "initial_open": self.initial_cases,
            "referrals": rec.total_referrals,
            "closed": rec.total_closed,
            "open": len(self.journey.open_cases),
            "waiting": self.alloc.n_waiting,
            "allocated": self.alloc.n_allocated,
            "worker_changes": rec.total_changes,
        }
        budget = pd.DataFrame(rec.budget, columns=["fy", "line", "cost", "cost_real"])
        return ReplicationResult(replication, annual, values, weeks, parameters, totals, budget)

    def teardown(self) -> None:
        """Break the reference cycles between cases, workers, posts and events so that
        memory is freed at once, without waiting for Python's cycle collector."""
        clear(self.env)
        self.journey.teardown()
        for post in self.workforce.posts:
            post.occupant = post.agency = None
        for group in (self.workforce.permanent, self.workforce.agency):
            for w in group.values():
                w.cases.clear()


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A run makes hundreds of thousands of long-lived objects; Python's cycle collector
    would rescan them again and again (it roughly doubles the run time). The model frees
    its own cycles in ``Service.teardown``, so the collector is paused during a run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def simulate(scenario: Scenario, replication: int, seed: int | None = None,
             fixed_parameters: bool = False, check: bool = False) -> ReplicationResult:
    """Run one replication of ``scenario`` and return its measures.

    The result depends only on the arguments: the same (scenario, replication, seed) gives
    the same tables in any process. ``seed`` defaults to the scenario's own. With ``check``
    the model's invariants are asserted as it runs (``InvariantError`` at the first that
    breaks); the results are the same.
    """
    seed = scenario.run.seed if seed is None else seed
    resolved, params = draw_parameters(scenario, seed, replication, fixed_parameters)
    with _cycle_collector_paused():
        svc = Service(resolved, seed, replication, check)
        svc.run()
        result = svc.result(replication, params)
        svc.teardown()
    return result


__all__ = ["InvariantError", "ReplicationResult", "Service", "StalledRun", "simulate"]
