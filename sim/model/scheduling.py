"""Scheduling calls at later simulated times, as lean SimPy events, and the event loop.

Cases change stage tens of thousands of times a run. SimPy's environment asks only two
things of what it schedules: ``callbacks`` (called with the event when its time comes) and
``_ok``. So:

* ``Call`` is a plain SimPy event that calls ``fn(arg)`` after ``delay`` — about half a
  ``Timeout`` plus a lambda, and far less than a process per case;
* ``reschedule`` puts an object that already has those two attributes back on the queue:
  a case is its own stage-end event, and the referral stream is one object moved from
  arrival to arrival, so the hottest events allocate nothing;
* ``rescheduler(env, callbacks)`` is ``reschedule`` bound to one environment and one
  callback list, for the hottest paths (every referral and every change of stage): it
  saves looking up the queue and the counter on each call.

This module is the only one that touches SimPy's private queue (``_queue``, ``_eid``).

``run_until`` is ``Environment.run(until)`` with ``step`` written out: the same order of
events (time, priority, then scheduling order), without a method call per event.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.events import NORMAL, Event


def _dispatch(ev: Call) -> None:
    ev.fn(ev.arg)


class Call(Event):
    def __init__(self, env: simpy.Environment, delay: float, fn: Callable[[Any], Any],
                 arg: Any = None) -> None:
        self.env = env
        self.callbacks = [_dispatch]
        self._value = None
        self._ok = True
        self.fn = fn
        self.arg = arg
        env.schedule(self, NORMAL, delay)


class Ticker:
    """A reusable scheduled object: ``reschedule`` it again once it has fired."""

    __slots__ = ("arg", "callbacks")
    _ok = True

    def __init__(self, arg: Any = None) -> None:
        self.arg = arg
        self.callbacks: list | None = None


def reschedule(env: simpy.Environment, obj: Any, delay: float, callbacks: list) -> None:
    """Schedule ``obj`` (an object with ``callbacks`` and ``_ok``, not pending already) to
    fire after ``delay``; ``callbacks`` may be shared, as SimPy only reads it."""
    obj.callbacks = callbacks
    heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), obj))


def rescheduler(env: simpy.Environment, callbacks: list) -> Callable[[Any, float], None]:
    """``reschedule`` bound to ``env`` and ``callbacks``: ``after(obj, delay)``."""
    queue, eid = env._queue, env._eid

    def after(obj: Any, delay: float) -> None:
        obj.callbacks = callbacks
        heappush(queue, (env._now + delay, NORMAL, next(eid), obj))

    return after


def clear(env: simpy.Environment) -> None:
    """Drop every pending event (at the end of a run: they hold the model's objects)."""
    env._queue.clear()


STALL_EVENTS = 200_000
"""Events between two looks at the clock: a five-year run of West Sussex has about 140,000
events in all, so this many within ``STALL_DAYS`` means time stands still."""
STALL_DAYS = 1e-3


class Stalled(RuntimeError):
    """Simulated time made no progress: ``STALL_EVENTS`` events within ``STALL_DAYS`` of
    ``now``; ``pending`` holds the events due next (what keeps it busy)."""

    def __init__(self, now: float, pending: list[Any]) -> None:
        super().__init__(f"simulated time stood still at day {now:g}")
        self.now = now
        self.pending = pending


def run_until(env: simpy.Environment, until: float,
              check: Callable[[], None] | None = None) -> None:
    """Process every event scheduled before ``until``, then set the clock to ``until``.

    As ``env.run(until=...)``: events fire in SimPy's order and a failed event that nobody
    handled (a process that raised) raises here. ``check()``, if given, is called after
    every event (for ``--check``; one test of ``None`` per event otherwise). A run whose
    clock stands still (a scenario with durations near zero that follow one another) raises
    ``Stalled`` rather than running for ever: the clock is read once every ``STALL_EVENTS``
    events, so the guard costs nothing per event."""
    queue = env._queue
    ev: Any  # a SimPy event, a Case or a Ticker: anything with callbacks and _ok
    while queue and queue[0][0] < until:
        start = env._now
        for _ in range(STALL_EVENTS):
            if not queue or queue[0][0] >= until:
                break
            env._now, _, _, ev = heappop(queue)
            callbacks, ev.callbacks = ev.callbacks, None
            for cb in callbacks:
                cb(ev)
            if not ev._ok and not hasattr(ev, "_defused"):
                raise ev._value  # a process failed: its own exception, whatever its signature
            if check is not None:
                check()
        else:
            if env._now - start < STALL_DAYS:
                raise Stalled(env._now, [item[3] for item in sorted(queue[:50])])
    env._now = until
