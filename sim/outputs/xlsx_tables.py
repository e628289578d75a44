"""The tables the workbooks share: budgets and measures wide (lines or measures down,
financial years across, then the whole run's total with its 95% interval and the range of
single runs), and the sheets every workbook has (a budget, Assumptions, Glossary). Words
come from ``labels.py``; a code name appears only in a last column for analysts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.summary import PV, mean_ci, run_totals
from sim.model.costs import LINES, TOTAL
from sim.outputs import labels, narrative
from sim.outputs.assumptions import assumptions
from sim.outputs.xlsx_writer import MONEY, Block, ChartSpec, Sheet

KEY_OUTCOMES = narrative.KEY_MEASURES
"""The outcomes of the Summary, first in the tables of measures: the report's (changes of
social worker, children with 3+ workers, caseload, unallocated cases, children looked
after, referrals, social workers in post, agency share)."""

TERMS_HEADING = {"cash": "Cash", "real": "Real terms (prices of the first year)",
                 PV: "Present value"}
CODE_COLUMN = "Code (for analysts)"

# --- tables ---------------------------------------------------------------------------------

def years_of(budget: pd.DataFrame) -> list[str]:
    """The financial years of a budget, in order."""
    return sorted(budget.fy.unique())


def total_heading(fys: Sequence[str]) -> str:
    """'Five-year total' for 2019-20 to 2023-24; 'Total, 2019-20 to 2020-21' otherwise."""
    words = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight",
             9: "Nine", 10: "Ten"}
    n = len(fys)
    if n == 1:
        return f"Total, {fys[0]}"
    return f"{words[n]}-year total" if n in words else f"Total, {fys[0]} to {fys[-1]}"


def mean_ci_range(v: np.ndarray) -> tuple[float, float, float, float, float]:
    """Mean, its 95% interval, and the 5th and 95th percentiles of single runs."""
    v = np.asarray(v, dtype=float)
    v = v[~np.isnan(v)]
    m, lo, hi = mean_ci(v)
    p05, p95 = np.percentile(v, [5, 95]) if len(v) else (np.nan, np.nan)
    return m, lo, hi, float(p05), float(p95)


RANGE_COLUMNS = ("95% interval: from", "to", "Single runs: 5th percentile", "95th percentile")


def _lines_in(budget: pd.DataFrame) -> list[str]:
    """Budget lines that ever hold money, in the budget's order, then the total."""
    nonzero = budget.groupby("line").cost.apply(lambda s: (s.abs() > 0).any())
    return [line for line in LINES if nonzero.get(line, False)] + [TOTAL]


def budget_wide(budget: pd.DataFrame, rate_pct: float, terms: str,
                base: pd.DataFrame | None = None) -> pd.DataFrame:
    """Lines down, financial years across, then the whole run's total with its 95% interval
    and the range of single runs: of one scenario's budget, or with ``base`` of the paired
    difference from it. ``terms`` "cash" or "real"; the present value has one column."""
    fys = years_of(budget)
    value = "cost" if terms == "cash" else "cost_real"
    b = budget.set_index(["replication", "fy", "line"])[value]
    if base is not None:
        b = (b - base.set_index(["replication", "fy", "line"])[value]).dropna()
    tot = run_totals(budget, rate_pct).set_index(["replication", "line"])
    if base is not None:
        tot = (tot - run_totals(base, rate_pct).set_index(["replication", "line"])).dropna()
    col = {"cash": "cash", "real": "real", PV: "pv"}[terms]
    lines = _lines_in(budget if base is None else pd.concat([budget, base]))
    rows = []
    for line in lines:
        row: dict[str, Any] = {"Budget line": labels.BUDGET_LINES.get(line, line)}
        if terms != PV:
            by_year = b.xs(line, level="line").groupby(level="fy").mean()
            for fy in fys:
                row[fy] = by_year.get(fy, np.nan)
        m, lo, hi, p05, p95 = mean_ci_range(tot.xs(line, level="line")[col].to_numpy())
        row[total_heading(fys) if terms != PV else "Present value"] = m
        row.update(zip(RANGE_COLUMNS, (lo, hi, p05, p95), strict=True))
        rows.append(row)
    return pd.DataFrame(rows)


def outcome_wide(table: pd.DataFrame, scenario: str, difference: bool) -> tuple[
        pd.DataFrame, list[tuple[int, str]]]:
    """Measures down (the key ones first), financial years across (the mean, or the mean
    paired difference), then the last year's 95% interval and range of single runs; and the
    cells whose interval excludes zero (to set in bold)."""
    t = table[table.scenario == scenario] if "scenario" in table.columns else table
    fys = sorted(t.fy.unique())
    metrics = list(dict.fromkeys([*KEY_OUTCOMES, *labels.MEASURES]))
    metrics = [m for m in metrics if m in set(t.metric)]
    mean, lo, hi, p05, p95 = (("diff_mean", "diff_ci_low", "diff_ci_high", "diff_p05",
                               "diff_p95") if difference else
                              ("mean", "ci_low", "ci_high", "p05", "p95"))
    rows, clear = [], []
    for i, metric in enumerate(metrics):
        g = t[t.metric == metric].set_index("fy")
        unit = labels.unit(metric) or "number"
        if labels.measure(metric).rate and not difference:
            unit = "%"  # a level is a percentage; only a difference is in points
        row: dict[str, Any] = {"Measure": labels.label(metric), "Unit": unit}
        for fy in fys:
            row[fy] = g[mean].get(fy, np.nan)
            if difference and fy in g.index and (g.loc[fy, lo] > 0 or g.loc[fy, hi] < 0):
                clear.append((i, fy))
        known = g[g[mean].notna()]
        last = known.index.max() if len(known) else None
        row["Last year"] = last
        for name, c in zip(RANGE_COLUMNS, (lo, hi, p05, p95), strict=True):
            row[name] = known.loc[last, c] if last is not None and c in known else np.nan
        row[CODE_COLUMN] = metric
        rows.append(row)
    return pd.DataFrame(rows), clear


