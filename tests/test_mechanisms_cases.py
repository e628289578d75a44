"""Mechanism tests for cases, allocation and measures: tiny services in which every
referral, duration and worker is fixed, so each assertion is a number worked out by hand
(the working is in the comments), and each test fails when its rule is broken.

Referrals are scripted: ``play(scenario, refs, probes)`` replaces the drawn referral stream
with the referrals listed (time, path of stages with their durations, and when the child
comes back after each case closes, on what path) and runs the tiny scenario of
``tests/mechanism_scenarios.py`` (two experienced workers with a cap of 5, nobody leaves
or is hired, every price 0), looking inside the run with probes. The Allocator's rules are
also pinned on their own, with plain stand-in workers.

Days count from the start, 1 April 2020: the financial year 2020-21 is days [0, 365), the
30 September 2020 snapshot is taken at day 183 and that of 2021 at day 548.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from sim.model.allocation import Allocator
from sim.model.calendar import Calendar
from sim.model.cases import Case, Child
from sim.model.demand import (
    ASSESSMENT,
    CIN,
    CLA,
    CP,
    HEADROOM,
    Referrals,
    base_rate,
    conditional_remaining,
    draw_referrals,
)
from sim.model.interventions import DAYS_PER_MONTH, early_help_multiplier
from sim.model.measures import WEEKLY_METRICS
from sim.model.returns import REFERRAL, Returns
from sim.model.simulation import Service
from sim.scenario import Scenario
from sim.scenario.distributions import Fixed

from .mechanism_scenarios import Run, annual, run, tiny, weekly

STAGE = {"assessment": ASSESSMENT, "cin": CIN, "cp": CP, "cla": CLA}
LONG = 1e6  # days: a stage that outlasts every run here
FY1, FY2 = "2020-21", "2021-22"
SEPT_2020, MARCH_2021 = 183.0, 365.0


# --------------------------------------------------------------------------- scripted referrals


@dataclass(frozen=True)
class Ref:
    """One scripted referral: its time, its path as (stage, days) pairs, and the child's
    returns: (days after the previous case closed, path) for each time they come back."""

    t: float
    path: tuple[tuple[str, float], ...]
    returns: tuple[tuple[float, tuple[tuple[str, float], ...]], ...] = ()

    @property
    def stages(self) -> list[int]:
        return [STAGE[name] for name, _ in self.path]

    @property
    def durations(self) -> list[float]:
        return [float(d) for _, d in self.path]


def _path(path: tuple[Any, ...]) -> tuple[tuple[str, float], ...]:
    return tuple(zip(path[::2], path[1::2], strict=True))


def ref(t: float, *path: Any, back: tuple[tuple[float, tuple[Any, ...]], ...] = ()) -> Ref:
    """``ref(3, "assessment", 5, "cin", LONG)``: a referral on day 3 assessed for 5 days,
    then a child in need for good; ``back=((10, ("assessment", 2)),)``: the child comes back
    10 days after that case closes, to be assessed for 2 days."""
    return Ref(t, _path(path), tuple((float(d), _path(p)) for d, p in back))


def _scripted(refs: list[Ref]) -> tuple[Callable[..., Referrals], Callable[..., list[int]]]:
    """The referral stream and the returns (``Returns.chains``) of ``refs``."""
    refs = sorted(refs, key=lambda r: r.t)

    def draw(*_args: Any, **_kwargs: Any) -> Referrals:
        return Referrals(
            times=[r.t for r in refs],
            keys=list(range(len(refs))),
            stages=[r.stages for r in refs],
            durations=[r.durations for r in refs],
            placements=[0] * len(refs),
            candidates=len(refs),
        )

    def chains(table: Returns, kind: str, keys: Any, *_args: Any, **_kw: Any) -> list[int]:
        if kind != REFERRAL:
            return [-1] * len(keys)
        first = []
        for k in keys:  # the last return first, so each row knows the next
            row = -1
            for delay, path in reversed(refs[int(k)].returns):
                r = Ref(0, path)
                row = table.append(delay, r.stages, r.durations, next_row=row)
            first.append(row)
        return first

    return draw, chains


@pytest.fixture
def play(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """``play(s, refs, probes)``: run ``s`` with exactly the referrals ``refs``."""

    def _play(s: Scenario, refs: list[Ref],
              probes: dict[float, Callable[[Service], Any]] | None = None) -> Run:
        fake, chains = _scripted(refs)
        monkeypatch.setattr(Returns, "chains", chains)
        patched = 0
        # wherever the model has imported draw_referrals (the model's modules may move)
        for name, mod in list(sys.modules.items()):
            if name.startswith("sim.model") and \
                    getattr(mod, "draw_referrals", None) is draw_referrals:
                monkeypatch.setattr(mod, "draw_referrals", fake)
                patched += 1
        assert patched, "the model no longer draws its referrals with draw_referrals"
        return run(s, probes)

    return _play


def case_of(svc: Service, r: Ref) -> Case | None:
    """The open case of scripted referral ``r`` (None before it arrives or once it has
    closed), found by its path: tests that look for a case give it a path of its own."""
    found = [c for c in svc.open_cases.values()
             if list(c.stages) == r.stages and list(c.durations) == r.durations]
    assert len(found) <= 1, "two open cases have this path: give each its own durations"
    return found[0] if found else None


def where(svc: Service, r: Ref) -> int | str:
    """Where referral ``r``'s case is: its worker's id, "waiting" or "closed"."""
    c = case_of(svc, r)
    if c is None:
        return "closed"
    if c.queued:
        assert c.worker is None
        return "waiting"
    assert c.worker is not None
    return int(c.worker.id)


def places(refs: Iterable[Ref]) -> Callable[[Service], list[int | str]]:
    """A probe: where each of ``refs`` is."""
    refs = list(refs)
    return lambda svc: [where(svc, r) for r in refs]


def holder_ids(svc: Service) -> list[int]:
    return sorted(svc.workforce.case_holders)


def stage_of(svc: Service, r: Ref) -> str:
    c = case_of(svc, r)
    return "closed" if c is None else {v: k for k, v in STAGE.items()}[c.stage]


def kinds(svc: Service) -> dict[str, list[int]]:
    """The ids of the case holders of each kind."""
    out: dict[str, list[int]] = {}
    for wid, w in sorted(svc.workforce.case_holders.items()):
        out.setdefault(w.kind, []).append(wid)
    return out


def cases_held(svc: Service) -> dict[int, int]:
    return {wid: len(w.cases) for wid, w in sorted(svc.workforce.case_holders.items())}


def one_worker(**more: Any) -> Scenario:
    """The tiny service with a single case-holding worker."""
    return tiny({"workforce.establishment.case_holding": 1,
                 "initial_state.workforce.case_holding.experienced": 1, **more})


# --------------------------------------------------------------------------- the Allocator alone


class Worker:
    """A stand-in for a social worker: what the Allocator reads and writes."""

    def __init__(self, wid: int, cap: int) -> None:
        self.id, self.cap = wid, cap
        self.cases: dict[Case, None] = {}
        self.room = 0
        self.available = False


PRIORITY = [CLA, CP, CIN, ASSESSMENT]


def allocator(overflow: dict[int, float] | None = None) -> tuple[Allocator, list[tuple[Case,
                                                                                   Worker]]]:
    log: list[tuple[Case, Worker]] = []
    by_code = [1.0] * 4
    for code, x in (overflow or {}).items():
        by_code[code] = x
    a = Allocator(priority=PRIORITY, overflow=by_code,
                  on_assign=lambda c, w: log.append((c, w)), on_queue_change=lambda n: None)
    return a, log


_ids = iter(range(1, 10**9))


def new_case(stage: int) -> Case:
    i = next(_ids)
    return Case(i, Child(i, 0.0), [stage], [1.0])


def test_least_loaded_is_the_worker_with_most_room_first_come_within_a_tie() -> None:
    """The rule: most room (cap minus cases held), not fewest cases; among workers with the
    same room, the one who reached that room first; a worker who stopped taking cases is
    never chosen."""
    a, log = allocator()
    big, small = Worker(1, cap=10), Worker(2, cap=3)
    a.add_worker(big)
    for _ in range(5):
        a.request(new_case(ASSESSMENT))
    a.add_worker(small)
    # big holds 5 of 10 (room 5), small 0 of 3 (room 3): fewest cases would pick small.
    # Then: big (5>3), big (4>3), tie at 3 -> small (there since it joined), big, small,
    # big, small (room 1 each, small first again), big; then both are full.
    for _ in range(8):
        a.request(new_case(ASSESSMENT))
    chosen = [w.id for _, w in log[5:]]
    assert chosen == [1, 1, 2, 1, 2, 1, 2, 1]
    assert (len(big.cases), len(small.cases)) == (10, 3)
    extra = new_case(ASSESSMENT)
    a.request(extra)
    assert extra.queued and a.n_waiting == 1

    # a withdrawn worker (notice given) is not chosen even with the most room
    a2, log2 = allocator()
    w1, w2 = Worker(1, cap=5), Worker(2, cap=5)
    a2.add_worker(w1)
    a2.add_worker(w2)
    a2.request(new_case(ASSESSMENT))  # -> w1 (first), w2 now has the most room
    a2.withdraw(w2)
    a2.request(new_case(ASSESSMENT))
    assert [w.id for _, w in log2] == [1, 1]


def test_queue_is_served_highest_priority_first_and_in_arrival_order_within_one() -> None:
    a, log = allocator()
    w = Worker(1, cap=1)
    a.add_worker(w)
    held = new_case(ASSESSMENT)
    a.request(held)
    names = {}
    for name, stage in (("a1", ASSESSMENT), ("c1", CIN), ("p1", CP), ("a2", ASSESSMENT),
                        ("l1", CLA), ("c2", CIN)):
        c = new_case(stage)
        names[c.id] = name
        a.request(c)
        assert c.queued
    assert a.n_waiting == 6
    served = []
    for _ in range(6):  # the worker's case closes and the queue refills them, six times
        a.unassign(held)
        a.drain()
        held = log[-1][0]
        served.append(names[held.id])
    assert served == ["l1", "p1", "c1", "c2", "a1", "a2"]
    assert a.n_waiting == 0


def test_a_waiting_case_that_changes_type_waits_with_its_new_priority() -> None:
    a, log = allocator()
    w = Worker(1, cap=1)
    a.add_worker(w)
    held = new_case(ASSESSMENT)
    a.request(held)
    a1, c1, a2 = new_case(ASSESSMENT), new_case(CIN), new_case(ASSESSMENT)
    for c in (a1, c1, a2):
        a.request(c)
    a2.stage = CLA  # its assessment ended while it waited: now looked after
    a.requeue(a2)
    a.dequeue(c1)  # closed while waiting
    assert a.n_waiting == 2
    served = []
    for _ in range(2):
        a.unassign(held)
        a.drain()
        held = log[-1][0]
        served.append(held)
    assert served == [a2, a1]
    assert not c1.queued and c1.worker is None and a.n_waiting == 0


@pytest.mark.parametrize(("cap", "overflow", "most"), [
    (4, 1.5, 6), (2, 1.5, 3), (3, 1.0, 3),
    (100, 1.13, 113),  # 100 * 1.13 is 112.99999999999999 in floating point
])
def test_overflow_goes_over_the_cap_by_the_allowed_amount_only(cap: int, overflow: float,
                                                              most: int) -> None:
    """Child protection may go to ``overflow`` x cap (rounded down); assessments, allowed
    no overflow, wait once the cap is reached."""
    a, log = allocator({CP: overflow, CLA: overflow})
    w = Worker(1, cap=cap)
    a.add_worker(w)
    for _ in range(cap):
        a.request(new_case(ASSESSMENT))
    assert len(w.cases) == cap
    late = new_case(ASSESSMENT)
    a.request(late)
    assert late.queued
    placed = 0
    while True:
        c = new_case(CP)
        a.request(c)
        if c.queued:
            break
        placed += 1
    assert len(w.cases) == most and placed == most - cap
    # a place freed goes to the waiting child protection case, never to the assessment
    a.unassign(next(iter(w.cases)))
    a.drain()
    assert log[-1][0] is c and late.queued and len(w.cases) == most


def test_hand_over_is_done_highest_priority_first_and_loses_no_case() -> None:
    a, log = allocator()
    leaver, other = Worker(1, cap=5), Worker(2, cap=5)
    a.add_worker(leaver)
    mine = {name: new_case(stage) for name, stage in
            (("a", ASSESSMENT), ("l", CLA), ("c", CIN), ("p", CP))}
    for c in mine.values():
        a.request(c)  # the leaver is the only worker yet
    a.add_worker(other)
    for _ in range(3):
        a.request(new_case(ASSESSMENT))  # the other has room for 2 more
    a.hand_over(leaver, "previous worker left")
    # cla, then cp, take the two places; cin and the assessment wait
    assert mine["l"].worker is other and mine["p"].worker is other
    assert mine["c"].queued and mine["a"].queued
    assert not leaver.cases and not leaver.available
    assert a.n_allocated + a.n_waiting == 7 and a.n_waiting == 2
    newcomer = Worker(3, cap=5)
    a.add_worker(newcomer)
    assert [c for c, w in log[-2:]] == [mine["c"], mine["a"]]
    assert all(w is newcomer for _, w in log[-2:])


def test_prefer_goes_to_the_preferred_worker_only_when_they_have_room() -> None:
    """keep_worker's rule: the previous worker if they are below their cap, else the usual
    choice (no overflow for a preference)."""
    a, log = allocator({ASSESSMENT: 2.0, CIN: 2.0, CP: 2.0, CLA: 2.0})
    prev, other = Worker(1, cap=3), Worker(2, cap=3)
    a.add_worker(prev)
    a.request(new_case(ASSESSMENT))
    a.request(new_case(ASSESSMENT))
    a.add_worker(other)  # prev has room 1, other room 3
    a.request(new_case(ASSESSMENT), prefer=prev)
    assert log[-1][1] is prev  # below the cap: back to them
    a.request(new_case(ASSESSMENT), prefer=prev)
    assert log[-1][1] is other  # at the cap: the worker with most room
    a.withdraw(other)
    a.request(new_case(ASSESSMENT), prefer=other)
    assert log[-1][1] is prev  # the preferred worker no longer takes cases


# --------------------------------------------------------------------------- allocation in a run


def test_new_cases_go_to_the_worker_with_most_room(play) -> None:
    """An experienced worker (cap 6) and a newly qualified one (cap 2): the first four
    referrals all go to the experienced worker (room 6, 5, 4, 3 against 2), the fifth to
    the newly qualified worker (room 2 each; they reached it first), the sixth back."""
    s = tiny({"initial_state.workforce.case_holding.experienced": 1,
              "initial_state.workforce.case_holding.newly_qualified": 1,
              "workforce.caps.experienced": 6, "workforce.caps.newly_qualified": 2,
              "workforce.newly_qualified.asye_months": 36})
    refs = [ref(1 + i, "assessment", LONG + i) for i in range(6)]
    r = play(s, refs, {0.0: lambda svc: {w.id: w.kind for w in
                                          svc.workforce.case_holders.values()},
                       10.0: places(refs)})
    kind = r.seen[0.0]
    assert [kind.get(w, w) for w in r.seen[10.0]] == ["experienced"] * 4 + ["newly_qualified",
                                                                     "experienced"]


def test_waiting_cases_are_served_highest_priority_first(play) -> None:
    """One worker with a cap of 1, busy with X until day 10. A waits from day 2 and becomes
    a child in need on day 4; B waits from day 3 and is on a child protection plan from day
    5; C waits from 3.5 and is a child in need from 4.5. Day 10: B (cp) first; B's plan
    ends on day 25: A, the child in need who has waited longest, before C."""
    s = one_worker(**{"workforce.caps.experienced": 1})
    x = ref(1, "assessment", 9)
    a = ref(2, "assessment", 2, "cin", LONG)
    b = ref(3, "assessment", 2, "cp", 20)
    c = ref(3.5, "assessment", 1, "cin", LONG + 1)
    refs = [x, a, b, c]
    r = play(s, refs, {0.0: holder_ids, 9.5: places(refs), 10.5: places(refs),
                       25.5: places(refs)})
    (w,) = r.seen[0.0]
    assert r.seen[9.5] == [w, "waiting", "waiting", "waiting"]
    assert r.seen[10.5] == ["closed", "waiting", w, "waiting"]
    assert r.seen[25.5] == ["closed", w, "closed", "waiting"]


def test_overflow_in_a_run(play) -> None:
    """One worker, cap 2; children in need and on plans may go to 1.5 x the cap (3),
    assessments may not go over it. A and B fill the worker; C waits as an assessment
    until day 5, then as a child in need takes the third place; D, on a plan from day 8,
    finds the worker at 3 and waits."""
    s = one_worker(**{"workforce.caps.experienced": 2,
                      "allocation.overflow": {"cla": 1.5, "cp": 1.5, "cin": 1.5,
                                              "assessment": 1}})
    a, b = ref(1, "assessment", LONG), ref(2, "assessment", LONG + 1)
    c = ref(3, "assessment", 2, "cin", LONG)
    d = ref(6, "assessment", 2, "cp", LONG)
    refs = [a, b, c, d]
    r = play(s, refs, {0.0: holder_ids, 4.0: places(refs), 5.5: places(refs),
                       8.5: places(refs)})
    (w,) = r.seen[0.0]
    assert r.seen[4.0] == [w, w, "waiting", "closed"]
    assert r.seen[5.5] == [w, w, w, "closed"]
    assert r.seen[8.5] == [w, w, w, "waiting"]
    got = r.annual
    assert got[(FY1, "over_cap_share")] == 100.0  # the only worker holds 3 > 2
    assert got[(FY1, "caseload_per_fte")] == 3.0


def test_cases_are_handed_over_highest_priority_first_when_agency_cover_ends(play) -> None:
    """Two posts, caps 2: an experienced worker E, and a vacancy covered by an agency
    worker A1 from day 1 who stays 30 days. R1 (E) closes on day 20; R2 (A1) is on a plan
    from day 13, R4 (A1) a child in need from day 15, R3 (E) assessed for good. Day 31: A1
    goes; E has room for one: R2 (cp) goes to E, R4 (cin) waits until the next agency
    worker arrives on day 32. No case is lost."""
    s = tiny({"initial_state.workforce.case_holding.experienced": 1,
              "workforce.caps.experienced": 2, "workforce.caps.agency": 2,
              "workforce.agency.cover_share": 1, "workforce.agency.time_to_engage_days": 1,
              "workforce.agency.stay_days": 30})
    r1 = ref(2, "assessment", 18)
    r2 = ref(3, "assessment", 10, "cp", LONG)
    r3 = ref(4, "assessment", LONG)
    r4 = ref(5, "assessment", 10, "cin", LONG)
    refs = [r1, r2, r3, r4]
    seen = play(s, refs, {1.5: kinds, 30.5: places(refs), 31.5: places(refs),
                          32.5: places(refs), 32.6: kinds}).seen
    assert sorted(seen[1.5]) == ["agency", "experienced"]
    (e,) = seen[1.5]["experienced"]
    (a1,) = seen[1.5]["agency"]
    assert seen[30.5] == ["closed", a1, e, a1]
    assert seen[31.5] == ["closed", e, e, "waiting"]
    (a2,) = seen[32.6]["agency"]
    assert a2 != a1
    assert seen[32.5] == ["closed", e, e, a2]


def test_cases_are_handed_over_highest_priority_first_when_a_worker_leaves(play) -> None:
    """Two workers, caps 2. W1 holds R1 (cp from day 3) and R3 (cin from 5.5); W2 holds
    R4, and R2 until day 7. On day 6 W1 is made to give notice at the model's next look at
    leaving (day 7) and leaves 20 days later; W2, with room for one, takes R1 (cp); R3
    (cin) waits."""
    s = tiny({"workforce.caps.experienced": 2,
              "workforce.leaving.annual_hazard.experienced": 1.0,
              "workforce.leaving.notice_days": 20})
    r1 = ref(1, "assessment", 2, "cp", LONG)
    r2 = ref(2, "assessment", 5)
    r3 = ref(3.5, "assessment", 2, "cin", LONG)
    r4 = ref(4, "assessment", LONG)
    refs = [r1, r2, r3, r4]

    def nobody_leaves(svc: Service) -> list[int]:
        for w in svc.workforce.permanent.values():
            w.exhaustion = math.inf
        return holder_ids(svc)

    def doom_the_first(svc: Service) -> None:
        w = svc.workforce.permanent[holder_ids(svc)[0]]
        w.exhaustion = w.hazard_used + 1e-9  # reached at the next look

    seen = play(s, refs, {0.0: nobody_leaves, 6.0: doom_the_first, 6.5: places(refs),
                          60.0: places(refs), 60.1: holder_ids,
                          60.2: lambda svc: len(svc.open_cases)}).seen
    w1, w2 = seen[0.0]
    assert seen[6.5] == [w1, w2, w1, w2]
    assert seen[60.1] == [w2]  # W1 has gone
    assert seen[60.0] == [w2, "closed", "waiting", w2]
    assert seen[60.2] == 3


# --------------------------------------------------------------------------- designed moves


@pytest.mark.parametrize("move", [True, False])
def test_team_move_after_assessment(play, move: bool) -> None:
    """R1 is assessed by W1 (day 1 to 6), then a child in need: with the designed move the
    case goes to W2 (a change of worker), without it stays with W1."""
    s = tiny({"allocation.team_move_after_assessment": move})
    r1 = ref(1, "assessment", 5, "cin", LONG)
    got = play(s, [r1], {0.0: holder_ids, 5.5: places([r1]), 6.5: places([r1])})
    w1, w2 = got.seen[0.0]
    assert got.seen[5.5] == [w1]
    assert got.seen[6.5] == [w2 if move else w1]
    assert got.annual[(FY1, "worker_changes")] == (1 if move else 0)
    assert got.annual[(FY1, "worker_changes_per_child")] == (1.0 if move else 0.0)


@pytest.mark.parametrize("move", [True, False])
def test_team_move_into_care(play, move: bool) -> None:
    """R1: W1 from day 1, a child in need from day 6 (no move: only entering care moves a
    case), looked after from day 11: with the move to W2, who then has room 4 against
    W1's 5 (R2 went to W2 on day 2). R2 on a plan from day 7 stays with W2."""
    s = tiny({"allocation.team_move_into_care": move})
    r1 = ref(1, "assessment", 5, "cin", 5, "cla", LONG)
    r2 = ref(2, "assessment", 5, "cp", LONG)
    refs = [r1, r2]
    got = play(s, refs, {0.0: holder_ids, 6.5: places(refs), 7.5: places(refs),
                         11.5: places(refs)})
    w1, w2 = got.seen[0.0]
    assert got.seen[6.5] == [w1, w2]
    assert got.seen[7.5] == [w1, w2]
    assert got.seen[11.5] == [w2 if move else w1, w2]
    assert got.annual[(FY1, "worker_changes")] == (1 if move else 0)


