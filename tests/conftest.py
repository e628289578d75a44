"""Shared fixtures: the shipped scenarios, and small variants of them for quick tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(autouse=True)
def _idle_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands estimate a run's time as on an idle machine, so that what they print (a
    run of more than a minute is announced) does not hang on how busy the machine running
    the tests is; test_estimate.py and benchmarks/estimate.py look at the real one."""
    from sim.experiment import machine

    monkeypatch.setattr(machine, "other_work", lambda *a, **k: ())


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(SCENARIOS / "baseline.yaml")


def variant(base: Scenario, **updates: object) -> Scenario:
    """A copy of a scenario with dotted-path fields replaced, validated again."""
    data = base.model_dump(mode="python")
    for path, value in updates.items():
        node = data
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return Scenario.model_validate(data)


@pytest.fixture(scope="session")
def short(baseline: Scenario) -> Scenario:
    """The baseline over two years: enough for every measure, quick to run."""
    return variant(baseline, run__horizon_years=2)


@pytest.fixture(scope="session")
def one_year(baseline: Scenario) -> Scenario:
    """The baseline over one year: for checks that need a whole year, not two."""
    return variant(baseline, run__horizon_years=1)


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write a scenario that extends the real baseline with the given overrides."""

    def _write(overrides: dict | str, name: str = "bad.yaml") -> Path:
        path = tmp_path / name
        if isinstance(overrides, str):
            path.write_text(overrides)
        else:
            doc = {"extends": str(SCENARIOS / "baseline.yaml"), **overrides}
            path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    return _write
