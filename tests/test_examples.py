"""The example scenarios (scenarios/examples/): each validates and runs, and each lever does
what its example says it does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.measures import WEEKLY_METRICS
from sim.model.simulation import simulate
from sim.scenario import Scenario, load_scenario
from sim.scenario.loader import with_overrides

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "scenarios" / "examples").glob("*.yaml"))
STEADY = {  # workforce shocks and strain responses off: only the lever moves the workforce
    "workforce.shocks": None,
    **{f"strain.{k}.enabled": False
       for k in ("thresholds", "agency", "establishment", "manager_holding")},
}


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 1


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_validates_and_runs(path: Path) -> None:
    s = load_scenario(path)
    assert s.description and s.name == path.stem
    # briefly: three years, one replication (every example's lever acts within them)
    short = with_overrides(s, {"run.horizon_years": 3}, "test")
    r = simulate(short, 0)
    assert r.totals["referrals"] > 0
    assert not r.annual.empty


def _in_post(s: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(weeks, permanent FTE each week) of replication 0."""
    r = simulate(s, 0)
    i, j = WEEKLY_METRICS.index("fte_experienced"), WEEKLY_METRICS.index("fte_newly_qualified")
    return r.weeks, r.weekly_values[:, i] + r.weekly_values[:, j]


def _steady(path: Path) -> Scenario:
    return with_overrides(load_scenario(path), {**STEADY, "run.horizon_years": 2}, "test")


def test_thirty_international_recruits_give_thirty_more_in_post_on_their_date() -> None:
    alt = _steady(ROOT / "scenarios" / "examples" / "international_recruits.yaml")
    base = _steady(ROOT / "scenarios" / "baseline.yaml")
    hire = alt.interventions.hires[0]
    weeks, fte_alt = _in_post(alt)
    _, fte_base = _in_post(base)
    diff = fte_alt - fte_base
    start = np.datetime64(hire.date, "D")
    # the week's figures are taken at the start of its first day: on the date, before the
    # recruits start; a week later, with them
    assert np.all(diff[weeks <= start] == 0)
    assert diff[weeks > start][0] == 30