@pytest.mark.parametrize("keep", [True, False])
def test_keep_worker_sends_a_re_referred_child_back_to_their_worker(play, keep: bool) -> None:
    """W1 (cap 5) holds C1 (closed on day 2.5) and Y; an agency worker (cap 8) covers the
    second post from day 1. C1 is re-referred on day 3: W1 has room 4, the agency worker
    8. Kept: back to W1 (no change of worker); not kept: the agency worker (a change)."""
    s = tiny({"initial_state.workforce.case_holding.experienced": 1,
              "workforce.caps.agency": 8, "workforce.agency.cover_share": 1,
              "workforce.agency.time_to_engage_days": 1,
              "workforce.agency.stay_days": LONG,
              "allocation.keep_worker": keep})
    c1 = ref(0.5, "assessment", 2, back=((0.5, ("assessment", LONG + 1)),))
    y = ref(0.7, "assessment", LONG)
    again = ref(3, "assessment", LONG + 1)  # C1's return (to find its case)
    refs = [c1, y, again]
    got = play(s, [c1, y], {
        0.0: holder_ids,
        2.9: lambda svc: sorted(set(svc.workforce.case_holders) - {holder_ids(svc)[0]}),
        3.5: places(refs)})
    (w1,) = got.seen[0.0]
    (agency,) = got.seen[2.9]
    assert got.seen[3.5] == ["closed", w1, w1 if keep else agency]
    assert got.annual[(FY1, "worker_changes")] == (0 if keep else 1)
    assert got.annual[(FY1, "rereferral_rate")] == pytest.approx(100 / 3)


