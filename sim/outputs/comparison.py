"""Comparing scenarios: paired differences with intervals, and what drives them.

Scenarios of a comparison run on the same replication numbers and seed, so replication r
of each sees the same children and the same draws of the uncertain effects. The difference
between two scenarios is therefore estimated replication by replication (paired), which
removes most of the noise that two independent runs would carry.

**What drives a difference.** Each replication draws its own values of the uncertain
effects, so across replications the paired difference varies with them (and with chance).
We rank the effects by *standardised rank regression coefficients* (SRRC): regress the
ranks of the difference on the ranks of the parameters, all standardised. Because the
parameters are drawn independently, the squared coefficients split the variance of the
(ranked) difference: SRRC² is the share explained by that parameter, and 1 - R² is what is
left to chance and to interactions. This is the standard screening measure for a Monte Carlo
sample of this size (tens to hundreds of replications; Saltelli et al., *Global Sensitivity
Analysis: The Primer*, 2008, ch. 1); variance-based (Sobol) indices would need thousands of
runs with a special design, and a plain correlation would not say how much is left over.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiment.summary import mean_ci
from sim.outputs.finance import cost_differences, cost_effectiveness

COMPARISON_COLUMNS = ["fy", "metric", "scenario", "mean", "ci_low", "ci_high", "diff_mean",
                      "diff_ci_low", "diff_ci_high", "diff_p05", "diff_p95"]
CHANCE = "(chance and interactions)"


def paired_differences(annual: dict[str, pd.DataFrame], base: str) -> pd.DataFrame:
    """``replication, fy, metric, scenario, value, base_value, diff`` for every scenario
    (the base's own differences are zero)."""
    b = annual[base].rename(columns={"value": "base_value"})
    parts = []
    for name, a in annual.items():
        m = a.merge(b, on=["replication", "fy", "metric"], how="inner")
        m.insert(3, "scenario", name)
        m["diff"] = m["value"] - m["base_value"]
        parts.append(m)
    return pd.concat(parts, ignore_index=True)


def comparison_table(annual: dict[str, pd.DataFrame], base: str) -> pd.DataFrame:
    """Each scenario's mean and 95% interval, and its paired difference from ``base`` with
    the 95% confidence interval of the mean difference (``comparison.csv``).

    Two different things: ``diff_ci_low``/``diff_ci_high`` say how precisely the replications
    pin down the *average* difference (they narrow as replications are added), while
    ``diff_p05``/``diff_p95`` are the 5th and 95th percentiles of the per-replication
    differences — the range of differences a single year could show, given chance *and* the
    uncertain effects (they do not narrow)."""
    diffs = paired_differences(annual, base)
    order = {name: i for i, name in enumerate(annual)}
    rows = []
    for (fy, metric, scenario), g in diffs.groupby(["fy", "metric", "scenario"], sort=False):
        m, lo, hi = mean_ci(g["value"].to_numpy())
        if scenario == base:
            dm = dlo = dhi = p05 = p95 = 0.0
        else:
            d = g["diff"].dropna().to_numpy()
            dm, dlo, dhi = mean_ci(d)
            p05, p95 = (np.percentile(d, [5, 95]) if len(d) else (np.nan, np.nan))
        rows.append((fy, metric, scenario, m, lo, hi, dm, dlo, dhi, p05, p95))
    out = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    out["_o"] = out["scenario"].map(order)
    return out.sort_values(["fy", "metric", "_o"], kind="stable").drop(columns="_o") \
        .reset_index(drop=True)


def unpaired_ci(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float,
                                                                               float]:
    """Difference of means b - a with Welch's interval, as if the runs were independent:
    what the interval would be without common random numbers."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    d = b.mean() - a.mean()
    se = np.sqrt(va + vb)
    if se == 0:
        return d, d, d
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + level / 2, dof) * se
    return d, d - half, d + half


def drivers(diffs: pd.DataFrame, parameters: pd.DataFrame, scenario: str, metric: str,
            fy: str) -> pd.DataFrame:
    """How much of the spread of one paired difference each uncertain parameter explains.

    Columns: ``parameter, spearman, p_value, srrc, share_explained, diff_low_third,
    diff_high_third``; the last row is what chance and interactions leave unexplained, so
    the shares add up to 1. The explained part is R² adjusted for the number of parameters
    (with few replications plain R² flatters the fit), split in proportion to SRRC².
    ``p_value`` tests the rank correlation against none, Holm-adjusted across the
    parameters: one with p >= 0.05 cannot be told apart from chance with this many
    replications. Empty when there is nothing to explain (no uncertain parameters, no
    spread) or too few replications (``min_replications``).
    """
    cols = ["parameter", "spearman", "p_value", "srrc", "share_explained", "diff_low_third",
            "diff_high_third"]
    d = diffs[(diffs.scenario == scenario) & (diffs.metric == metric) & (diffs.fy == fy)]
    y = d.set_index("replication")["diff"].dropna()
    if parameters.empty or y.std() == 0 or np.isnan(y.std()):
        return pd.DataFrame(columns=cols)
    x = parameters.pivot(index="replication", columns="parameter", values="value")
    x = x.loc[x.index.intersection(y.index)]
    x = x.loc[:, x.nunique() > 1]
    y = y.loc[x.index]
    n, p = x.shape
    if p == 0 or n < min_replications(p):
        return pd.DataFrame(columns=cols)
    ry = stats.rankdata(y.to_numpy())
    rx = np.column_stack([stats.rankdata(x[c].to_numpy()) for c in x.columns])
    zy = (ry - ry.mean()) / ry.std()
    zx = (rx - rx.mean(axis=0)) / rx.std(axis=0)
    beta, *_ = np.linalg.lstsq(zx, zy, rcond=None)
    r2 = 1 - np.sum((zy - zx @ beta) ** 2) / np.sum(zy**2)
    r2_adj = min(1.0, max(0.0, 1 - (1 - r2) * (n - 1) / (n - p - 1)))
    weights = beta**2 / np.sum(beta**2) if np.sum(beta**2) > 0 else np.zeros(p)
    tests = [stats.spearmanr(x[c], y) for c in x.columns]
    p_holm = holm([t.pvalue for t in tests])
    rows = []
    for j, name in enumerate(x.columns):
        lo, hi = np.quantile(x[name], [1 / 3, 2 / 3])
        rows.append((name, float(tests[j].statistic), float(p_holm[j]), float(beta[j]),
                     float(weights[j] * r2_adj), float(y[x[name] <= lo].mean()),
                     float(y[x[name] >= hi].mean())))
    rows.sort(key=lambda r: -r[4])
    rows.append((CHANCE, np.nan, np.nan, np.nan, 1 - r2_adj, np.nan, np.nan))
    return pd.DataFrame(rows, columns=cols)


def min_replications(parameters: int) -> int:
    """Fewest replications for a drivers analysis of this many uncertain parameters: with
    fewer, pure noise is attributed to some parameter too often (a simulation check: with 4
    parameters and 7 replications, a noise-only difference had 31% of its spread
    "explained")."""
    return max(20, 5 * parameters)


def holm(pvalues: list[float]) -> np.ndarray:
    """Holm's step-down adjustment, so that testing several parameters at once does not
    flag one by chance."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p)
    adj = np.empty_like(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        adj[i] = running
    return adj


def all_drivers(diffs: pd.DataFrame, parameters: pd.DataFrame, metrics: list[str]
                ) -> pd.DataFrame:
    """Drivers for every compared scenario, listed measure and financial year."""
    parts = []
    for (scenario, metric, fy), _ in diffs[diffs.metric.isin(metrics)].groupby(
            ["scenario", "metric", "fy"], sort=True):
        t = drivers(diffs, parameters, scenario, metric, fy)
        if not t.empty:
            parts.append(t.assign(scenario=scenario, metric=metric, fy=fy))
    if not parts:
        return pd.DataFrame(columns=["scenario", "metric", "fy", "parameter", "spearman",
                                     "p_value", "srrc", "share_explained", "diff_low_third",
                                     "diff_high_third"])
    out = pd.concat(parts, ignore_index=True)
    return out[["scenario", "metric", "fy", *[c for c in out.columns
                                               if c not in ("scenario", "metric", "fy")]]]


DRIVER_METRICS = ["caseload_per_fte", "unallocated_mean", "worker_changes_per_child",
                  "turnover_rate", "agency_rate", "referrals", "cla_31mar"]


class Comparison:
    """Scenarios run on common random numbers, and what tells them apart.

    Attributes are tidy DataFrames: ``table`` (as ``comparison.csv``), ``differences``
    (per replication), ``drivers`` and ``parameters`` (the draws, shared by all scenarios).
    """

    def __init__(self, results: dict, base: str | None = None,
                 driver_metrics: list[str] | None = None) -> None:
        self.results = results
        self.precision: str | None = None  # what the sequential rule decided, if it ran
        self.names = list(results)
        self.base = base or self.names[0]
        annual = {k: r.annual for k, r in results.items()}
        self.table = comparison_table(annual, self.base)
        self.differences = paired_differences(annual, self.base)
        # every scenario's draws: an effect may be uncertain in one scenario only
        self.parameters = pd.concat([r.parameters for r in results.values()]) \
            .drop_duplicates(["replication", "parameter"]).sort_values(
                ["replication", "parameter"], kind="stable").reset_index(drop=True)
        self.drivers = all_drivers(
            self.differences[self.differences.scenario != self.base], self.parameters,
            driver_metrics or DRIVER_METRICS)
        varying = self.parameters.groupby("parameter").value.nunique()
        p = int((varying > 1).sum())
        self.drivers_note = None if p == 0 or self.replications >= min_replications(p) else (
            f"drivers need at least {min_replications(p)} replications with {p} uncertain "
            f"effects; this run has {self.replications}")
        rate = results[self.base].scenario.costs.discount_rate_pct
        budgets = {k: r.budget for k, r in results.items()}
        self.costs = cost_differences(budgets, self.base, rate)
        """Costs by line and year (cash) and over the run (present value), with paired
        differences from the base (as ``budget_comparison.csv``)."""
        self.cost_effectiveness = cost_effectiveness(budgets, annual, self.base, rate)
        """What each scenario's extra spending buys (as ``cost_effectiveness.csv``)."""

    @property
    def replications(self) -> int:
        return len(self.results[self.base].replications)
