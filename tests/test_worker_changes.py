"""Changes of social worker from how councils organise staff: a designed handover when a
case steps between child in need and child protection, internal moves of workers between
teams, covered absences and caseloads rebalanced to new colleagues
(sim/model/worker_changes.py, allocation.py), and the reason each change is filed under.
Tiny deterministic service, scripted referrals, hand-worked numbers."""

from __future__ import annotations

import math

import pytest

from sim.model.cases import ABSENCE, CASELOADS, LEFT, REASONS, STANDARD
from sim.model.demand import ASSESSMENT, CIN
from sim.model.worker_changes import ROUND_DAYS

from .mechanism_scenarios import tiny
from .test_mechanisms_cases import (
    FY1,
    LONG,
    Worker,
    allocator,
    holder_ids,
    new_case,
    places,
    play,
    ref,
)

__all__ = ["play"]


@pytest.mark.parametrize("move", [True, False])
def test_a_step_between_child_in_need_and_protection_hands_the_case_over(play, move):
    """R1: W1 assesses it (days 1-6), a child in need to day 11, a protection plan to day
    16, a child in need again. With handovers at steps, each step moves it to the other
    worker: W1, W2, W1; without, W1 throughout. Entering a plan from assessment is not a
    step (that is team_move_after_assessment's)."""
    s = tiny({"allocation.team_move_on_step": move})
    r1 = ref(1, "assessment", 5, "cin", 5, "cp", 5, "cin", LONG)
    r2 = ref(2, "assessment", 5, "cp", LONG)
    got = play(s, [r1, r2], {0.0: holder_ids, **{t: places([r1, r2])
                                                  for t in (6.5, 11.5, 16.5)}})
    w1, w2 = got.seen[0.0]
    assert got.seen[6.5] == [w1, w2]  # assessment to a plan: no step
    assert got.seen[11.5] == ([w2, w2] if move else [w1, w2])
    assert got.seen[16.5] == [w1, w2]  # moved back to W1 at the step down, or never moved
    assert got.annual[(FY1, "worker_changes")] == (2 if move else 0)


def test_a_worker_who_moves_team_hands_every_case_over_and_takes_new_ones(play):
    """Two workers, internal moves at 100% a year: in each four-weekly round each worker
    moves with the chance 1 - (1 - 1) ** (28 / 365.25) = 1, i.e. surely. W1 holds R1 and
    R2 from days 1-2 (W2 R3); on day 28 W1 moves first (lower id): R1 and R2 go to W2,
    then W2 moves: all three go to W1. R1 and R3 change twice, R2 once; both stay in post."""
    s = tiny({"workforce.internal_moves_per_year": 1.0, "workforce.caps.experienced": 5})
    r1, r2, r3 = (ref(t, "assessment", LONG + t) for t in (1, 1.5, 2))
    got = play(s, [r1, r2, r3], {0.0: holder_ids, 27.0: places([r1, r2, r3]),
                                 ROUND_DAYS + 0.5: places([r1, r2, r3]),
                                 ROUND_DAYS + 0.6: lambda svc: (len(svc.workforce.permanent),
                                                                svc.rec.internal_moves,
                                                                svc.rec.changes)})
    w1, w2 = got.seen[0.0]
    assert got.seen[27.0] == [w1, w2, w1]
    assert got.seen[ROUND_DAYS + 0.5] == [w1, w1, w1]
    assert got.seen[ROUND_DAYS + 0.6] == (2, 2, 5)


def test_the_chance_of_a_move_in_a_round_gives_the_yearly_share():
    """At 12% a year, a round of 28 days moves a worker with 1 - 0.88 ** (28 / 365.25); a
    year of rounds then moves 12% of workers that stay (the chance compounds)."""
    from sim.model.worker_changes import InternalMoves

    class WF:  # what InternalMoves reads at construction
        class w:  # stands in for the scenario's workforce section
            internal_moves_per_year = 0.12

    m = InternalMoves(WF(), None)  # type: ignore[arg-type]
    assert m.p == pytest.approx(1 - 0.88 ** (28 / 365.25))
    assert 1 - (1 - m.p) ** (365.25 / 28) == pytest.approx(0.12)


def test_moves_read_each_workers_own_post_stream(monkeypatch):
    """Each round reads, for each permanent case holder in order of id, one uniform from
    their own post's 'move' stream (common random numbers, post by post); agency workers
    and those on notice draw nothing."""
    from sim.model.workforce import Workforce

    calls: list[tuple[int, str, int]] = []
    real = Workforce.draw

    def draw(self, post, purpose):
        if purpose == "move":
            calls.append((round(self.env.now), purpose, post.id,
                          post.occupant.id if post.occupant else -1))
        return real(self, post, purpose)

    monkeypatch.setattr(Workforce, "draw", draw)
    s = tiny({"workforce.internal_moves_per_year": 0.5, "run.horizon_years": 0.2,
              "workforce.establishment.case_holding": 3,
              "workforce.agency.cover_share": 1, "workforce.agency.stay_days": LONG})
    from .mechanism_scenarios import run

    run(s)
    rounds = sorted({t for t, *_ in calls})
    assert rounds == [28, 56]
    for t in rounds:
        assert [(post, occupant) for when, _, post, occupant in calls if when == t] == \
            [(1, 1), (2, 2)]  # the two permanent workers in their posts; the agency one not


