"""Changes of social worker from how councils organise staff: a designed handover when a
case steps between child in need and child protection, and internal moves of workers
between teams (sim/model/worker_changes.py). Tiny deterministic service, scripted
referrals, hand-worked numbers."""

from __future__ import annotations

import pytest

from sim.model.worker_changes import ROUND_DAYS

from .mechanism_scenarios import tiny
from .test_mechanisms_cases import FY1, LONG, holder_ids, places, play, ref

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
