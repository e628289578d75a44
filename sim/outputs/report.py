"""Compact terminal tables of the headline measures and of the differences between
scenarios (rich tables that fit an 80-column terminal)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rich.table import Table

from sim.model.measures import HEADLINE_METRICS

LABELS = {
    "referrals": "Referrals",
    "cla_31mar": "CLA at 31 Mar",
    "unallocated_mean": "Unallocated, mean",
    "worker_changes_per_child": "SW changes/child",
    "inpost_fte": "In post, 30 Sep",
    "turnover_rate": "Turnover %",
    "vacancy_rate": "Vacancy %",
    "agency_rate": "Agency %",
    "caseload_per_fte": "Caseload, 30 Sep",
}


def decimals(x: float) -> int:
    x = abs(x)
    return 0 if x >= 100 else 1 if x >= 1 else 2


def fmt(x: float, d: int | None = None) -> str:
    if pd.isna(x):
        return "–"
    d = decimals(x) if d is None else d
    return f"{x:,.{d}f}"


def _table(title: str, fys: list[str]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold", box=None,
                  pad_edge=False, padding=(0, 0, 0, 1))
    table.add_column("measure", no_wrap=True)
    for fy in fys:
        table.add_column(fy, justify="right", no_wrap=True)
    return table


def headline_table(summary: pd.DataFrame, title: str) -> Table:
    """Headline measures by financial year: the mean and the half-width of its 95% interval."""
    fys = sorted(summary["fy"].unique())
    table = _table(title, fys)
    for metric in HEADLINE_METRICS:
        rows = summary[summary["metric"] == metric].set_index("fy")
        cells = []
        for fy in fys:
            if fy in rows.index and not pd.isna(rows.loc[fy, "mean"]):
                r = rows.loc[fy]
                half = r["ci_high"] - r["mean"]
                d = decimals(r["mean"])
                ci = "" if pd.isna(half) else f" [dim]±{half:.{d}f}[/]"
                cells.append(fmt(r["mean"], d) + ci)
            else:
                cells.append("[dim]–[/]")
        table.add_row(LABELS.get(metric, metric), *cells)
    return table


def difference_table(table: pd.DataFrame, scenario: str, base: str) -> Table:
    """Headline differences of one scenario from the base, by financial year; a star marks
    a difference whose 95% interval excludes zero."""
    t = table[table.scenario == scenario]
    fys = sorted(t["fy"].unique())
    out = _table(f"{scenario} − {base}: mean paired difference ± 95% interval "
                 "(* interval excludes 0)", fys)
    for metric in HEADLINE_METRICS:
        rows = t[t.metric == metric].set_index("fy")
        cells = []
        for fy in fys:
            if fy not in rows.index or pd.isna(rows.loc[fy, "diff_mean"]):
                cells.append("[dim]–[/]")
                continue
            r = rows.loc[fy]
            if r["diff_mean"] == 0 and r["diff_ci_low"] == 0 and r["diff_ci_high"] == 0:
                cells.append("0 ")  # identical in every replication
                continue
            d = decimals(max(abs(r["diff_mean"]), abs(r["diff_ci_high"] - r["diff_mean"])))
            half = r["diff_ci_high"] - r["diff_mean"]
            real = (r["diff_ci_low"] > 0 or r["diff_ci_high"] < 0)
            mean = f"{r['diff_mean']:+,.{d}f}"
            if pd.isna(half):
                cells.append(mean)
            elif real:
                cells.append(f"[bold]{mean}[/][dim]±{half:.{d}f}[/]*")
            else:
                cells.append(f"{mean}[dim]±{half:.{d}f}[/] ")
        out.add_row(LABELS.get(metric, metric), *cells)
    return out


BUDGET_LABELS = {
    "staff_permanent": "Permanent staff", "staff_agency": "Agency staff",
    "recruitment": "Recruitment", "academy": "Academy (NQ cohort)",
    "retention": "Retention payments", "retention_clawback": "Retention clawback",
    "early_help": "Early help", "placements": "Placements",
    "looked_after_other": "Other looked-after", "total": "Total",
}


def budget_table(summary: pd.DataFrame, title: str) -> Table:
    """Cash by line and financial year (£m, mean of replications), with the present value
    of the whole run."""
    cash = summary[(summary.terms == "cash") & (summary.fy != "all years")]
    pv = summary[(summary.terms == "present value")].set_index("line")
    fys = sorted(cash.fy.unique())
    table = _table(title, fys)
    table.add_column("PV", justify="right", no_wrap=True)
    for line, label in BUDGET_LABELS.items():
        rows = cash[cash.line == line].set_index("fy")
        if rows.empty or (rows["mean"].abs().max() < 500 and line != "total"):
            continue
        cells = [f"{rows.loc[fy, 'mean'] / 1e6:,.2f}" if fy in rows.index else "–"
                 for fy in fys]
        p = f"{pv.loc[line, 'mean'] / 1e6:,.1f}" if line in pv.index else "–"
        style = "bold" if line == "total" else ""
        table.add_row(label, *cells, p, style=style)
    return table


WORSE = {
    "worker_changes": "£ saved per extra change of social worker",
    "unallocated_case_days": "£ saved per extra unallocated case-day",
    "caseload_mean": "£ saved per point added to average caseload",
}


def cost_difference_table(costs: pd.DataFrame, ce: pd.DataFrame, scenario: str,
                          base: str) -> Table:
    """Present value of each line's difference from the base, and what it buys."""
    t = costs[(costs.scenario == scenario) & (costs.terms == "present value")].set_index("line")
    table = Table(title=f"{scenario} − {base}: cost over the run (present value, £m) and "
                  "what it buys", title_justify="left", header_style="bold", box=None,
                  pad_edge=False, padding=(0, 0, 0, 1))
    table.add_column("line", no_wrap=True)
    table.add_column("difference ± 95%", justify="right", no_wrap=True)
    for line, label in BUDGET_LABELS.items():
        if line not in t.index:
            continue
        r = t.loc[line]
        if abs(r.diff_mean) < 5000 and line != "total":
            continue
        half = (r.diff_ci_high - r.diff_mean) / 1e6
        table.add_row(label, f"{r.diff_mean / 1e6:+,.2f} ±{half:,.2f}",
                      style="bold" if line == "total" else "")
    for row in ce[ce.scenario == scenario].itertuples():
        if pd.isna(row.ratio):
            table.add_row(f"£ per {row.unit}", f"[dim]{row.note}[/]")
            continue
        value = f"{row.ratio:,.0f} ({row.ratio_ci_low:,.0f}–{row.ratio_ci_high:,.0f})"
        if row.note:  # cheaper and worse: the saving per unit lost
            table.add_row(WORSE.get(row.outcome, f"£ saved per unit of {row.outcome} lost"),
                          value)
        elif row.ratio < 0:
            table.add_row(f"£ per {row.unit}", value + " [dim]saves and improves[/]")
        else:
            table.add_row(f"£ per {row.unit}", value)
    return table


