"""Changes of social worker that come from how a council organises its staff, beyond a worker
leaving or an agency worker's stay ending (``workforce.py``), the designed team moves of a
case's journey (``journey.py``) and caseloads rebalanced to a new colleague
(``Allocator.rebalance``): internal moves and covered absences.

**Internal moves.** A permanent case holder moves team or role within the council at the
scenario's rate a year (``workforce.internal_moves_per_year``): every case they hold is
handed over, highest priority first, each a change of worker for that child; they stay in
post and take new cases in their new team. Where nobody else has room, a handed-over case
waits, and the worker who moved may take it (or an older waiting case) back at once: the move
is counted, the change of worker is not. Each worker's chance is read every four weeks from
their post's own stream, so a move happens at the same time in two scenarios unless the
worker's history differs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.model.cases import ABSENCE, MOVE
from sim.model.scheduling import Call
from sim.scenario.distributions import param_value

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.measures import Recorder
    from sim.model.workforce import Worker, Workforce

ROUND_DAYS = 28.0  # how often the chance of a move is read (as the leaving hazard's)


def _taking_cases(wf: Workforce) -> list[Worker]:
    """Permanent case holders taking cases (not away, not on notice), in order of id: who a
    round may move or send off."""
    return sorted((w for w in wf.case_holders.values() if w.kind != "agency" and w.available),
                  key=lambda w: w.id)


class InternalMoves:
    def __init__(self, workforce: Workforce, rec: Recorder) -> None:
        self.workforce = workforce
        self.rec = rec
        rate = param_value(workforce.w.internal_moves_per_year)
        # a share moving in a year, as a chance in each round
        self.p = 1 - (1 - min(rate, 1.0)) ** (ROUND_DAYS / 365.25) if rate > 0 else 0.0

    def round(self) -> None:
        """Every four weeks: who moves team, in order of worker id."""
        if not self.p:
            return
        wf = self.workforce
        alloc = wf.alloc
        for w in _taking_cases(wf):
            if wf.draw(w.post, "move") < self.p:
                self.rec.internal_moves += 1
                alloc.hand_over(w, MOVE)  # withdraws them: their cases go to others
                alloc.add_worker(w)  # back, in the new team, with room for new cases


class Absences:
    """Covered absences: a permanent case holder goes off (sickness, leave) at the scenario's
    rate a year (``workforce.absence``); colleagues cover every case they hold (a change of
    worker each, highest priority first, as at a departure) and keep them; the worker stays
    in post, takes no cases while away and new ones on their return. The chance and the
    length are read from the post's own stream (common random numbers post by post)."""

    def __init__(self, workforce: Workforce, rec: Recorder) -> None:
        self.workforce = workforce
        self.rec = rec
        a = workforce.w.absence
        rate = param_value(a.per_year) * a.relative_rate if a is not None else 0.0
        # a rate of events a year (not a share): the chance of one in a round
        self.p = -math.expm1(-rate * ROUND_DAYS / 365.25) if rate > 0 else 0.0
        self.days = a.days if a is not None else None

    def round(self) -> None:
        """Every four weeks: who goes off, in order of worker id."""
        if not self.p:
            return
        wf = self.workforce
        for w in _taking_cases(wf):
            if wf.draw(w.post, "absence") < self.p:
                assert self.days is not None
                length = float(self.days.ppf(wf.draw(w.post, "absence")))
                self.rec.absences += 1
                wf.alloc.hand_over(w, ABSENCE)
                Call(wf.env, max(0.0, length), self._back, w)

    def _back(self, w: Worker) -> None:
        # not if they left (or gave notice) meanwhile
        if w.active and not w.leaving and not w.available:
            self.workforce.alloc.add_worker(w)
