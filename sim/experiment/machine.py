"""How much of this machine a run will get: its cores, and the other work sharing them.

Linux shares the cores fairly between groups of threads that want to run: with autogroup
(``/proc/sys/kernel/sched_autogroup_enabled``, on by default on desktops and many servers)
a group is a session (a terminal, a service), else each thread is its own. A run is one
group: its processes get the cores the others leave, by water-filling (a group wanting less
than its fair part takes what it wants; the rest is shared by the others). The other work
is read from ``/proc``, a few looks over a quarter of a second; where ``/proc`` cannot be
read, the load average of the last minute counts as that many single-thread groups.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Sequence


def cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _autogroup() -> bool:
    try:
        with open("/proc/sys/kernel/sched_autogroup_enabled") as f:
            return f.read().strip() == "1"
    except OSError:
        return False


def _running(by_session: bool) -> Counter | None:
    """Threads running or ready to run now, by the group the scheduler shares the cores
    between, leaving out this run's own (None where /proc cannot be read)."""
    mine, me = os.getsid(0), os.getpid()
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    found: Counter = Counter()
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    text = f.read()
            except OSError:
                continue
            fields = text[text.rfind(")") + 2:].split()  # state ppid pgrp session ...
            if len(fields) < 4 or fields[0] != "R":
                continue
            session = int(fields[3])
            if (session == mine) if by_session else (int(pid) == me):
                continue
            found[session if by_session else int(tid)] += 1
    return found


def other_work(samples: int = 6, interval: float = 0.05) -> tuple[float, ...]:
    """The cores each other group of threads wants now (the mean of a few looks)."""
    by_session = _autogroup()
    total: Counter = Counter()
    for i in range(samples):
        seen = _running(by_session)
        if seen is None:
            load = 0.0
            with contextlib.suppress(OSError, AttributeError):  # not POSIX
                load = os.getloadavg()[0]
            return tuple([1.0] * round(load))
        total.update(seen)
        if i + 1 < samples:
            time.sleep(interval)
    return tuple(n / samples for n in total.values())


def cores_for(wanted: float, others: Sequence[float], n_cores: int) -> float:
    """The cores a group wanting ``wanted`` of them gets beside ``others`` (each group's
    want), by water-filling ``n_cores``."""
    groups = sorted([(min(w, n_cores), False) for w in others if w > 0]
                    + [(min(wanted, n_cores), True)])
    left, got = float(n_cores), 0.0
    for i, (want, ours) in enumerate(groups):
        give = min(want, left / (len(groups) - i))
        left -= give
        if ours:
            got = give
    return got
