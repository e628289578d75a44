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


def test_the_examples_readme_lists_every_example() -> None:
    listed = (ROOT / "scenarios" / "examples" / "README.md").read_text()
    for path in EXAMPLES:
        assert f"[{path.name}]({path.name})" in listed, path.name
    assert "scenarios/examples/README.md" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_validates_and_changes_the_baseline(path: Path) -> None:
    s = load_scenario(path)
    assert s.description and s.name == path.stem
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    assert s.interventions != base.interventions


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_runs(path: Path) -> None:
    s = load_scenario(path)
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


def _steady(path: Path, years: float) -> Scenario:
    return with_overrides(load_scenario(path), {**STEADY, "run.horizon_years": years}, "test")


@pytest.mark.parametrize(("example", "more"), [("international_recruits", 30),
                                               ("posts_and_cap", 20)])
def test_dated_hires_give_that_many_more_in_post_on_their_date(example: str, more: int) -> None:
    years = 2 if example == "international_recruits" else 2.5
    alt = _steady(ROOT / "scenarios" / "examples" / f"{example}.yaml", years)
    base = _steady(ROOT / "scenarios" / "baseline.yaml", years)
    hire = alt.interventions.hires[0]
    weeks, fte_alt = _in_post(alt)
    _, fte_base = _in_post(base)
    diff = fte_alt - fte_base
    start = np.datetime64(hire.date, "D")
    # the week's figures are taken at the start of its first day: on the date, before the
    # recruits start; a week later, with them
    assert np.all(diff[weeks <= start] == 0)
    assert diff[weeks > start][0] == more
