"""Finance views of a run: cost differences between scenarios and what each pound buys.
Budgets by line with intervals and present values are ``sim/experiment/summary.py``'s
(re-exported here).

Conventions (HM Treasury Green Book): costs are cash by financial year; real terms are in
prices of the run's first financial year (deflated by the scenario's inflation); present
values discount real costs at the scenario's rate from the first year (year 0 undiscounted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiment.summary import (
    ALL_YEARS,
    PV,
    budget_summary,
    discount_factors,
    mean_ci,
    run_totals,
)
from sim.model.costs import TOTAL

__all__ = ["ALL_YEARS", "MATERIAL_SHARE", "OUTCOMES", "PV", "budget_summary", "cost_differences",
           "cost_effectiveness", "discount_factors", "outcome_totals", "run_totals"]


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


MATERIAL_SHARE = 0.01
"""A cost per outcome (and a finding in words) is given only where the outcome's difference
is at least this share of the first scenario's: below it, a ratio divides by almost nothing
(a caseload 0.02 lower once gave "£238,332,055 per point")."""

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
    saves money (then the ratio is the saving per unit of outcome lost), and is material (at
    least ``MATERIAL_SHARE`` of the base's own total); otherwise the note says why not. A
    negative ratio means the scenario saves money *and* improves the outcome."""
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
            mc, me = (c.mean(), e.mean()) if len(e) else (np.nan, np.nan)
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
            if abs(me) < MATERIAL_SHARE * abs(e_base.mean()):
                rows.append((name, outcome, unit, mc, me, np.nan, np.nan, np.nan,
                             f"the outcome changes by under {MATERIAL_SHARE:.0%} of the "
                             "first scenario's"))
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