@pytest.mark.parametrize("clock", ["from_referral", "from_allocation"])
def test_assessment_clock(play, clock: str) -> None:
    """One worker with a cap of 1, busy with R1 from day 1 to 11. R2, referred on day 2
    and assessed in 4 days, waits until day 11. From referral: its assessment ends on day
    6 while it waits, and it is allocated as a child in need. From allocation: its
    assessment runs from day 11 to 15."""
    s = one_worker(**{"workforce.caps.experienced": 1, "allocation.assessment_clock": clock})
    r1 = ref(1, "assessment", 10)
    r2 = ref(2, "assessment", 4, "cin", LONG)
    look = {t: (lambda svc: (stage_of(svc, r2), where(svc, r2))) for t in (5.5, 6.5, 11.5,
                                                                            14.5, 15.5)}
    seen = play(s, [r1, r2], {0.0: holder_ids, **look}).seen
    (w,) = seen[0.0]
    if clock == "from_referral":
        assert [seen[t] for t in (5.5, 6.5, 11.5, 14.5)] == [
            ("assessment", "waiting"), ("cin", "waiting"), ("cin", w), ("cin", w)]
    else:
        assert [seen[t] for t in (5.5, 6.5, 11.5, 14.5, 15.5)] == [
            ("assessment", "waiting"), ("assessment", "waiting"), ("assessment", w),
            ("assessment", w), ("cin", w)]


