"""The model's invariants, checked during a run with ``--check``.

Cheap ones (counts that must agree) after every event; thorough ones (every case, every
worker) each simulated week. The first to break stops the replication with an
``InvariantError`` naming the replication, the simulated date and what broke: a bug in the
model, or an input outside what it was built for, is then found where it starts rather
than in a year's totals.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.simulation import Service


class InvariantError(RuntimeError):
    """An invariant of the model broke; ``str()`` is one line."""

    def __init__(self, replication: int, date: dt.date, day: float, what: str) -> None:
        self.replication, self.date, self.day, self.what = replication, date, day, what
        super().__init__(f"replication {replication}, simulated date {date.isoformat()} "
                         f"(day {day:.2f}): {what}")

    def __reduce__(self):  # rebuilt from its fields when sent back from a worker process
        return (InvariantError, (self.replication, self.date, self.day, self.what))


def broken_counts(svc: Service) -> str | None:
    """What is wrong with the running counts, or None (O(1): after every event)."""
    open_n = len(svc.open_cases)
    rec, alloc = svc.rec, svc.alloc
    expected = svc.initial_cases + rec.total_referrals - rec.total_closed
    if expected != open_n:
        return (f"cases not conserved: {svc.initial_cases} at the start + "
                f"{rec.total_referrals} referred - {rec.total_closed} closed = {expected}, "
                f"but {open_n} are open")
    if min(svc.n_open) < 0 or sum(svc.n_open) != open_n:
        return f"open cases by stage {svc.n_open} do not add up to the {open_n} open"
    if alloc.n_allocated < 0 or alloc.n_waiting < 0 \
            or alloc.n_allocated + alloc.n_waiting != open_n:
        return (f"{alloc.n_allocated} allocated + {alloc.n_waiting} waiting != {open_n} open "
                "cases")
    exp, nq, agency = svc.workforce.counts()
    if min(exp, nq, agency) < 0:
        return f"negative headcount: experienced {exp}, newly qualified {nq}, agency {agency}"
    return None


def broken_state(svc: Service) -> str | None:
    """What is wrong with the state in detail, or None (every case and worker: weekly)."""
    wf, alloc = svc.workforce, svc.alloc
    workers = list(wf.permanent.values()) + list(wf.agency.values())
    held = sum(len(w.cases) for w in workers)
    if held != alloc.n_allocated:
        return f"workers hold {held} cases but {alloc.n_allocated} are counted as allocated"
    for case in svc.open_cases.values():
        if (case.worker is None) == (not case.queued):
            state = "both allocated and waiting" if case.queued else \
                "neither allocated nor waiting"
            return f"case {case.id} is {state}"
        if case.worker is not None and (not case.worker.active or case not in
                                        case.worker.cases):
            return f"case {case.id} is allocated to a worker who has left or does not hold it"
    if wf.vacancies() < 0:  # pragma: no cover - a count of posts
        return "negative vacancies"
    return None
