"""Statistics of replications: means with 95% confidence intervals, the yearly summary of
every measure and the budget by line. The runner's ``Results`` gives them; ``sim/outputs``
writes and shows them.

Conventions (HM Treasury Green Book): costs are cash by financial year; real terms are in
prices of the run's first financial year (deflated by the scenario's inflation); present
values discount real costs at the scenario's rate from the first year (year 0 undiscounted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.costs import LINES, TOTAL
from sim.periods import fy_start_year

ALL_YEARS = "all years"
PV = "present value"


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the t-based confidence interval of the mean (NaNs ignored)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return (np.nan, np.nan, np.nan)
    m = float(v.mean())
    if n == 1:
        return (m, np.nan, np.nan)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n))
    return (m, m - half, m + half)


def summarise(annual: pd.DataFrame) -> pd.DataFrame:
    """``fy, metric, mean, ci_low, ci_high, p05, p95`` from ``replication, fy, metric, value``.

    The interval is the 95% confidence interval of the mean over replications; p05 and p95
    are the 5th and 95th percentiles of single replications (the spread a year might show).
    """
    rows = []
    for (fy, metric), g in annual.groupby(["fy", "metric"], sort=True):
        v = g["value"].to_numpy(dtype=float)
        m, lo, hi = mean_ci(v)
        finite = v[~np.isnan(v)]
        p05, p95 = (np.percentile(finite, [5, 95]) if len(finite) else (np.nan, np.nan))
        rows.append((fy, metric, m, lo, hi, float(p05), float(p95)))
    return pd.DataFrame(rows, columns=["fy", "metric", "mean", "ci_low", "ci_high", "p05", "p95"])


def _stats(v: np.ndarray | pd.Series) -> tuple[float, float, float, float, float]:
    v = np.asarray(v, dtype=float)
    m, lo, hi = mean_ci(v)
    p05, p95 = np.percentile(v, [5, 95]) if len(v) else (np.nan, np.nan)
    return m, lo, hi, float(p05), float(p95)


def discount_factors(fys: list[str], rate_pct: float) -> dict[str, float]:
    """1 / (1 + r)^k for each financial year, k = 0 for the first."""
    first = fy_start_year(min(fys))
    return {fy: 1 / (1 + rate_pct / 100) ** (fy_start_year(fy) - first) for fy in fys}


def run_totals(budget: pd.DataFrame, rate_pct: float) -> pd.DataFrame:
    """Per replication and line: cash and real totals over the run, and the present value:
    ``replication, line, cash, real, pv``."""
    f = discount_factors(sorted(budget.fy.unique()), rate_pct)
    b = budget.assign(pv=budget.cost_real * budget.fy.map(f))
    g = b.groupby(["replication", "line"], sort=False)
    return pd.DataFrame({"cash": g.cost.sum(), "real": g.cost_real.sum(),
                         "pv": g.pv.sum()}).reset_index()


def budget_summary(budget: pd.DataFrame, rate_pct: float) -> pd.DataFrame:
    """``fy, line, terms, mean, ci_low, ci_high, p05, p95``: each line by year in cash and
    real terms, then over all years in cash, real terms and present value."""
    rows = []
    order = {line: i for i, line in enumerate((*LINES, TOTAL))}
    for (fy, line), g in budget.groupby(["fy", "line"], sort=False):
        rows.append((fy, line, "cash", *_stats(g.cost)))
        rows.append((fy, line, "real", *_stats(g.cost_real)))
    tot = run_totals(budget, rate_pct)
    for line, g in tot.groupby("line", sort=False):
        rows.append((ALL_YEARS, line, "cash", *_stats(g.cash)))
        rows.append((ALL_YEARS, line, "real", *_stats(g.real)))
        rows.append((ALL_YEARS, line, PV, *_stats(g.pv)))
    out = pd.DataFrame(rows, columns=["fy", "line", "terms", "mean", "ci_low", "ci_high",
                                      "p05", "p95"])
    out["_o"] = out.line.map(order)
    return out.sort_values(["fy", "_o", "terms"], kind="stable").drop(columns="_o") \
        .reset_index(drop=True)
