"""Changes of social worker that come from how a council organises its staff, beyond a worker
leaving or an agency worker's stay ending (``workforce.py``) and the designed team moves of a
case's journey (``journey.py``).

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

from typing import TYPE_CHECKING

from sim.scenario.distributions import param_value

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.measures import Recorder
    from sim.model.workforce import Workforce

ROUND_DAYS = 28.0  # how often the chance of a move is read (as the leaving hazard's)


class InternalMoves:
    def __init__(self, workforce: Workforce, rec: Recorder) -> None:
        self.workforce = workforce
        self.rec = rec
        rate = param_value(workforce.w.internal_moves_per_year)
        # a share moving in a year, as a chance in each round
        self.p = 1 - (1 - min(rate, 1.0)) ** (ROUND_DAYS / 365.25) if rate > 0 else 0.0

    def round(self) -> None:
        """Every four weeks: who moves team, in order of worker id."""
        wf = self.workforce
        alloc = wf.alloc
        for w in sorted(wf.case_holders.values(), key=lambda w: w.id):
            if w.kind == "agency" or not w.available:
                continue
            if wf.draw(w.post, "move") < self.p:
                self.rec.internal_moves += 1
                alloc.hand_over(w)  # withdraws them: their cases go to others
                alloc.add_worker(w)  # back, in the new team, with room for new cases