def sweep_table_view(front: pd.DataFrame, labels: dict[str, str], unit: str) -> Table:
    """Each option's extra cost and what it avoids, against the first, with the frontier."""
    table = Table(title=f"Options against the first: extra cost (present value, £m) and "
                  f"{unit} avoided (* on the frontier)", title_justify="left",
                  header_style="bold", box=None, pad_edge=False, padding=(0, 0, 0, 1))
    table.add_column("option", no_wrap=True)
    table.add_column("extra cost", justify="right", no_wrap=True)
    table.add_column("avoided", justify="right", no_wrap=True)
    table.add_column("£ each", justify="right", no_wrap=True)
    for i, r in enumerate(front.itertuples()):
        each = r.extra_cost / r.avoided if r.avoided > 0 and r.avoided_ci_low > 0 else np.nan
        if i == 0:
            table.add_row(("* " if r.on_frontier else "  ") + labels.get(r.point, r.point),
                          "0", "0", "–")
            continue
        table.add_row(
            ("* " if r.on_frontier else "  ") + labels.get(r.point, r.point),
            f"{r.extra_cost / 1e6:+,.2f} ±{(r.extra_cost_ci_high - r.extra_cost) / 1e6:,.2f}",
            f"{r.avoided:+,.0f} ±{r.avoided_ci_high - r.avoided:,.0f}",
            "–" if pd.isna(each) else f"{each:,.0f}",
        )
    return table
