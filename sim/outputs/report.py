"""Compact terminal tables of the headline measures and of the differences between
scenarios (rich tables that fit an 80-column terminal)."""

from __future__ import annotations

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
