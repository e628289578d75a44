"""A sweep's table of outcomes and costs per grid point, and the options not dominated.

An option is *dominated* if another costs no more and achieves at least as much (and is
strictly better in one of the two). Of the rest, an option is *extendedly dominated* if it
buys its outcome at a higher price per unit than the next dearer option does: spending
between the two options either side of it buys more for the same money (the efficiency
frontier of cost-effectiveness analysis; Drummond et al., *Methods for the Economic
Evaluation of Health Care Programmes*, 4th ed., 2015, ch. 4). The options left form the
frontier a budget holder chooses from. Outcomes are measured as improvements on the first
grid point, paired replication by replication.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd

from sim.experiment.summary import mean_ci, run_totals
from sim.model.costs import TOTAL
from sim.outputs.finance import OUTCOMES, outcome_totals
from sim.outputs.labels import money, option_name

EXTRA = {  # further measures, averaged over the run's years
    "inpost_fte": "mean over years", "agency_rate": "mean over years",
    "turnover_rate": "mean over years", "cla_31mar": "mean over years",
}

SWEEP_COLUMNS = ["point", "measure", "mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low",
                 "diff_ci_high"]


def _per_replication(results, rate_pct: float) -> dict[str, pd.Series]:
    out = {}
    tot = run_totals(results.budget, rate_pct)
    for line, g in tot.groupby("line"):
        out[f"cost_pv_{line}"] = g.set_index("replication").pv
    for name, (metric, how, *_) in OUTCOMES.items():
        out[name] = outcome_totals(results.annual, metric, how, rate_pct)
    for metric, how in EXTRA.items():
        out[metric] = outcome_totals(results.annual, metric, how, rate_pct)
    return out


def sweep_table(results: dict, values: dict[str, dict], rate_pct: float) -> pd.DataFrame:
    """Tidy: ``point, <one column per swept path>, measure, mean, ci_low, ci_high, diff_mean,
    diff_ci_low, diff_ci_high`` — differences (paired) are from the first point. Money is
    the present value over the run (``cost_pv_<line>``); ``worker_changes`` and
    ``unallocated_case_days`` are discounted sums over the run, the others means over its
    years."""
    labels = list(results)
    first = _per_replication(results[labels[0]], rate_pct)
    rows = []
    for label in labels:
        mine = _per_replication(results[label], rate_pct)
        for measure, v in mine.items():
            m, lo, hi = mean_ci(v.to_numpy())
            d = (v - first[measure]).dropna().to_numpy()
            dm, dlo, dhi = (0.0, 0.0, 0.0) if label == labels[0] else mean_ci(d)
            rows.append((label, measure, m, lo, hi, dm, dlo, dhi))
    table = pd.DataFrame(rows, columns=SWEEP_COLUMNS)
    params = pd.DataFrame([{"point": k, **v} for k, v in values.items()])
    return params.merge(table, on="point")


def frontier(table: pd.DataFrame, outcome: str = "worker_changes") -> pd.DataFrame:
    """One row per point: extra cost (present value) and how much of ``outcome`` it avoids,
    against the first point, and whether the option is on the frontier (not dominated)."""
    cost = table[table.measure == f"cost_pv_{TOTAL}"].set_index("point")
    out = table[table.measure == outcome].set_index("point")
    f = pd.DataFrame({
        "extra_cost": cost.diff_mean, "extra_cost_ci_low": cost.diff_ci_low,
        "extra_cost_ci_high": cost.diff_ci_high,
        # improvement = less of the outcome than the first point
        "avoided": -out.diff_mean, "avoided_ci_low": -out.diff_ci_high,
        "avoided_ci_high": -out.diff_ci_low,
    })
    f["on_frontier"] = efficient(f.extra_cost.to_numpy(), f.avoided.to_numpy())
    return f.reset_index()


def efficient(cost: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Which options are on the efficiency frontier: neither dominated nor extendedly
    dominated (see the module's docstring). An option without both numbers is not."""
    n = len(cost)
    known = np.isfinite(cost) & np.isfinite(gain)
    c, a = cost, gain
    dominated = np.array([
        not known[i] or any(known[j] and (c[j] <= c[i] and a[j] >= a[i])
                            and (c[j] < c[i] or a[j] > a[i]) for j in range(n) if j != i)
        for i in range(n)
    ], dtype=bool)
    # the rest rise in cost as they rise in gain; drop any whose price per unit from the
    # option before is above that of the option after it, until the prices rise throughout
    keep = sorted(np.flatnonzero(~dominated), key=lambda i: (a[i], c[i]))
    changed = True
    while changed and len(keep) > 2:
        changed = False
        with np.errstate(divide="ignore", invalid="ignore"):  # two identical options
            price = [(c[k] - c[j]) / (a[k] - a[j])
                     for j, k in itertools.pairwise(keep)]
        for m in range(len(price) - 1):
            if price[m] > price[m + 1]:
                del keep[m + 1]
                changed = True
                break
    on = np.zeros(n, dtype=bool)
    on[keep] = True
    return on


def _scheme_months(start: dt.date, end: dt.date) -> int:
    """Payments on the 1st of each month from ``start`` to ``end`` (retention's schedule)."""
    first = start if start.day == 1 else dt.date(start.year + start.month // 12,
                                                 start.month % 12 + 1, 1)
    return max(0, (end.year - first.year) * 12 + end.month - first.month + 1)


def option_names(points: list) -> dict[str, str]:
    """Each grid point's name (``labels.option_name``) by its label (p0, p1...), with what
    a retention scheme pays in all: "Retention £5.0m a year (£10.0m over the scheme)" — a
    spend a year alone was read as the scheme's total. Names that read the same are told
    apart by their label."""
    out: dict[str, str] = {}
    for p in points:
        name = option_name(p.values)
        spend = p.values.get("interventions.retention.annual_spend")
        if spend:
            r = p.scenario.interventions.retention
            name += f" ({money(spend * _scheme_months(r.start, r.end) / 12)} over the scheme)"
        out[p.label] = name if name not in out.values() else f"{name} ({p.label})"
    return out