# --------------------------------------------------------------------------- re-referrals


def test_rereferral_within_365_days_counts_at_366_it_does_not(play) -> None:
    """C1, referred on day 10 (closed on day 12), comes back on day 100 (closed on day
    102.5) and again on day 465: 365 days after day 100, a re-referral. C2, referred on day
    200 (closed on day 500), comes back on day 566: 366 days, a referral but no re-referral.
    2020-21: 3 referrals, 1 re-referral; 2021-22: 2 referrals, 1 re-referral."""
    s = tiny()
    c1 = ref(10, "assessment", 2, back=((88, ("assessment", 2.5)),
                                        (362.5, ("assessment", LONG))))
    c2 = ref(200, "assessment", 300, back=((66, ("assessment", LONG + 1)),))
    got = play(s, [c1, c2]).annual
    assert got[(FY1, "referrals")] == 3 and got[(FY2, "referrals")] == 2
    assert got[(FY1, "rereferral_rate")] == pytest.approx(100 / 3)
    assert got[(FY2, "rereferral_rate")] == 50.0


# --------------------------------------------------------------------------- measures


def test_waiting_measures(play) -> None:
    """One worker with a cap of 1, assessments timed from allocation. R1 (day 10, 20
    days) is allocated at once; R2 (day 15, 10 days) waits to day 30; R3 (day 20, 5 days)
    to day 40; R4 (day 100) and R5 (day 358, 19 days) at once; R6 (day 360) waits to day
    377, into the next year.
    2020-21: 6 referrals, 3 waited (50%); 5 allocated in the year after waits of 0, 15,
    20, 0, 0: a mean of 7 days. Unallocated: 1 on [15, 20), 2 on [20, 30), 1 on [30, 40)
    and [360, 365): 40 case-days over 365 days, at most 2. Weekly caseload (snapshots on
    days 0, 7, ..., 364): 1 on days 14, 21, 28, 35, 42 and 364, else 0: 6/53.
    2021-22: no referral; R6's wait of 17 days; 1 unallocated on [365, 377): 12
    case-days, at most 1; caseload 1 on days 371 (R5) and 378 (R6) of 52 weeks."""
    s = one_worker(**{"workforce.caps.experienced": 1,
                      "allocation.assessment_clock": "from_allocation"})
    refs = [ref(10, "assessment", 20), ref(15, "assessment", 10), ref(20, "assessment", 5),
            ref(100, "assessment", 1), ref(358, "assessment", 19), ref(360, "assessment", 5)]
    r = play(s, refs)
    got = r.annual
    assert got[(FY1, "referrals")] == 6
    assert got[(FY1, "waited_share")] == 50.0
    assert got[(FY1, "allocation_wait_mean")] == 7.0
    assert got[(FY1, "unallocated_mean")] == pytest.approx(40 / 365)
    assert got[(FY1, "unallocated_max")] == 2.0
    assert got[(FY1, "unallocated_case_days")] == pytest.approx(40.0)
    assert got[(FY1, "caseload_mean")] == pytest.approx(6 / 53)
    assert got[(FY2, "referrals")] == 0 and np.isnan(got[(FY2, "waited_share")])
    assert got[(FY2, "allocation_wait_mean")] == 17.0
    assert got[(FY2, "unallocated_mean")] == pytest.approx(12 / 365)
    assert got[(FY2, "unallocated_max")] == 1.0
    assert got[(FY2, "unallocated_case_days")] == pytest.approx(12.0)
    assert got[(FY2, "caseload_mean")] == pytest.approx(2 / 52)
    w = weekly(r.result)
    assert list(w.columns) == list(WEEKLY_METRICS)
    start = np.datetime64("2020-04-01")
    series = w["unallocated"]
    assert [series[start + d] for d in (14, 21, 28, 35, 42, 364, 371, 378)] == \
        [0, 2, 2, 1, 0, 1, 1, 0]
    assert [w["caseload_mean"][start + d] for d in (7, 14, 42, 49, 364, 371, 378, 385)] \
        == [0, 1, 1, 0, 1, 1, 1, 0]


