"""The findings in plain English: the sentences a councillor reads first, generated from the
numbers, with their uncertainty in words. The report, the workbooks' Summary sheet and the
app share them, so the same results are always told the same way.

Conventions (said once in every report, ``HOW_TO_READ``):

- a difference is **clear** when the 95% interval of the average paired difference excludes
  zero; otherwise the words are "no clear difference";
- a clear difference is **material** when it is at least ``MATERIAL_SHARE`` of the first
  scenario's level (``MATERIAL_POINTS`` for a percentage): smaller ones are called small;
- the **range of single runs** is the 5th to 95th percentile of the replications'
  differences: what one run of the service could show, chance and the uncertain effects
  together.

Stocks and rates are told for the last financial year of the run; changes of social worker,
a flow, over the whole run. A sweep's options are told one sentence each
(``sweep_headline``), in its report and its workbook alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiment.summary import mean_ci, run_totals
from sim.model.costs import TOTAL
from sim.outputs import labels
from sim.outputs.comparison import Comparison
from sim.outputs.finance import MATERIAL_SHARE

MATERIAL_POINTS = 0.5  # for a percentage
OVER_RUN = "over the run"

# what a comparison is judged on, in this order (the "differences that matter")
KEY_MEASURES = ("worker_changes", "children_3plus_workers_rate", "caseload_per_fte",
                "unallocated_mean", "cla_31mar", "referrals", "inpost_fte", "agency_rate")
FLOWS_OVER_RUN = ("worker_changes",)  # told as a total over the run, not for one year

HOW_TO_READ = (
    "Each scenario was run many times on the same simulated children and chance events, so "
    "a difference between scenarios comes from the decision, not from luck. A difference is "
    "called clear when we can be 95% confident of its direction (its 95% interval leaves "
    "out zero); otherwise the report says there is no clear difference. The range of single "
    "runs (5th to 95th percentile) shows how much one real year could differ, because of "
    "chance and because some effects are uncertain.")


@dataclass(frozen=True)
class Difference:
    """One measure's paired difference of a scenario from the first."""

    scenario: str
    metric: str
    fy: str  # a financial year, or OVER_RUN
    mean: float
    ci_low: float
    ci_high: float
    p05: float
    p95: float
    base_level: float  # the first scenario's mean

    @property
    def clear(self) -> bool:
        return bool(self.ci_low > 0 or self.ci_high < 0)

    @property
    def material(self) -> bool:
        if labels.measure(self.metric).rate:
            return abs(self.mean) >= MATERIAL_POINTS
        return abs(self.mean) >= MATERIAL_SHARE * abs(self.base_level) and self.mean != 0

    @property
    def better(self) -> bool | None:
        """Whether the change is for the better (None when the measure has no good side)."""
        side = labels.measure(self.metric).better
        if side is None or self.mean == 0:
            return None
        return (self.mean < 0) == (side == "lower")

    def words(self) -> str:
        """'1,060 fewer changes of social worker over the run (95% interval 900 to 1,220)'."""
        when = "over the run" if self.fy == OVER_RUN else f"in {self.fy}"
        return (f"{labels.describe_change(self.metric, self.mean)} {when} "
                f"(95% interval {interval(self.metric, self.ci_low, self.ci_high)})")


def interval(metric: str, low: float, high: float) -> str:
    """Two ends of an interval in the measure's own precision: '−1,220 to −900'."""
    m = labels.measure(metric)
    span = max(abs(low), abs(high))
    d = m.decimals if span >= 10 ** -m.decimals * 10 else m.decimals + 1
    return f"{_signed(low, d)} to {_signed(high, d)}"


def _signed(x: float, d: int) -> str:
    return f"{'−' if x < 0 else '+' if x > 0 else ''}{abs(x):,.{d}f}"


def last_year(table: pd.DataFrame, metric: str) -> str | None:
    fys = sorted(table.loc[(table.metric == metric) & table.diff_mean.notna(), "fy"].unique())
    return fys[-1] if fys else None


