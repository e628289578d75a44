"""Budget options as a grid: one scenario with some fields set to each of several values.

Every grid point is the base scenario with dotted-path overrides (e.g.
``interventions.retention.annual_spend=0,1000000,2500000``); all points run on the same
replication numbers and seed, so they share their random numbers and differ only by policy.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import yaml

from sim.scenario import Scenario, ScenarioError, with_overrides


@dataclass(frozen=True)
class GridPoint:
    label: str  # "p0", "p1", ... in grid order
    values: dict[str, Any]  # dotted path -> value
    scenario: Scenario


def parse_set(option: str) -> tuple[str, list[Any]]:
    """``PATH=V1,V2,…`` into the path and its values (each read as YAML: numbers, dates,
    true/false). Raises ScenarioError naming the option if malformed."""
    if "=" not in option:
        raise ScenarioError("--set", f"expected PATH=V1,V2,... (found {option!r})")
    path, _, values = option.partition("=")
    path = path.strip()
    if not path or not values.strip():
        raise ScenarioError("--set", f"expected PATH=V1,V2,... (found {option!r})")
    out = []
    for v in values.split(","):
        try:
            out.append(yaml.safe_load(v.strip()))
        except yaml.YAMLError:
            raise ScenarioError("--set", f"{path}: cannot read the value {v!r}") from None
    return path, out


# run settings every option of a sweep shares: what to give instead of --set
SHARED = {"run.seed": "--seed", "run.replications": "--replications"}


def check_run_settings(sets: list[tuple[str, list[Any]]]) -> None:
    """Options are compared replication by replication, as ``sim compare`` compares
    scenarios: they cannot differ in their days (one value of ``run.start_date`` or
    ``run.horizon_years`` is fine), and the seed and replications are the sweep's own."""
    for path, values in sets:
        if path in SHARED:
            raise ScenarioError("--set", f"{path}: every option runs on the same seed and "
                                "replications, so that they differ by policy alone; give "
                                f"{SHARED[path]} instead")
        if path.startswith("run.") and len({repr(v) for v in values}) > 1:
            raise ScenarioError("--set", f"{path}: {values[1]} differs from {values[0]}; "
                                "scenarios compared replication by replication must start on "
                                "the same date and run as long (give one value, or run a "
                                "sweep for each)")


def grid(base: Scenario, sets: list[tuple[str, list[Any]]]) -> list[GridPoint]:
    """Every combination of the values, first option varying slowest. Each point is
    validated, so a bad value is reported with its path before anything runs."""
    paths = [p for p, _ in sets]
    if len(set(paths)) < len(paths):
        raise ScenarioError("--set", "the same path is set twice")
    check_run_settings(sets)
    points = []
    for i, combo in enumerate(itertools.product(*(v for _, v in sets))):
        values = dict(zip(paths, combo, strict=True))
        points.append(GridPoint(f"p{i}", values, with_overrides(base, values, "--set")))
    return points