STOCK_REFS = [
    ref(10, "assessment", 5, "cp", 30),                  # P1: plan 15-45
    ref(20, "assessment", 5, "cin", 10, "cla", LONG),   # P2: in need 25, looked after 35
    ref(30, "assessment", 5, "cp", LONG),                # P3: plan from 35
    ref(40, "assessment", 5, "cla", 50),                 # P4: looked after 45-95
    ref(50, "assessment", 5, "cin", LONG),               # P6: in need from 55
    ref(60, "assessment", 5, "cin", 100, "cp", LONG),    # P7: in need 65, plan from 165
    ref(300, "assessment", 100),                         # P5: assessed 300-400
    ref(360, "assessment", 3, "cla", LONG + 1),          # P8: looked after from 363
    ref(364, "assessment", 5, "cla", LONG + 2),          # P9: looked after from 369
    ref(400, "assessment", 5),                           # P10: 400-405
]


def test_stocks_and_starts(play) -> None:
    """One child looked after from before the start (never a start), and ten referrals
    (STOCK_REFS). At 31 March 2021: open are the initial child, P2, P8 (looked after),
    P3, P7 (plans), P6 (in need), P5, P9 (assessments): 8 episodes. Starts in 2020-21:
    plans P1, P3, P7; care P2, P4, P8. In 2021-22: care P9; at 31 March 2022 P5 and P10
    have closed."""
    s = tiny({"initial_state.open_cases.cla": 1})
    got = play(s, STOCK_REFS).annual
    assert [got[(FY1, m)] for m in ("referrals", "cin_31mar", "cp_31mar", "cla_31mar",
                                   "cp_starts", "cla_starts")] == [9, 8, 2, 3, 3, 3]
    assert [got[(FY2, m)] for m in ("referrals", "cin_31mar", "cp_31mar", "cla_31mar",
                                   "cp_starts", "cla_starts")] == [1, 7, 2, 4, 0, 1]


