"""A plain headline from the numbers, one sentence per key measure, for the workbooks'
Summary sheets until the report's narrative (``narrative.py``) gives the words: the paired
difference with its 95% interval, and "no clear difference" where the interval includes
zero."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.summary import PV
from sim.outputs import labels
from sim.outputs.excel import KEY_OUTCOMES, cost_totals


def _clear(lo: float, hi: float) -> bool:
    return not (np.isnan(lo) or np.isnan(hi) or lo <= 0 <= hi)


def _money_sentence(who: str, what: str, m: float, lo: float, hi: float) -> str:
    if not _clear(lo, hi):
        return (f"{who}: no clear difference in {what} ({labels.money(m, True)}; 95% "
                f"interval {labels.money(lo, True)} to {labels.money(hi, True)}).")
    more = "more" if m > 0 else "less"
    return (f"{who}: {labels.money(abs(m))} {more} in {what} (95% interval "
            f"{labels.money(lo, True)} to {labels.money(hi, True)}).")


def _measure_sentence(who: str, metric: str, fy: str, m: float, lo: float, hi: float
                      ) -> str:
    d = labels.measure(metric).decimals + 1
    interval = f"95% interval {lo:+,.{d}f} to {hi:+,.{d}f}"
    if not _clear(lo, hi):
        return (f"{who}: no clear difference in {labels.measure(metric).noun} in {fy} "
                f"({interval}).")
    return f"{who}: {labels.describe_change(metric, m)} in {fy} ({interval})."


def comparison_headline(comp: Any) -> list[str]:
    """One sentence per key measure and scenario after the first: the cost over the run
    (present value), then the key outcomes in the last year."""
    base = comp.base
    rate = comp.results[base].scenario.costs.discount_rate_pct
    out = []
    for k in comp.names:
        if k == base:
            continue
        who = f"{labels.scenario_title(k)} against {labels.scenario_title(base)}"
        m, lo, hi, *_ = cost_totals(comp.results[k].budget, comp.results[base].budget,
                                    rate)[PV]
        out.append(_money_sentence(who, "total cost over the run (present value)", m, lo,
                                   hi))
        t = comp.table[(comp.table.scenario == k) & comp.table.diff_mean.notna()]
        for metric in KEY_OUTCOMES:
            g = t[t.metric == metric].sort_values("fy")
            if len(g):
                r = g.iloc[-1]
                out.append(_measure_sentence(who, metric, r.fy, r.diff_mean, r.diff_ci_low,
                                             r.diff_ci_high))
    return out


def run_headline(results: Any) -> list[str]:
    """One sentence per key measure of a single scenario's run: its level in the last year
    with the 95% interval, and the cost over the run."""
    summ = results.summary()
    bs = results.budget_summary()
    out = []
    pv = bs[(bs.terms == PV) & (bs.line == "total")]
    if len(pv):
        r = pv.iloc[0]
        out.append(f"The service costs {labels.money(r['mean'])} over the run in present "
                   f"value (95% interval {labels.money(r.ci_low)} to "
                   f"{labels.money(r.ci_high)}).")
    for metric in KEY_OUTCOMES:
        g = summ[(summ.metric == metric) & summ["mean"].notna()].sort_values("fy")
        if len(g):
            r = g.iloc[-1]
            d = labels.measure(metric).decimals
            out.append(f"{labels.label(metric)} in {r.fy}: {r['mean']:,.{d}f} (95% interval "
                       f"{r.ci_low:,.{d}f} to {r.ci_high:,.{d}f}).")
    return out


def sweep_headline(front: pd.DataFrame, options: dict[str, str], outcome_label: str
                   ) -> list[str]:
    """One sentence per option after the first: its extra cost and what it avoids, against
    the first, and whether it is on the frontier."""
    first = options[front.point.iloc[0]]
    out = []
    for r in front.iloc[1:].itertuples():
        cost = (f"costs {labels.money(r.extra_cost, True)} against {first} over the run "
                f"(present value; 95% interval {labels.money(r.extra_cost_ci_low, True)} to "
                f"{labels.money(r.extra_cost_ci_high, True)})")
        if _clear(r.avoided_ci_low, r.avoided_ci_high):
            gain = f"avoids {r.avoided:,.0f} {outcome_label}"
        else:
            gain = f"with no clear difference in {outcome_label}"
        where = ("dominated by another option" if not r.on_frontier else "on the frontier"
                 if _clear(r.avoided_ci_low, r.avoided_ci_high) else
                 "on the frontier on the averages only")
        out.append(f"{options[r.point]} {cost}, {gain} ({where}).")
    return out
