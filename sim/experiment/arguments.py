"""Checks of the Python API's arguments, in the words of the command line: one line naming
the argument, what is allowed and what was found. ``sim run --jobs -3`` says
``--jobs/-j: expected a whole number from 1 to 1024 (found -3)``; ``sim.run(..., jobs=-3)``
raises ``ValueError("jobs: expected a whole number from 1 to 1024 (found -3)")``. A value of
the wrong type raises ``TypeError`` with the same words. The limits are the command line's
too (``sim/cli/common.py`` reads them here).

>>> whole("jobs", -3, 1, MAX_JOBS)
Traceback (most recent call last):
...
ValueError: jobs: expected a whole number from 1 to 1024 (found -3)
>>> overrides(["run.horizon_years", 2])
Traceback (most recent call last):
...
TypeError: overrides: expected a mapping of dotted paths to values, e.g. ... (found a list)
"""

from __future__ import annotations

import numbers
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from sim.experiment.executors import ExecutorSpec
from sim.scenario import Scenario

MAX_REPLICATIONS = 100_000
MAX_JOBS = 1024
MAX_SEED = 2**63 - 1
PRECISION = (0.001, 1.0)  # the target half-width of the 95% intervals, relative to the mean
MAX_REPLICATIONS_RANGE = (3, 100_000)  # the most replications precision may add
ADDRESS = re.compile(r"(tcp|tls|ucx|inproc)://[\w.\-\[\]:]+")  # a Dask scheduler's


def found(value: Any) -> str:
    """A value as the command line shows what it found: a number bare, anything else quoted
    (and a long value cut short)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return str(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    names: dict[type, str] = {list: "a list", tuple: "a tuple", set: "a set", str: "a string"}
    return names.get(type(value), found(value))


def whole(name: str, value: Any, lo: int, hi: int) -> int:
    """``value`` as a whole number from ``lo`` to ``hi``."""
    what = f"{name}: expected a whole number from {lo} to {hi}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} (found {found(value)})")
    if not lo <= int(value) <= hi:
        raise ValueError(f"{what} (found {found(value)})")
    return int(value)


def number(name: str, value: Any, lo: float, hi: float) -> float:
    """``value`` as a number from ``lo`` to ``hi``."""
    what = f"{name}: expected a number from {lo} to {hi}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} (found {found(value)})")
    if not lo <= float(value) <= hi:  # also refuses nan
        raise ValueError(f"{what} (found {found(value)})")
    return float(value)


def flag(name: str, value: Any) -> bool:
    """``value`` as True or False (not a string such as 'no', which would count as true)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected True or False (found {found(value)})")
    return value


def replications(value: Any) -> int | None:
    return None if value is None else whole("replications", value, 1, MAX_REPLICATIONS)


def jobs(value: Any) -> int | None:
    return None if value is None else whole("jobs", value, 1, MAX_JOBS)


def seed(value: Any) -> int | None:
    return None if value is None else whole("seed", value, 0, MAX_SEED)


def overrides(value: Any) -> Mapping[str, Any] | None:
    """Changes to the scenario: a mapping of dotted paths (``"run.horizon_years"``) to
    values; which paths exist is checked with the scenario."""
    if value is None:
        return None
    what = "overrides: expected a mapping of dotted paths to values, e.g. " \
           "{'run.horizon_years': 2}"
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} (found {_kind(value)})")
    for key in value:
        if not isinstance(key, str) or not key:
            raise TypeError(f"{what} (found the key {found(key)})")
    return value


def executor(value: Any) -> ExecutorSpec:
    """Where replications run: an ``ExecutorSpec``, or its kind ('process' or 'dask')."""
    if isinstance(value, str):
        value = ExecutorSpec(value)  # type: ignore[arg-type]  # checked below
    if not isinstance(value, ExecutorSpec):
        raise TypeError(f"executor: expected 'process', 'dask' or an ExecutorSpec "
                        f"(found {found(value)})")
    if value.kind not in ("process", "dask"):
        raise ValueError(f"executor: expected process or dask (found {value.kind!r})")
    if value.address is not None and value.kind != "dask":
        raise ValueError("executor: an address applies only with the dask executor")
    if value.address is not None and not (isinstance(value.address, str)
                                          and ADDRESS.fullmatch(value.address)):
        raise ValueError(f"executor: expected a scheduler address like tcp://host:8786 "
                         f"(found {found(value.address)})")
    return value


def progress(value: Any) -> Callable[[int, int], None] | None:
    if value is not None and not callable(value):
        raise TypeError(f"progress: expected a function called as progress(done, total) "
                        f"(found {found(value)})")
    return value


def scenario(name: str, value: Any) -> Scenario | str | os.PathLike[str]:
    """A scenario: a file's path or a loaded ``Scenario``."""
    if not isinstance(value, Scenario | str | os.PathLike):
        raise TypeError(f"{name}: expected a scenario file's path or a Scenario "
                        f"(found {found(value)})")
    return value
