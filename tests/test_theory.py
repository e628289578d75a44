"""Checks against theory: the model reduced to a queue with a known answer, Little's law on
the stocks, and no waiting when capacity is unlimited. They fail when the model is wrong (a
worker who can take one case more than their cap, say, makes the M/M/c check fail)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiment.runner import run_many
from sim.scenario import load_scenario, with_overrides

from .conftest import SCENARIOS, variant

SERVERS = 20  # 4 workers with a cap of 5 (scenarios/verification/mmc.yaml)
MEAN_SERVICE = 10.0  # days
LOADS = (0.5, 0.7, 0.8, 0.9, 0.95)


def erlang_c(servers: int, offered: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (Erlang's C formula)."""
    top = offered**servers / math.factorial(servers) * servers / (servers - offered)
    return top / (sum(offered**k / math.factorial(k) for k in range(servers)) + top)


@pytest.fixture(scope="module")
def mmc_runs():
    base = load_scenario(SCENARIOS / "verification" / "mmc.yaml")
    scenarios = {
        rho: with_overrides(base, {"demand.referrals_per_year": rho * SERVERS * 365
                                   / MEAN_SERVICE, "run.horizon_years": 30})
        for rho in LOADS
    }
    return run_many(scenarios, 8, seed=1, jobs=2)


@pytest.mark.slow
@pytest.mark.parametrize("rho", LOADS)
def test_queue_matches_erlang_c(mmc_runs, rho: float) -> None:
    """Probability of waiting, mean number unallocated and mean wait against Erlang C.

    Tolerance: the mean over 8 replications of 30 years (the first two dropped as warm-up)
    must lie within 4 standard errors of the theoretical value, and, where that value is
    not tiny (a 5% chance of waiting, 0.1 cases or days), within 10% of it (20% at a load
    of 0.95, where queues are slow to settle).
    """
    offered = rho * SERVERS
    lam = offered / MEAN_SERVICE
    p_wait = erlang_c(SERVERS, offered)
    lq = p_wait * rho / (1 - rho)
    theory = {"waited_share": 100 * p_wait, "unallocated_mean": lq,
              "allocation_wait_mean": lq / lam}
    tiny = {"waited_share": 5.0, "unallocated_mean": 0.1, "allocation_wait_mean": 0.1}
    a = mmc_runs[rho].annual
    per_rep = a[a.fy >= "2022-23"].pivot_table(index="replication", columns="metric",
                                               values="value")
    rel_tol = 0.20 if rho >= 0.95 else 0.10
    for metric, expected in theory.items():
        v = per_rep[metric]
        mean, se = v.mean(), v.std(ddof=1) / np.sqrt(len(v))
        assert abs(mean - expected) <= 4 * se + 1e-9, (metric, mean, se, expected)
        if expected > tiny[metric]:
            assert abs(mean - expected) <= rel_tol * expected, (metric, mean, expected)


@pytest.mark.slow
def test_steady_state_obeys_littles_law(baseline) -> None:
    """Little's law on the child protection and looked-after stocks: the average stock is
    the yearly number of starts times the mean duration, once the start-up has passed."""
    s = variant(baseline, run__horizon_years=25, demand__trend_pct_per_year=0,
                demand__seasonality=[1] * 12, demand__level=None, strain={},
                workforce__caps={"experienced": 1000, "newly_qualified": 1000,
                                 "agency": 1000})
    r = run_many({"s": s}, 2, seed=3, jobs=2)["s"]
    w, a = r.weekly, r.annual
    late_weeks = w[w.week >= np.datetime64("2026-04-01")]
    late_years = a[a.fy >= "2026-27"]
    for stage, starts, mean_days in (("cp", "cp_starts", 270), ("cla", "cla_starts", 800)):
        stock = late_weeks[late_weeks.metric == f"open_{stage}"].value.mean()
        rate = late_years[late_years.metric == starts].value.mean()  # a year
        assert stock == pytest.approx(rate * mean_days / 365, rel=0.05), stage


@pytest.mark.slow  # in make test, not in the quick set (a minute)
def test_unlimited_capacity_means_no_waiting(baseline) -> None:
    s = variant(baseline, run__horizon_years=1,
                workforce__caps={"experienced": 10_000, "newly_qualified": 10_000,
                                 "agency": 10_000})
    a = run_many({"s": s}, 2, seed=5, jobs=2)["s"].annual
    for metric in ("unallocated_mean", "unallocated_max", "waited_share",
                   "allocation_wait_mean"):
        assert (a[a.metric == metric].value == 0).all(), metric