@pytest.mark.parametrize(("start", "first_year_flows"), [("2020-04-01", True),
                                                         ("2020-04-02", False)])
def test_flows_and_budget_only_for_years_wholly_simulated(start: str,
                                                          first_year_flows: bool) -> None:
    """A run from 2 April 2020 misses a day of 2020-21: its 31 March stocks are reported,
    its flows and budget are not; from 1 April they are. 2021-22 is whole either way."""
    r = run(tiny(run__start_date=start))
    a, b = r.annual, r.budget
    assert (FY1, "cin_31mar") in a.index and (FY2, "referrals") in a.index
    assert ((FY1, "referrals") in a.index) is first_year_flows
    assert ((FY1, "waited_share") in a.index) is first_year_flows
    assert (FY1 in b.index.get_level_values("fy")) is first_year_flows
    assert FY2 in b.index.get_level_values("fy")


def test_weekly_series_on_a_known_state(play) -> None:
    """STOCK_REFS with one child looked after from the start, two workers. Day 49: P3 on
    a plan, P2, P4 and the initial child looked after; 4 cases on 2 workers. Day 63: also
    P6 in need and P7 being assessed; 6 cases on 2 workers."""
    s = tiny({"initial_state.open_cases.cla": 1})
    w = weekly(play(s, STOCK_REFS).result)
    start = np.datetime64("2020-04-01")
    assert list(w.loc[start + 49]) == [0, 0, 1, 3, 0, 2, 0, 0, 2.0]
    assert list(w.loc[start + 63]) == [1, 1, 1, 3, 0, 2, 0, 0, 3.0]
    assert list(w.columns) == ["open_assessment", "open_cin", "open_cp", "open_cla",
                               "unallocated", "fte_experienced", "fte_newly_qualified",
                               "fte_agency", "caseload_mean"]


def test_worker_changes_and_children_with_3_or_more_workers(play) -> None:
    """Three workers; designed moves after assessment and into care. A: W1 (day 10), W2
    after assessment (day 20), W3 into care (day 40): 2 changes, 3 workers. B: W1 (day
    50), W2 into care straight from assessment (day 60): 1 change, 2 workers. C and D
    have one worker each (C closes, D is still being assessed at 31 March). 2020-21: 3
    changes over 4 children; of the two looked after at 31 March (D, open, is not), A had
    3 workers, B 2: 50%. 2021-22 starts afresh: A and B each have had one worker, and
    nobody changes: 0 over 3 children."""
    s = tiny({"workforce.establishment.case_holding": 3,
              "initial_state.workforce.case_holding.experienced": 3,
              "allocation.team_move_after_assessment": True,
              "allocation.team_move_into_care": True})
    a = ref(10, "assessment", 10, "cin", 20, "cla", LONG)
    b = ref(50, "assessment", 10, "cla", LONG)
    refs = [a, b, ref(70, "assessment", 5), ref(80, "assessment", LONG)]
    got = play(s, refs, {0.0: holder_ids, 10.5: places([a]), 20.5: places([a]),
                         60.5: places([a, b])})
    w1, w2, w3 = got.seen[0.0]
    assert got.seen[10.5] == [w1] and got.seen[20.5] == [w2]
    assert got.seen[60.5] == [w3, w2]
    y = got.annual
    assert y[(FY1, "worker_changes")] == 3
    assert y[(FY1, "worker_changes_per_child")] == 0.75
    assert y[(FY1, "children_3plus_workers_rate")] == 50.0
    assert y[(FY2, "worker_changes")] == 0
    assert y[(FY2, "worker_changes_per_child")] == 0.0
    assert y[(FY2, "children_3plus_workers_rate")] == 0.0
    assert got.result.totals["worker_changes"] == 3