# --------------------------------------------------------------------------- reasons


def test_each_change_is_filed_under_its_reason(play):
    """R1 is assessed by W1, then moves to W2 by design after assessment (standard
    process); R2 is W2's until W2 is made to leave (notice at the model's look at leaving on
    day 35, 5 days' notice): R1 and R2 go to W1 (the previous worker left). Three changes,
    filed 1 and 2."""
    s = tiny({"allocation.team_move_after_assessment": True,
              "workforce.leaving.annual_hazard.experienced": 1.0,
              "workforce.leaving.notice_days": 5})
    r1 = ref(1, "assessment", 5, "cin", LONG)
    r2 = ref(2, "assessment", LONG)

    def nobody_leaves(svc):
        for w in svc.workforce.permanent.values():
            w.exhaustion = math.inf
        return holder_ids(svc)

    def doom_the_second(svc):
        w = svc.workforce.permanent[holder_ids(svc)[1]]
        w.exhaustion = w.hazard_used + 1e-9

    got = play(s, [r1, r2], {0.0: nobody_leaves, 10.0: doom_the_second,
                             50.0: places([r1, r2]),
                             50.1: lambda svc: dict(svc.rec.change_reasons)})
    w1, _ = got.seen[0.0]
    assert got.seen[50.0] == [w1, w1]
    reasons = got.seen[50.1]
    assert set(reasons) == set(REASONS)
    assert reasons[STANDARD] == 1 and reasons[LEFT] == 2
    assert sum(reasons.values()) == 3


def test_a_hand_over_files_every_case_under_its_cause():
    a, _ = allocator()
    leaver, other = Worker(1, cap=5), Worker(2, cap=5)
    a.add_worker(leaver)
    cases = [new_case(s) for s in (ASSESSMENT, CIN)]
    for c in cases:
        a.request(c)
    a.add_worker(other)
    a.hand_over(leaver, "why")
    assert [c.cause for c in cases] == ["why", "why"]
    assert all(c.worker is other for c in cases)


# --------------------------------------------------------------------------- rebalancing


def test_rebalance_takes_the_fullest_colleagues_cases_while_it_evens_loads():
    """W1 holds 8 of 10, W2 4 of 10, a starter S none. Each move takes a case of the
    colleague with least room (picked by the uniform: 0.99 is the last held, the newest)
    while that room is below S's less one: four from W1 (rooms 2, 3, 4, 5 against S's 10,
    9, 8, 7); then W1 and W2 both have room 6 against S's 6, and moving one more would not
    even the loads. A target of 2 stops at 2. A uniform of 0 takes the oldest held."""
    for target, moved in ((10, 4), (2, 2)):
        a, log = allocator()
        w1, w2, starter = Worker(1, cap=10), Worker(2, cap=10), Worker(3, cap=10)
        a.add_worker(w1)
        mine = [new_case(ASSESSMENT) for _ in range(8)]
        for c in mine:
            a.request(c)
        a.add_worker(w2)
        theirs = [new_case(ASSESSMENT) for _ in range(4)]
        for c in theirs:
            a.request(c)
        assert len(w1.cases) == 8 and len(w2.cases) == 4
        a.add_worker(starter)
        log.clear()
        a.rebalance(starter, target, CASELOADS, lambda: 0.99)
        assert [c for c, _ in log] == mine[::-1][:moved]  # newest first
        assert all(w is starter for _, w in log)
        assert all(c.cause == CASELOADS for c in mine[::-1][:moved])
        assert len(starter.cases) == moved and len(w1.cases) == 8 - moved
        assert starter.room == 10 - moved and w1.room == 2 + moved  # buckets kept in step
        assert a.n_allocated == 12
    a, log = allocator()
    w1, starter = Worker(1, cap=10), Worker(2, cap=10)
    a.add_worker(w1)
    mine = [new_case(ASSESSMENT) for _ in range(4)]
    for c in mine:
        a.request(c)
    a.add_worker(starter)
    a.rebalance(starter, 1, CASELOADS, lambda: 0.0)
    assert list(starter.cases) == mine[:1]


