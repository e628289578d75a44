"""Finance views of a run: budgets by line with intervals, present values, cost differences
between scenarios and what each pound buys.

Conventions (HM Treasury Green Book): costs are cash by financial year; real terms are in
prices of the run's first financial year (deflated by the scenario's inflation); present
values discount real costs at the scenario's rate from the first year (year 0 undiscounted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.costs import LINES, TOTAL
from sim.outputs.tables import mean_ci

ALL_YEARS = "all years"
PV = "present value"


def _stats(v: np.ndarray) -> tuple[float, float, float, float, float]:
    v = np.asarray(v, dtype=float)
    m, lo, hi = mean_ci(v)
    p05, p95 = np.percentile(v, [5, 95]) if len(v) else (np.nan, np.nan)
    return m, lo, hi, float(p05), float(p95)


def discount_factors(fys: list[str], rate_pct: float) -> dict[str, float]:
    """1 / (1 + r)^k for each financial year, k = 0 for the first."""
    first = int(min(fys)[:4])
    return {fy: 1 / (1 + rate_pct / 100) ** (int(fy[:4]) - first) for fy in fys}


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


def cost_differences(budgets: dict[str, pd.DataFrame], base: str, rate_pct: float
                     ) -> pd.DataFrame:
    """Each scenario's costs and their paired differences from ``base``, by year (cash) and
    over the run (present value): ``fy, line, scenario, terms, mean, ci_low, ci_high,
    diff_mean, diff_ci_low, diff_ci_high``."""
    def long(name: str) -> pd.DataFrame:
        b = budgets[name]
        yearly = b.rename(columns={"cost": "value"})[["replication", "fy", "line", "value"]]
        yearly = yearly.assign(terms="cash")
        pv = run_totals(b, rate_pct).rename(columns={"pv": "value"})
        pv = pv.assign(fy=ALL_YEARS, terms=PV)[["replication", "fy", "line", "value", "terms"]]
        return pd.concat([yearly, pv], ignore_index=True)

    keys = ["replication", "fy", "line", "terms"]
    b = long(base).rename(columns={"value": "base_value"})
    rows = []
    for name in budgets:
        m = long(name).merge(b, on=keys)
        for (fy, line, terms), g in m.groupby(["fy", "line", "terms"], sort=False):
            mean, lo, hi = mean_ci(g.value)
            d = (0.0, 0.0, 0.0) if name == base else mean_ci(g.value - g.base_value)
            rows.append((fy, line, name, terms, mean, lo, hi, *d))
    return pd.DataFrame(rows, columns=["fy", "line", "scenario", "terms", "mean", "ci_low",
                                       "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high"])


OUTCOMES = {
    # name: (metric in annual.csv, how it is totalled over the run, one unit, many units)
    "worker_changes": ("worker_changes", "discounted sum", "change of social worker avoided",
                       "changes of social worker"),
    "unallocated_case_days": ("unallocated_case_days", "discounted sum",
                              "unallocated case-day avoided", "unallocated case-days"),
    "caseload_mean": ("caseload_mean", "mean over years", "point of average caseload reduced",
                      "points of average caseload"),
}


def outcome_totals(annual: pd.DataFrame, metric: str, how: str, rate_pct: float) -> pd.Series:
    a = annual[annual.metric == metric]
    if how == "mean over years":
        return a.groupby("replication").value.mean()
    f = discount_factors(sorted(a.fy.unique()), rate_pct)
    return (a.value * a.fy.map(f)).groupby(a.replication).sum()


def cost_effectiveness(budgets: dict[str, pd.DataFrame], annual: dict[str, pd.DataFrame],
                       base: str, rate_pct: float, resamples: int = 2000, seed: int = 0
                       ) -> pd.DataFrame:
    """What each scenario's extra spending buys, against ``base``: the present value of the
    difference in total cost divided by the outcome it improves, over the run.

    ``scenario, outcome, unit, cost_diff_pv, outcome_diff, ratio, ratio_ci_low,
    ratio_ci_high, note``. The interval is a paired bootstrap over replications of the
    ratio of mean differences. A ratio is only given where the outcome clearly differs (its
    95% interval excludes zero) in the scenario's favour, or against it while the scenario
    saves money (then the ratio is the saving per unit of outcome lost); otherwise the note
    says why not. A negative ratio means the scenario saves money *and* improves the
    outcome."""
    rng = np.random.default_rng(seed)
    base_cost = run_totals(budgets[base], rate_pct)
    base_cost = base_cost[base_cost.line == TOTAL].set_index("replication").pv
    rows = []
    for name in budgets:
        if name == base:
            continue
        cost = run_totals(budgets[name], rate_pct)
        dc = (cost[cost.line == TOTAL].set_index("replication").pv - base_cost).dropna()
        for outcome, (metric, how, unit, _) in OUTCOMES.items():
            e_base = outcome_totals(annual[base], metric, how, rate_pct)
            e_alt = outcome_totals(annual[name], metric, how, rate_pct)
            de = (e_base - e_alt).reindex(dc.index)  # improvement: how much lower
            ok = de.notna()
            c, e = dc[ok].to_numpy(), de[ok].to_numpy()
            mc, me = c.mean(), e.mean()
            _, elo, ehi = mean_ci(e)
            if len(e) < 3 or np.isnan(elo):
                rows.append((name, outcome, unit, mc, me, np.nan, np.nan, np.nan,
                             "too few replications"))
                continue
            worse = ehi < 0
            if not (elo > 0 or (worse and mc < 0)):
                note = "the outcome is worse" if worse else "no clear change in the outcome"
                rows.append((name, outcome, unit, mc, me, np.nan, np.nan, np.nan, note))
                continue
            # cheaper and clearly worse: the ratio is the saving per unit of outcome lost
            note = "cheaper and worse: £ saved per unit lost" if worse else ""
            idx = rng.integers(0, len(c), (resamples, len(c)))
            ratios = c[idx].mean(axis=1) / e[idx].mean(axis=1)
            lo, hi = np.percentile(ratios, [2.5, 97.5])
            rows.append((name, outcome, unit, mc, me, mc / me, float(lo), float(hi), note))
    return pd.DataFrame(rows, columns=["scenario", "outcome", "unit", "cost_diff_pv",
                                       "outcome_diff", "ratio", "ratio_ci_low",
                                       "ratio_ci_high", "note"])
