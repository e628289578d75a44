"""Scheduling a call at a later simulated time, as a lean SimPy event.

Cases change stage tens of thousands of times a run; a ``Call`` is a plain SimPy event that
the environment triggers after ``delay`` and that then calls ``fn(arg)``. It costs about
half a ``Timeout`` plus a lambda, and far less than a process per case.
"""

from __future__ import annotations

from collections.abc import Callable
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


class Fire(Event):
    """Like ``Call``, for the hottest paths: the environment calls ``fn(event)`` itself, and
    ``fn`` finds its argument in ``event.arg`` (one Python call fewer per event)."""

    def __init__(self, env: simpy.Environment, delay: float, fn: Callable[[Event], Any],
                 arg: Any = None) -> None:
        self.env = env
        self.callbacks = [fn]
        self._value = None
        self._ok = True
        self.arg = arg
        env.schedule(self, NORMAL, delay)
