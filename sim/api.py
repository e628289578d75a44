"""The Python API for analysts: load a scenario, run it, get pandas tables."""

from __future__ import annotations

from pathlib import Path

from sim.experiment.runner import Progress, Results, run_replications
from sim.scenario import Scenario
from sim.scenario import load_scenario as _load


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (following ``extends``).

    Raises ``sim.scenario.ScenarioError`` with a one-line message naming the file and field.
    """
    return _load(path)


def run(scenario: Scenario | str | Path, replications: int | None = None,
        seed: int | None = None, jobs: int | None = None,
        progress: Progress | None = None) -> Results:
    """Run a scenario's replications; returns ``Results`` whose ``annual``, ``weekly`` and
    ``parameters`` are tidy pandas DataFrames (the same shapes as the files ``sim run``
    writes)."""
    if not isinstance(scenario, Scenario):
        scenario = _load(scenario)
    return run_replications(scenario, replications, seed, jobs, progress)