@pytest.mark.parametrize("share", [0.0, 0.6])
def test_a_new_hire_is_given_cases_from_the_fullest_colleagues(play, share):
    """Three posts, two filled (caps 5); six long assessments split 3 and 3 by day 6. The
    vacancy is advertised at day 0 and filled surely at day 30. With a share of 0.6 the
    starter is given cases until they hold round(0.6 x 5) = 3 or the loads are even: one
    from each colleague (rooms 2 and 2 against 5, then 3 and 2 against 4, then 3 and 3
    against 3: stop), 2 changes of worker for managing caseloads; with 0, none."""
    s = tiny({"allocation.rebalance_to_starters": share,
              "workforce.establishment.case_holding": 3,
              "workforce.recruitment.fill_probability": 1})
    refs = [ref(1 + i, "assessment", LONG) for i in range(6)]
    got = play(s, refs, {29.0: holder_ids, 30.5: holder_ids,
                         30.6: lambda svc: (svc.rec.change_reasons[CASELOADS],
                                            {w.id: len(w.cases) for w in
                                             svc.workforce.case_holders.values()})})
    assert len(got.seen[29.0]) == 2 and len(got.seen[30.5]) == 3
    moved, loads = got.seen[30.6]
    new = got.seen[30.5][2]
    assert moved == (2 if share else 0)
    assert loads[new] == (2 if share else 0)
    assert sum(loads.values()) == 6


def test_a_new_agency_worker_is_given_cases_too(play):
    """As for a hire: the vacancy is covered by an agency worker engaged on day 30 (cover
    surely, 30 days to engage), who is given one case from each colleague."""
    s = tiny({"allocation.rebalance_to_starters": 0.6,
              "workforce.establishment.case_holding": 3,
              "workforce.agency.cover_share": 1, "workforce.agency.time_to_engage_days": 30,
              "workforce.agency.stay_days": LONG})
    refs = [ref(1 + i, "assessment", LONG) for i in range(6)]
    got = play(s, refs, {30.5: lambda svc: (svc.rec.change_reasons[CASELOADS],
                                            [len(w.cases) for w in svc.workforce.agency.values()])})
    assert got.seen[30.5] == (2, [2])


# --------------------------------------------------------------------------- absence


def test_the_chance_of_a_covered_absence_in_a_round_is_the_yearly_rate():
    """An absence rate is events a year, England's times the council's relative rate: a
    round of 28 days has 1 - exp(-rate x 28/365.25)."""
    from sim.model.worker_changes import Absences

    class WF:
        class w:
            class absence:
                per_year = 0.5
                relative_rate = 0.8
                days = None

    a = Absences(WF(), None)  # type: ignore[arg-type]
    assert a.p == pytest.approx(-math.expm1(-0.4 * 28 / 365.25))


def _w1_away_for_ten_days(monkeypatch):
    """W1 (post 1) is drawn off at the first staff round (day 28) for 10 days, W2 never;
    R1-R3 arrive on days 1-3 and R4 on day 40, each a long assessment."""
    from sim.model.workforce import Workforce

    real = Workforce.draw

    def draw(self, post, purpose):
        if purpose == "absence":
            real(self, post, purpose)
            return 0.0 if post.id == 1 else 0.999
        return real(self, post, purpose)

    monkeypatch.setattr(Workforce, "draw", draw)
    s = tiny({"workforce.absence": {"per_year": 1.0, "days": 10}})
    refs = [ref(t, "assessment", LONG + t) for t in (1, 2, 3, 40)]
    return s, refs


def test_an_absent_worker_s_cases_are_covered_and_they_take_new_ones_on_return(play,
                                                                              monkeypatch):
    """W1 (R1, R3) goes off at the first round (day 28) for 10 days; W2 (R2) does not. R1
    and R3 go to W2 and stay there; on day 38 W1 is back and takes R4 (day 40), the new
    referral, as the worker with most room. Two changes, filed as absence cover; W1 stays
    in post throughout."""
    s, refs = _w1_away_for_ten_days(monkeypatch)
    got = play(s, refs, {0.0: holder_ids, 27.0: places(refs), 28.5: places(refs),
                         37.5: lambda svc: [w.available for w in
                                            svc.workforce.case_holders.values()],
                         40.5: places(refs),
                         40.6: lambda svc: (svc.rec.change_reasons[ABSENCE], svc.rec.absences,
                                            len(svc.workforce.permanent))})
    w1, w2 = got.seen[0.0]
    assert got.seen[27.0][:3] == [w1, w2, w1]
    assert got.seen[28.5][:3] == [w2, w2, w2]
    assert got.seen[37.5] == [False, True]
    assert got.seen[40.5] == [w2, w2, w2, w1]
    assert got.seen[40.6] == (2, 1, 2)


def test_a_worker_who_gives_notice_while_away_does_not_come_back_to_cases(play, monkeypatch):
    """As above, but W1 gives notice on day 30, while away: on day 38 they do not take
    cases again (they work their notice to day 60 without new cases), so R4 goes to W2."""
    s, refs = _w1_away_for_ten_days(monkeypatch)

    def notice(svc):
        svc.workforce._give_notice(svc.workforce.permanent[holder_ids(svc)[0]])

    got = play(s, refs, {0.0: holder_ids, 30.0: notice,
                         38.5: lambda svc: [(w.available, w.leaving) for w in
                                            svc.workforce.case_holders.values()],
                         40.5: places(refs)})
    _, w2 = got.seen[0.0]
    assert got.seen[38.5] == [(False, True), (True, False)]
    assert got.seen[40.5] == [w2, w2, w2, w2]