def _over_run(comp: Comparison, scenario: str, metric: str) -> Difference | None:
    d = comp.differences
    d = d[(d.scenario == scenario) & (d.metric == metric)]
    if d.empty:
        return None
    per_rep = d.groupby("replication")["diff"].sum()
    base = d.groupby("replication")["base_value"].sum()
    m, lo, hi = mean_ci(per_rep.to_numpy())
    p05, p95 = np.percentile(per_rep, [5, 95])
    return Difference(scenario, metric, OVER_RUN, m, lo, hi, float(p05), float(p95),
                      float(base.mean()))


def difference(comp: Comparison, scenario: str, metric: str, fy: str | None = None
               ) -> Difference | None:
    """A scenario's difference from the first in one measure: in ``fy`` (the last year by
    default), or over the whole run for the flows of ``FLOWS_OVER_RUN``."""
    if fy is None and metric in FLOWS_OVER_RUN:
        return _over_run(comp, scenario, metric)
    t = comp.table
    fy = fy or last_year(t, metric)
    row = t[(t.scenario == scenario) & (t.metric == metric) & (t.fy == fy)]
    base = t[(t.scenario == comp.base) & (t.metric == metric) & (t.fy == fy)]
    if row.empty or base.empty or pd.isna(row.diff_mean.iloc[0]):
        return None
    r = row.iloc[0]
    return Difference(scenario, metric, str(fy), float(r.diff_mean), float(r.diff_ci_low),
                      float(r.diff_ci_high), float(r.diff_p05), float(r.diff_p95),
                      float(base["mean"].iloc[0]))


def key_differences(comp: Comparison, scenario: str) -> list[Difference]:
    """The differences that matter (``KEY_MEASURES``) for one scenario against the first."""
    out = [difference(comp, scenario, m) for m in KEY_MEASURES]
    return [d for d in out if d is not None]


@dataclass(frozen=True)
class CostDifference:
    """A scenario's total cost over the run less the first's, in cash, real terms and present
    value: the mean, its 95% interval, and the range of single runs."""

    scenario: str
    terms: str  # "cash", "real" or "pv"
    mean: float
    ci_low: float
    ci_high: float
    p05: float
    p95: float

    @property
    def clear(self) -> bool:
        return bool(self.ci_low > 0 or self.ci_high < 0)


def total_cost_difference(comp: Comparison, scenario: str) -> dict[str, CostDifference]:
    """Total cost over the run, less the first scenario's, by terms (``cash``, ``real``,
    ``pv``), paired by replication."""
    rate = comp.results[comp.base].scenario.costs.discount_rate_pct

    def totals(name: str) -> pd.DataFrame:
        t = run_totals(comp.results[name].budget, rate)
        return t[t.line == TOTAL].set_index("replication")

    a, b = totals(scenario), totals(comp.base)
    out = {}
    for terms in ("cash", "real", "pv"):
        d = (a[terms] - b[terms]).dropna().to_numpy()
        m, lo, hi = mean_ci(d)
        p05, p95 = np.percentile(d, [5, 95]) if len(d) else (np.nan, np.nan)
        out[terms] = CostDifference(scenario, terms, m, lo, hi, float(p05), float(p95))
    return out


