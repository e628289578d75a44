"""Allocating cases to social workers, and the queue of unallocated cases.

The least-loaded worker is the one with the most room (cap minus cases held). Workers who
take cases sit in buckets keyed by their room, and the allocator keeps a pointer to the
fullest bucket, so finding the worker with most room, and moving a worker between buckets
when a case comes or goes, cost O(1) amortised — no scan of the workforce. Within a bucket
the worker who reached it first is chosen, which keeps runs deterministic.

Cases waiting for a worker queue by priority (e.g. looked-after and child protection first),
first come first served within a priority.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from sim.model.cases import Case


def _ignore(*_: Any) -> None:
    pass


class Allocator:
    def __init__(self, priority: list[int], overflow: list[float],
                 on_assign: Callable[[Case, Any], None],
                 on_queue_change: Callable[[int], None]) -> None:
        self._rank = {stage: i for i, stage in enumerate(priority)}
        self._queues: list[deque[tuple[int, Case]]] = [deque() for _ in priority]
        self._overflow = overflow  # by stage code: most cases, as a multiple of the cap
        self._buckets: dict[int, dict[Any, None]] = {}
        self._max_room = 0
        self._on_assign = on_assign
        self._on_queue_change = on_queue_change
        self.n_waiting = 0
        self.n_allocated = 0
        self.n_workers = 0

    @property
    def priority(self) -> list[int]:
        """Stage codes, highest priority first."""
        return list(self._rank)

    def detach(self) -> None:
        """Drop the callbacks (at the end of a run: they hold the model's objects)."""
        self._on_assign = self._on_queue_change = _ignore

    # ------------------------------------------------------------------ workers

    def _insert(self, w: Any) -> None:
        room = w.cap - len(w.cases)
        b = self._buckets.get(room)
        if b is None:
            b = self._buckets[room] = {}
        b[w] = None
        w.room = room
        if room > self._max_room or self.n_workers == 1:  # the first is the fullest too
            self._max_room = room

    def _move(self, w: Any) -> None:
        if w.available:
            del self._buckets[w.room][w]
            self._insert(w)

    def add_worker(self, w: Any) -> None:
        """A worker starts taking cases."""
        w.available = True
        self.n_workers += 1
        self._insert(w)
        self.drain()

    def withdraw(self, w: Any) -> None:
        """A worker stops taking new cases (notice, departure); keeps those they hold."""
        if w.available:
            del self._buckets[w.room][w]
            w.available = False
            self.n_workers -= 1

    def set_overflow(self, overflow: list[float]) -> None:
        """A new limit above the caps, by stage code (a dated change): waiting cases go to
        workers who now have room; nobody gives up a case they hold."""
        self._overflow = overflow
        self.drain()

    def cap_changed(self, w: Any) -> None:
        self._move(w)
        self.drain()

    def _top(self, exclude: Any = None) -> Any:
        """The available worker with most room (other than ``exclude``), or None."""
        if self.n_workers == 0 or (self.n_workers == 1 and exclude is not None
                                   and exclude.available):
            return None
        room = self._max_room
        buckets = self._buckets
        while True:
            b = buckets.get(room)
            if b:
                for w in b:
                    if w is not exclude:
                        return w
                room -= 1
                continue
            if room == self._max_room:
                self._max_room -= 1
            room -= 1

    def _fits(self, w: Any, stage: int) -> bool:
        load = len(w.cases)
        return load < w.cap or load < int(w.cap * self._overflow[stage] + 1e-9)

    # ------------------------------------------------------------------ cases

    # assign, unassign and request run for every case many times a run: the bucket moves
    # are written out here rather than through _move (a worker's room changes by one)

    def assign(self, case: Case, w: Any) -> None:
        w.cases[case] = None
        case.worker = w
        self.n_allocated += 1
        if w.available:
            buckets = self._buckets
            del buckets[w.room][w]
            room = w.room = w.room - 1
            b = buckets.get(room)
            if b is None:
                b = buckets[room] = {}
            b[w] = None
        self._on_assign(case, w)

    def unassign(self, case: Case) -> Any:
        """Take a case off its worker (without refilling; call ``drain`` after)."""
        w = case.worker
        del w.cases[case]
        case.worker = None
        self.n_allocated -= 1
        if w.available:
            buckets = self._buckets
            del buckets[w.room][w]
            room = w.room = w.room + 1
            b = buckets.get(room)
            if b is None:
                b = buckets[room] = {}
            b[w] = None
            if room > self._max_room:
                self._max_room = room
        return w

    def request(self, case: Case, prefer: Any = None, exclude: Any = None) -> None:
        """Find a worker for a case now, or queue it."""
        if prefer is not None and prefer is not exclude and prefer.available \
                and len(prefer.cases) < prefer.cap:
            self.assign(case, prefer)
            return
        w = self._top(exclude)
        if w is not None:
            load = len(w.cases)
            if load < w.cap or load < int(w.cap * self._overflow[case.stage] + 1e-9):
                self.assign(case, w)
                return
        self.enqueue(case)

    def enqueue(self, case: Case) -> None:
        case.queued = True
        case.qtoken += 1
        self._queues[self._rank[case.stage]].append((case.qtoken, case))
        self.n_waiting += 1
        self._on_queue_change(self.n_waiting)

    def dequeue(self, case: Case) -> None:
        """A waiting case leaves the queue without a worker (it closed)."""
        case.queued = False
        case.qtoken += 1
        self.n_waiting -= 1
        self._on_queue_change(self.n_waiting)

    def requeue(self, case: Case) -> None:
        """A waiting case changed type: it now waits with its new priority."""
        self.dequeue(case)
        self.enqueue(case)
        self.drain()

    def drain(self) -> None:
        """Give waiting cases, highest priority first, to workers with room."""
        while self.n_waiting:
            w = self._top()
            if w is None:
                return
            for q in self._queues:
                while q and q[0][0] != q[0][1].qtoken:
                    q.popleft()
                if q:
                    break
            else:  # pragma: no cover - n_waiting counts live entries
                raise AssertionError("waiting count out of step with the queues")
            case = q[0][1]
            if not self._fits(w, case.stage):
                return
            q.popleft()
            case.queued = False
            case.qtoken += 1
            self.n_waiting -= 1
            self._on_queue_change(self.n_waiting)
            self.assign(case, w)

    def rebalance(self, w: Any, target: int, cause: str, u: Callable[[], float]) -> None:
        """Give worker ``w`` cases from the colleagues with least room until ``w`` holds
        ``target`` or nobody has less room than ``w`` less one (a move that would not even
        the loads is not made); each case is one of the colleague's, picked with the uniform
        ``u()``, and each move is a change of worker for ``cause``."""
        buckets = self._buckets
        while len(w.cases) < target and w.available:
            donor = None
            for room in sorted(r for r, b in buckets.items() if b):
                if room >= w.room - 1:
                    break
                donor = next((d for d in buckets[room] if d is not w and d.cases), None)
                if donor is not None:
                    break
            if donor is None:
                return
            held = list(donor.cases)
            case = held[min(int(u() * len(held)), len(held) - 1)]
            self.unassign(case)
            case.cause = cause
            self.assign(case, w)

    def hand_over(self, w: Any, cause: str) -> None:
        """A departing worker's cases go to others, highest priority first; each is a
        change of social worker for that child, for ``cause`` (cases.REASONS)."""
        self.withdraw(w)
        cases = sorted(w.cases, key=lambda c: self._rank[c.stage])
        for c in cases:
            self.unassign(c)
            c.cause = cause
        for c in cases:
            self.request(c)