def test_workforce_snapshot_arithmetic(play) -> None:
    """Posts: 4 case-holding (2 experienced, 1 newly qualified, 1 vacant and covered by
    agency from day 1), 1 non-case-holding (experienced), and 1 agency worker beyond cover.
    Every vacancy is covered by agency a day after it opens. The non-case-holding worker
    gives notice on day 100 and leaves on day 130; a case holder gives notice on day 300
    and leaves on day 330. The first vacancy is filled by a newly qualified hire on day
    250 (its agency cover goes); the next round's hire comes on day 650.
    30 Sept 2020: in post 3, agency 3, vacancies 2: vacancy rate 2/5, agency rate 3/6.
    12 referrals on days 2-13 over 5 case holders with caps of 2 (overflow to 4): 2.4
    each, 2 of the 5 over the cap.
    30 Sept 2021: in post 3 (one left, one started), agency 3, vacancies 2; in the 12
    months from 1 Oct 2020, 1 starter and 1 leaver (day 130 is before them): turnover
    1/3."""
    s = tiny({"workforce.establishment": {"case_holding": 4, "non_case_holding": 1},
              "initial_state.workforce.case_holding": {"experienced": 2,
                                                       "newly_qualified": 1, "agency": 0},
              "initial_state.workforce.non_case_holding": {"experienced": 1,
                                                           "newly_qualified": 0,
                                                           "agency": 0},
              "workforce.caps": {"experienced": 2, "newly_qualified": 2, "agency": 2},
              "workforce.newly_qualified.asye_months": 36,
              "workforce.leaving.annual_hazard.experienced": 1.0,
              "workforce.leaving.notice_days": 30,
              "workforce.agency": {"cover_share": 1, "additional": 1,
                                   "time_to_engage_days": 1, "stay_days": LONG},
              "workforce.recruitment": {"round_interval_days": 400, "batch_size": 1,
                                        "time_to_hire_days": 250, "fill_probability": 1,
                                        "newly_qualified_share": 1},
              "allocation.overflow": {"cla": 2, "cp": 2, "cin": 2, "assessment": 2}})

    def two_leavers(svc: Service) -> list[int]:
        # a hazard of 1 a year from the first look at leaving (day 7) reaches an
        # exhaustion of (d - 7) / 365 on day d: notice then; everyone else never
        first = holder_ids(svc)[0]
        (office,) = set(svc.workforce.permanent) - set(svc.workforce.case_holders)
        for wid, w in svc.workforce.permanent.items():
            w.exhaustion = {first: (300 - 7) / 365, office: (100 - 7) / 365}.get(wid, math.inf)
        return [first, office]

    refs = [ref(2 + i, "assessment", LONG + i) for i in range(12)]
    staff = {t: (lambda svc: sorted(svc.workforce.permanent)) for t in (95.0, 183.0, 400.0)}
    got = play(s, refs, {0.0: two_leavers, 14.0: lambda svc: list(cases_held(svc).values()),
                         **staff})
    first, office = got.seen[0.0]
    assert sorted(got.seen[14.0]) == [2, 2, 2, 3, 3]
    # each leaves between the two looks (the exact day is the workforce tests' business)
    assert {first, office} <= set(got.seen[95.0])
    assert office not in got.seen[183.0] and first in got.seen[183.0]
    assert first not in got.seen[400.0]
    y = got.annual
    assert [y[(FY1, m)] for m in ("inpost_fte", "agency_fte", "vacancy_rate",
                                  "agency_rate", "caseload_per_fte", "over_cap_share")] == \
        pytest.approx([3, 3, 40.0, 50.0, 2.4, 40.0])
    assert [y[(FY2, m)] for m in ("inpost_fte", "agency_fte", "vacancy_rate", "agency_rate",
                                  "starters_fte", "leavers_fte", "turnover_rate")] == \
        pytest.approx([3, 3, 40.0, 50.0, 1, 1, 100 / 3])
    assert (FY1, "turnover_rate") not in y.index  # the 12 months to it start before the run
    w = weekly(got.result)
    day14 = w.loc[np.datetime64("2020-04-15")]
    assert [day14[m] for m in ("open_assessment", "fte_experienced", "fte_newly_qualified",
                               "fte_agency", "caseload_mean")] == [12, 3, 1, 2, 2.4]


# --------------------------------------------------------------------------- demand


def test_seasonality_by_named_month() -> None:
    """Monthly multipliers 1..12 (mean 6.5), January first: the rate on 15 February is
    2/6.5 of the yearly mean, on 15 December 12/6.5; a 10% trend compounds from the middle
    of the year before the start."""
    s = tiny({"demand.referrals_per_year": 650, "demand.seasonality": list(range(1, 13)),
              "demand.trend_pct_per_year": 10})
    cal = Calendar(s.run.start_date, 2)
    for month, date in ((2, dt.date(2021, 2, 15)), (12, dt.date(2020, 12, 15)),
                        (4, dt.date(2020, 4, 15)), (1, dt.date(2021, 1, 15))):
        t = cal.day(date)
        expected = 650 / 365 * month / 6.5 * 1.1 ** (t / 365 + 0.5)
        assert base_rate(s.demand, cal, np.array([t]))[0] == pytest.approx(expected,
                                                                         rel=1e-12)


