"""Replications: serial equals parallel, and the calibration against published figures."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.experiment.runner import run_replications
from sim.experiment.summary import mean_ci, summarise
from sim.outputs.published import compare, load_published

from .conftest import variant


@pytest.mark.slow  # in make test, not in the quick set (a minute)
def test_serial_equals_parallel(short) -> None:
    one = variant(short, run__horizon_years=1)
    a = run_replications(one, 3, seed=5, jobs=1)
    b = run_replications(one, 3, seed=5, jobs=2)
    pd.testing.assert_frame_equal(a.annual, b.annual)
    pd.testing.assert_frame_equal(a.weekly, b.weekly)
    pd.testing.assert_frame_equal(a.parameters, b.parameters)


def test_mean_ci_matches_t_interval() -> None:
    m, lo, hi = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert m == 2.5
    # t(0.975, 3) = 3.182; sd = 1.291; half-width = 3.182 * 1.291 / 2
    assert m - lo == pytest.approx(hi - m)
    assert abs((hi - m) - 3.1824 * 1.29099 / 2) < 1e-3


def test_summary_shape() -> None:
    annual = pd.DataFrame({"replication": [0, 1, 0, 1], "fy": ["2019-20"] * 4,
                           "metric": ["a", "a", "b", "b"], "value": [1.0, 3.0, 5.0, 5.0]})
    s = summarise(annual)
    assert list(s.columns) == ["fy", "metric", "mean", "ci_low", "ci_high", "p05", "p95"]
    assert s.set_index("metric").loc["b", "ci_low"] == 5.0


@pytest.mark.slow  # the golden files (test_golden.py) flag any change of results
def test_baseline_lands_near_published_figures(short) -> None:
    """The figures the model is held to (README, docs/baseline_vs_published/comparison.md)."""
    results = run_replications(short, 8, jobs=2)
    table = compare(summarise(results.annual), load_published("west_sussex"))
    judged = table[table["within_tolerance"].notna()]
    assert len(judged) == 7
    bad = judged[~judged["within_tolerance"].astype(bool)]
    assert bad.empty, bad[["metric", "fy", "published", "simulated", "tolerance"]]