def join(items: list[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def cost_sentence(cost: dict[str, CostDifference], years: str) -> str:
    pv, cash = cost["pv"], cost["cash"]
    if not pv.clear:
        return (f"Over {years} there is no clear difference in total cost (present value "
                f"{labels.money(pv.mean, signed=True)}, 95% interval "
                f"{labels.money(pv.ci_low, signed=True)} to "
                f"{labels.money(pv.ci_high, signed=True)}).")
    verb = "costs" if pv.mean > 0 else "saves"
    lo, hi = sorted((abs(pv.ci_low), abs(pv.ci_high)))
    return (f"Over {years} it {verb} {labels.money(abs(pv.mean))} in present value "
            f"({labels.money(abs(cash.mean))} in cash; 95% interval {labels.money(lo)} to "
            f"{labels.money(hi)}; single runs from {labels.money(pv.p05, signed=True)} to "
            f"{labels.money(pv.p95, signed=True)}).")


def scenario_headline(comp: Comparison, scenario: str) -> str:
    """One paragraph: what the scenario costs, what clearly changes (with intervals), what
    changes only a little, and where there is no clear difference."""
    fys = sorted(comp.table.fy.unique())
    years = (f"the {labels.count_words(len(fys))} years {fys[0]} to {fys[-1]}"
             if len(fys) > 1 else fys[0])
    title = labels.scenario_title(scenario)
    diffs = key_differences(comp, scenario)
    clear = [d for d in diffs if d.clear and d.material]
    small = [d for d in diffs if d.clear and not d.material]
    unclear = [d for d in diffs if not d.clear]
    parts = [f"{title}, against {labels.scenario_title(comp.base)}. "
             + cost_sentence(total_cost_difference(comp, scenario), years)]
    if clear:
        parts.append("It clearly means " + join([d.words() for d in clear]) + ".")
    if small:
        parts.append("Clear but small (under 1% of the first scenario's level, or half a "
                     "point): " + join([d.words() for d in small]) + ".")
    if unclear:
        parts.append("No clear difference in " + join(
            [labels.measure(d.metric).noun for d in unclear], "or") + ".")
    return " ".join(parts)


def headline(comp: Comparison) -> list[str]:
    """The headline of a comparison: one paragraph per scenario after the first."""
    return [scenario_headline(comp, s) for s in comp.names if s != comp.base]


def run_headline(summary: pd.DataFrame, budget_summary: pd.DataFrame, council: str
                 ) -> list[str]:
    """The headline of one scenario's run: where the key measures end up, with the range of
    single runs, and what the service costs. ``summary`` is ``summary.csv``'s table,
    ``budget_summary`` ``budget_summary.csv``'s."""
    fys = sorted(summary.fy.unique())
    out = []
    last = fys[-1]
    items = []
    for metric in ("referrals", "cla_31mar", "caseload_per_fte", "unallocated_mean",
                   "children_3plus_workers_rate", "inpost_fte", "agency_rate"):
        r = summary[(summary.metric == metric) & (summary.fy == last)]
        if r.empty or pd.isna(r["mean"].iloc[0]):
            continue
        r0 = r.iloc[0]
        d = labels.measure(metric).decimals
        items.append(f"{labels.describe_level(metric, r0['mean'])} (single runs "
                     f"{r0.p05:,.{d}f} to {r0.p95:,.{d}f})")
    if items:
        out.append(f"In {council}, in {last} the model expects " + join(items, "and") + ".")
    tot = budget_summary[(budget_summary.line == TOTAL) & (budget_summary.fy == "all years")]
    cash = tot[tot.terms == "cash"]
    if not cash.empty:
        c = cash.iloc[0]
        out.append(f"The service costs {labels.money(c['mean'])} in cash over {fys[0]} to "
                   f"{last} (single runs {labels.money(c.p05)} to {labels.money(c.p95)}).")
    return out


# ------------------------------------------------------------------------------ sweep
def _interval_clear(lo: float, hi: float) -> bool:
    return not (np.isnan(lo) or np.isnan(hi) or lo <= 0 <= hi)


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
        if _interval_clear(r.avoided_ci_low, r.avoided_ci_high):
            gain = ((f"avoids {r.avoided:,.0f} {outcome_label}" if r.avoided > 0 else
                     f"adds {-r.avoided:,.0f} {outcome_label}")
                    + f" (95% interval {r.avoided_ci_low:,.0f} to {r.avoided_ci_high:,.0f})")
        else:
            gain = f"with no clear difference in {outcome_label}"
        where = ("dominated by another option" if not r.on_frontier else "on the frontier"
                 if _interval_clear(r.avoided_ci_low, r.avoided_ci_high) else
                 "on the frontier on the averages only")
        out.append(f"{options[r.point]} {cost}, {gain} ({where}).")
    return out