def test_referrals_arrive_only_in_the_months_that_have_them() -> None:
    """Seasonality with March only: every referral of two years falls in March."""
    s = tiny({"demand.referrals_per_year": 500, "demand.seasonality": [0, 0, 1] + [0] * 9})
    cal = Calendar(s.run.start_date, 2)
    refs = draw_referrals(s.demand, cal, lambda t: np.ones_like(t),
                          np.random.default_rng(1), np.random.default_rng(2),
                          s.costs.placements.mix)
    months = {cal.date(t).month for t in refs.times}
    assert months == {3} and len(refs.times) > 500


def test_a_fixed_durations_cdf_is_a_step_at_its_value() -> None:
    """A fixed duration of 10 days: its CDF is 0 below 10 and 1 from 10, as floats; a case
    open on the start date at age a has 10 - a days left (none once past 10), whatever its
    uniform."""
    d = Fixed(value=10)
    f = d.cdf(np.array([5.0, 10.0, 15.0]))
    assert f.dtype == np.float64 and list(f) == [0.0, 1.0, 1.0]
    ages = np.array([0.0, 4.0, 10.0, 12.0])
    left = conditional_remaining(d, ages, np.array([0.1, 0.5, 0.9, 0.3]))
    assert list(left) == [10.0, 6.0, 0.0, 0.0]


def test_early_help_multiplier_start_lag_and_size() -> None:
    """Base budget £10m; from 1 June 2020 £2m less, from 1 April 2021 £1m more; lag 2
    months (60.875 days). Elasticity 0.5: x (8/10)^-0.5 from day 61 + 60.875, then
    (11/10)^-0.5 from day 365 + 60.875. As % per £1m cut (5%): x 1.10, then x 0.95."""
    cal = Calendar(dt.date(2020, 4, 1), 3)
    lag = 2 * DAYS_PER_MONTH
    assert lag == 60.875
    first, second = 61 + lag, 365 + lag
    t = np.array([0, first - 0.01, first + 0.01, second - 0.01, second + 0.01])
    common = {"base_budget": 10e6, "lag_months": 2, "changes": [
        {"start": dt.date(2020, 6, 1), "annual_change": -2e6},
        {"start": dt.date(2021, 4, 1), "annual_change": 1e6}]}
    s = tiny({"interventions.early_help": {**common, "elasticity": 0.5}})
    got = early_help_multiplier(s.interventions.early_help, cal)(t)
    assert got == pytest.approx([1, 1, 0.8 ** -0.5, 0.8 ** -0.5, 1.1 ** -0.5], rel=1e-12)
    s = tiny({"interventions.early_help": {**common, "pct_per_million": 5}})
    got = early_help_multiplier(s.interventions.early_help, cal)(t)
    assert got == pytest.approx([1, 1, 1.10, 1.10, 0.95], rel=1e-12)


def test_early_help_effect_reaches_referrals_from_its_date_plus_lag() -> None:
    """Halving the early-help budget with elasticity 1 doubles the referral rate, which
    keeps every candidate referral (the thinning rate is twice the peak). From 1 July 2020
    with a lag of one month: from day 91 + 30.4375 every candidate is a referral; before
    it, only some are."""
    s = tiny({"demand.referrals_per_year": 400})
    cal = Calendar(s.run.start_date, 1)
    assert HEADROOM == 2

    def times(**eh: Any) -> np.ndarray:
        e = tiny({"interventions.early_help": {"base_budget": 1, "elasticity": 1, **eh}})
        refs = draw_referrals(s.demand, cal, early_help_multiplier(
            e.interventions.early_help, cal), np.random.default_rng(5),
            np.random.default_rng(6), s.costs.placements.mix)
        return np.array(refs.times)

    cut = [{"start": dt.date(2020, 7, 1), "annual_change": -0.5}]
    every = times(lag_months=0, changes=[{"start": dt.date(2020, 4, 1),
                                          "annual_change": -0.5}])
    lagged = times(lag_months=1, changes=cut)
    none = times(lag_months=0)
    when = 91 + DAYS_PER_MONTH
    assert np.array_equal(lagged[lagged >= when], every[every >= when])
    assert np.array_equal(lagged[lagged < when], none[none < when])
    before = (every < when).sum()
    assert 0.3 * before < (none < when).sum() < 0.7 * before


def test_a_rate_multiplier_beyond_the_headroom_stops_the_draw() -> None:
    """The thinning can raise referrals up to HEADROOM (2) times the baseline's peak: a
    multiplier of 2 doubles the referrals (about 800 in place of 400), one of 3 is refused
    rather than quietly giving fewer referrals than asked for (the scenario checks keep
    every intervention within it)."""
    s = tiny({"demand.referrals_per_year": 400})
    cal = Calendar(s.run.start_date, 1)

    def draw(m: float) -> Referrals:
        return draw_referrals(s.demand, cal, lambda t: np.full_like(t, m, dtype=float),
                              np.random.default_rng(5), np.random.default_rng(6),
                              s.costs.placements.mix)

    assert 700 < len(draw(2.0).times) < 900
    with pytest.raises(ValueError, match=r"3\.00-fold, beyond the 2-fold the model allows"):
        draw(3.0)


def test_early_help_effect_in_a_run() -> None:
    """Through the whole model: a cut from 1 April 2021 (no lag) leaves 2020-21's referrals
    as without it and makes 2021-22's those of a cut from the start (every candidate)."""
    def referrals(changes: list[dict]) -> tuple[float, float]:
        s = tiny({"demand.referrals_per_year": 200, "demand.durations.assessment": 1,
                  "interventions.early_help": {"base_budget": 1, "elasticity": 1,
                                               "lag_months": 0, "changes": changes}})
        y = annual(run(s).result)
        return y[(FY1, "referrals")], y[(FY2, "referrals")]

    none = referrals([])
    from_start = referrals([{"start": dt.date(2020, 4, 1), "annual_change": -0.5}])
    later = referrals([{"start": dt.date(2021, 4, 1), "annual_change": -0.5}])
    assert later == (none[0], from_start[1])
    assert none[1] < 0.7 * from_start[1]