def glossary_sheet(extra: dict[str, str] | None = None) -> Sheet:
    items = {**labels.GLOSSARY, **(extra or {})}
    df = pd.DataFrame(sorted(items.items(), key=lambda kv: kv[0].lower()),
                      columns=["Term", "Meaning"])
    return Sheet("Glossary", ["Glossary", "The words used in this workbook."],
                 [Block(df, wrap=("Meaning",))], widths={1: 26, 2: 100})


def assumptions_sheet(scenarios: dict[str, Any], yaml_texts: dict[str, str | None],
                      base: str, note: str | None = None,
                      as_run: dict[str, Any] | None = None) -> Sheet:
    """Every input with its value in each scenario, what it means and where it came from
    (the first scenario's source; another's where its value differs). A value that differs
    from the first scenario's is shaded. ``as_run``: values the command line set instead of
    the file's (``run.replications``, ``run.seed``), shown as run."""
    tables = {k: assumptions(s, yaml_texts.get(k)) for k, s in scenarios.items()}
    for t in tables.values():
        for path, value in (as_run or {}).items():
            i = t.index[t.path == path]
            if len(i) and t.loc[i[0], "value"] != value:
                was = t.loc[i[0], "value"]
                t.loc[i[0], "value"] = value
                t.loc[i[0], "source"] = f"as run (set on the command line; the file says {was})"
    b = tables[base]
    df = pd.DataFrame({"Input": b.label})
    value_cols = []
    for k, t in tables.items():
        col = "Value" if len(tables) == 1 else f"Value: {labels.scenario_title(k)}"
        df[col] = t.set_index("path").value.reindex(b.path).to_numpy()
        value_cols.append((k, col))
    df["What it is"] = b.description
    sources = b.source.copy()
    changed: list[tuple[int, str]] = []
    for k, col in value_cols[1:]:
        t = tables[k].set_index("path").reindex(b.path)
        for i, (mine, theirs) in enumerate(zip(df[col], df[value_cols[0][1]], strict=True)):
            if str(mine) != str(theirs):
                changed.append((i, col))
                src = t.source.iloc[i]
                if src:
                    sources.iloc[i] = f"{sources.iloc[i]} | {labels.scenario_title(k)}: {src}"
    df["Source"] = sources.to_numpy()
    df[CODE_COLUMN] = b.path.to_numpy()
    lines = ["Assumptions: every input of the model, with its source",
             "Sources are the comments in the scenario files (short names such as c1, csww, "
             "lait and evidence rows are listed at the top of scenarios/baseline.yaml and in "
             "docs/evidence.md). 'assumption' marks a value that is not published.",
             "The last column is the input's name in the scenario file, for analysts."]
    if len(tables) > 1:
        lines.append("Shaded: a value that differs from the first scenario's.")
    if note:
        lines.append(note)
    # General: a rate keeps its digits and a count shows no trailing point
    fmt = {c: "General" for _, c in value_cols}
    widths: dict[int, float] = {1: 34, len(value_cols) + 2: 44, len(value_cols) + 3: 64,
                                len(value_cols) + 4: 30}
    widths.update({j: 22 for j in range(2, len(value_cols) + 2)})
    return Sheet("Assumptions", lines,
                 [Block(df, formats=fmt, changed=changed,
                        wrap=("Input", "What it is", "Source", *(c for _, c in value_cols)),
                        center=tuple(c for _, c in value_cols))],
                 widths=widths)


def key_row(name: str, what: str, unit: str, d: Any, clear: bool, material: bool) -> dict:
    """A row of a comparison's key table from a difference (``narrative``'s)."""
    verdict = "no clear difference" if not clear else "yes" if material else "yes, but small"
    return {"Scenario": name, "What": what, "Unit": unit, "Difference": d.mean,
            RANGE_COLUMNS[0]: d.ci_low, RANGE_COLUMNS[1]: d.ci_high, RANGE_COLUMNS[2]: d.p05,
            RANGE_COLUMNS[3]: d.p95, "Clear difference?": verdict}


def measure_format(metric: str) -> str:
    d = labels.measure(metric).decimals + 1
    return "#,##0" + ("." + "0" * d if d else "")


def budget_sheet(budget: pd.DataFrame, rate_pct: float, sheet_title: str, name: str,
                 runs: bool = False) -> Sheet:
    """One scenario's budget: lines down, years across, in cash and real terms, with the
    whole run's totals and ranges, and the present value."""
    fys = years_of(budget)
    cash = budget_wide(budget, rate_pct, "cash")
    blocks = [
        Block(cash, heading=f"{name}: cash, £", default_format=MONEY,
              chart=ChartSpec(f"{name}: cost by budget line, cash", "£ a year",
                              list(range(len(cash) - 1)), fys, stacked=True)
              if runs else None),
        Block(budget_wide(budget, rate_pct, "real"),
              heading=f"{name}: real terms (prices of {fys[0]}), £", default_format=MONEY),
        Block(budget_wide(budget, rate_pct, PV),
              heading=f"{name}: present value over the run at {rate_pct:g}% a year, £",
              default_format=MONEY),
    ]
    return Sheet(sheet_title, [f"{name}: budget by line",
                               "Mean over the runs; the total over the run with its 95% "
                               "interval and the range of single runs (5th to 95th "
                               "percentile)."], blocks)


def measure_formats(block: Block) -> None:
    """Each row of a table of measures to its measure's decimals."""
    block.row_formats = [measure_format(m) for m in block.table[CODE_COLUMN]]
