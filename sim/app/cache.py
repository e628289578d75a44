"""The baselines already run, kept for every session of the app.

A replication is a pure function of (scenario, replication number, seed), so the baseline's
replications, run once, pair with any alternative run later on the same seed: common random
numbers, as if both had run together. A lever change then costs only the alternative's
replications. This is the one thing sessions share; what is kept is never changed after it
is put in (``Results`` are read, not written, by the comparison and the files).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from sim.experiment.runner import Results


class BaselineKey(NamedTuple):
    """What makes two baselines the same: where it came from, its content and the run."""

    source: str  # "West Sussex from 1 April 2019", "uploaded my.yaml"
    year: int  # of the start date
    seed: int
    replications: int
    digest: str  # a hash of the scenario as validated (Source.digest)


class BaselineCache:
    """At most ``size`` baselines, the least recently used dropped first (each holds its
    replications' tables: tens of MB for a five-year West Sussex run of 20)."""

    def __init__(self, size: int = 6) -> None:
        self.size = size
        self._items: OrderedDict[BaselineKey, Results] = OrderedDict()
        self._lock = threading.Lock()
        self.runs = 0  # baselines computed (not found): for tests and the page

    def get(self, key: BaselineKey) -> Results | None:
        with self._lock:
            res = self._items.get(key)
            if res is not None:
                self._items.move_to_end(key)
            return res

    def get_or_run(self, key: BaselineKey, run: Callable[[], Results]) -> Results:
        """The baseline for ``key``, running it if it is not kept. Runs happen on the app's
        one worker thread (``jobs.py``), so two sessions never run the same one twice."""
        found = self.get(key)
        if found is not None:
            return found
        res = run()
        with self._lock:
            self._items[key] = res
            self._items.move_to_end(key)
            self.runs += 1
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return res

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items
