"""Excel workbooks for finance: what ``sim run``, ``compare`` and ``sweep`` write with
``--xlsx``, laid out for a council finance business partner to use as they are.

Every workbook starts with a Summary (the headline in plain English and the key table),
has wide tables (lines or measures down, financial years across, then the whole run's total
and its ranges), native Excel charts of the cash profile, an Assumptions sheet (every input
with its source) and a Glossary. Words come from ``labels.py``: no code name reaches a
header or a row label a reader sees. Sheet names are safe for Excel (at most 31 characters,
none of ``[]:*?/\\``) and unique.

The builders take the headline as sentences (``headline: list[str]``): the report's own
(``narrative.headline`` for a comparison, ``narrative.run_headline`` for a run) and, for a
sweep, ``headline.sweep_headline``; the workbook and the report then say the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sim.experiment.summary import ALL_YEARS, PV, mean_ci, run_totals
from sim.model.costs import LINES, TOTAL
from sim.outputs import labels, narrative
from sim.outputs.assumptions import assumptions, plain_label
from sim.outputs.finance import OUTCOMES

MONEY = '£#,##0;[Red]-£#,##0'
NUMBER = "#,##0.00"
COUNT = "#,##0"
TEXT = "@"
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
HEADING_FONT = Font(bold=True, size=12, color="1F4E78")
NOTE_FONT = Font(italic=True, color="404040")
CHANGED_FILL = PatternFill("solid", fgColor="FFF2CC")
TOTAL_BORDER = Border(top=Side(style="thin"))

KEY_OUTCOMES = narrative.KEY_MEASURES
"""The outcomes of the Summary, first in the tables of measures: the report's (changes of
social worker, children with 3+ workers, caseload, unallocated cases, children looked
after, referrals, social workers in post, agency share)."""

TERMS_HEADING = {"cash": "Cash", "real": "Real terms (prices of the first year)",
                 PV: "Present value"}
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_MAX = 31
CODE_COLUMN = "Code (for analysts)"


# --- sheet names ----------------------------------------------------------------------------

def safe_sheet_names(titles: Sequence[str]) -> list[str]:
    """Titles made into Excel sheet names: none of ``[]:*?/\\``, no leading or trailing
    apostrophe, at most 31 characters, and unique ignoring case (as Excel compares them);
    a title that would repeat an earlier one is cut shorter and numbered: "… (2)"."""
    out: list[str] = []
    seen: set[str] = set()
    for title in titles:
        name = SHEET_FORBIDDEN.sub(" ", title).strip().strip("'").strip() or "Sheet"
        name = re.sub(r"\s+", " ", name)[:SHEET_MAX].rstrip()
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            suffix = f" ({n})"
            candidate = name[:SHEET_MAX - len(suffix)].rstrip() + suffix
        seen.add(candidate.lower())
        out.append(candidate)
    return out


# --- what a sheet holds ---------------------------------------------------------------------

@dataclass
class Block:
    """A table on a sheet: an optional heading above, a bold header row, number formats
    by column (or one for all), rows whose first cell is "Total" in bold."""

    table: pd.DataFrame
    heading: str | None = None
    formats: dict[str, str] = field(default_factory=dict)
    default_format: str = NUMBER
    chart: ChartSpec | None = None
    wrap: tuple[str, ...] = ()  # text columns that wrap (descriptions, sources)
    changed: list[tuple[int, str]] = field(default_factory=list)  # (row, column) to shade
    bold_cells: list[tuple[int, str]] = field(default_factory=list)
    row_formats: list[str] | None = None  # one number format a row (measures of mixed units)
    center: tuple[str, ...] = ()  # short text columns ("yes", a year) set in the middle


@dataclass
class ChartSpec:
    """A native Excel chart of some rows of a block: one series per row, the categories
    from ``columns`` (financial years)."""

    title: str
    y_title: str
    rows: list[int]  # rows of the block's table, one series each
    columns: list[str]
    kind: str = "bar"  # "bar": clustered columns; "line"
    stacked: bool = False  # columns stacked: the lines of a budget make up its total


@dataclass
class Sheet:
    title: str
    lines: list[str] = field(default_factory=list)  # title line, then notes
    blocks: list[Block] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)  # the headline, one sentence a line
    widths: dict[int, float] = field(default_factory=dict)


def _cell_value(value: Any) -> Any:
    if isinstance(value, str | bool) or value is None:
        return value
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _write_block(ws: Worksheet, block: Block, row: int) -> int:
    """Write ``block`` from ``row``; return the first free row after it."""
    if block.heading:
        ws.cell(row=row, column=1, value=block.heading).font = HEADING_FONT
        row += 1
    df = block.table
    cols = list(df.columns)
    for j, col in enumerate(cols, start=1):
        c = ws.cell(row=row, column=j, value=str(col))
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_row = row
    ws.row_dimensions[row].height = LINE_HEIGHT * max(
        _lines(str(col), _width(ws, j)) for j, col in enumerate(cols, start=1))
    changed = set(block.changed)
    bold = set(block.bold_cells)
    for i, rec in enumerate(df.itertuples(index=False)):
        r = header_row + 1 + i
        is_total = isinstance(rec[0], str) and rec[0].startswith("Total")
        for j, value in enumerate(rec, start=1):
            col = cols[j - 1]
            c = ws.cell(row=r, column=j, value=_cell_value(value))
            if isinstance(c.value, int | float) and not isinstance(c.value, bool):
                c.number_format = block.formats.get(col, block.default_format) \
                    if block.row_formats is None else block.row_formats[i]
            # top-aligned: a row with wrapped text reads from its top line
            c.alignment = Alignment(wrap_text=col in block.wrap, vertical="top",
                                    horizontal="center" if col in block.center else None,
                                    # text after a column of numbers keeps a gap from them
                                    indent=1 if j > 1 and isinstance(c.value, str) else 0)
            if is_total or (i, col) in bold:
                c.font = Font(bold=True)
            if is_total:
                c.border = TOTAL_BORDER
            if (i, col) in changed:
                c.fill = CHANGED_FILL
        # rows are set tall enough for wrapped text: not every reader sizes them on opening
        wrapped = [_lines(str(v), _width(ws, j)) for j, (col, v) in
                   enumerate(zip(cols, rec, strict=True), start=1)
                   if col in block.wrap and isinstance(v, str)]
        if wrapped and max(wrapped) > 1:
            ws.row_dimensions[r].height = LINE_HEIGHT * max(wrapped)
    end = header_row + len(df)
    if block.chart is not None:
        _add_chart(ws, block, header_row, end)
        return end + 21  # the chart sits below its table
    return end + 2


LINE_HEIGHT = 14.5  # points a line of 11-point text takes


def _width(ws: Worksheet, column: int) -> float:
    return ws.column_dimensions[get_column_letter(column)].width or 10


def _lines(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` characters wide (roughly: words
    are not split)."""
    per_line = max(1.0, width * 1.2 - 1)
    lines, used = 1, 0.0
    for word in text.split():
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return lines


def _add_chart(ws: Worksheet, block: Block, header_row: int, end: int) -> None:
    spec = block.chart
    assert spec is not None
    cols = list(block.table.columns)
    first = cols.index(spec.columns[0]) + 1
    last = cols.index(spec.columns[-1]) + 1
    chart = BarChart() if spec.kind == "bar" else LineChart()
    if isinstance(chart, BarChart):
        chart.type = "col"
        chart.grouping, chart.overlap = ("stacked", 100) if spec.stacked else ("clustered", 0)
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.y_axis.numFmt = '£#,##0,,"m";-£#,##0,,"m"'
    chart.y_axis.majorGridlines = None if spec.kind == "bar" else chart.y_axis.majorGridlines
    # without these, recent Excel hides the axes (openpyxl writes delete="1" by default)
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.height, chart.width = 9.0, max(18.0, 2.6 * (last - first + 1) + 8)
    chart.x_axis.tickLblPos = "low"  # year labels below the columns, even negative ones
    chart.legend.position = "b"
    values = block.table.iloc[spec.rows][spec.columns].to_numpy(dtype=float)
    if np.nanmin(values) >= 0:  # columns of costs stand on zero, or they mislead
        chart.y_axis.scaling.min = 0
    for i in spec.rows:
        r = header_row + 1 + i
        data = Reference(ws, min_col=first, max_col=last, min_row=r, max_row=r)
        chart.add_data(data, from_rows=True, titles_from_data=False)
        chart.series[-1].tx = SeriesLabel(v=str(block.table.iloc[i, 0]))
    chart.set_categories(Reference(ws, min_col=first, max_col=last, min_row=header_row,
                                   max_row=header_row))
    ws.add_chart(chart, f"A{end + 2}")


def _widths(ws: Worksheet, sheet: Sheet) -> None:
    width: dict[int, float] = {}
    for block in sheet.blocks:
        for j, col in enumerate(block.table.columns, start=1):
            wrap = col in block.wrap
            cells = [len(str(col)) / (2 if len(str(col)) > 14 else 1)]
            for v in block.table[col].head(300):
                v = _cell_value(v)
                cells.append(len(f"{v:,.0f}") + 2 if isinstance(v, float | int)
                             and not isinstance(v, bool) else len(str(v)) if v else 0)
            w = min(max(cells) + 2, 60 if wrap else 48)
            width[j] = max(width.get(j, 10), w)
    width.update(sheet.widths)
    for j, w in width.items():
        ws.column_dimensions[get_column_letter(j)].width = w


def write_sheets(path: Path, sheets: Sequence[Sheet]) -> Path:
    """Write a workbook of ``sheets`` in order, their names made safe and unique."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, sheet in zip(safe_sheet_names([s.title for s in sheets]), sheets, strict=True):
        ws = wb.create_sheet(name)
        row = 1
        for k, line in enumerate(sheet.lines):
            c = ws.cell(row=row, column=1, value=line)
            c.font = TITLE_FONT if k == 0 else NOTE_FONT
            row += 1
        row += 1 if sheet.lines else 0
        _widths(ws, sheet)  # first: the heights of wrapped rows follow the widths
        span = sum(_width(ws, j) for j in range(1, 9))
        for b in sheet.bullets:
            c = ws.cell(row=row, column=1, value=b)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
            ws.row_dimensions[row].height = LINE_HEIGHT * _lines(b, span)
            row += 1
        row += 1 if sheet.bullets else 0
        first_table_row = row
        for block in sheet.blocks:
            row = _write_block(ws, block, row)
        if sheet.blocks and len(sheet.blocks) == 1 and sheet.blocks[0].chart is None:
            top = first_table_row + (1 if sheet.blocks[0].heading else 0)
            ws.freeze_panes = ws.cell(row=top + 1, column=2)
            t = sheet.blocks[0].table
            if len(t):
                ws.auto_filter.ref = (f"A{top}:{get_column_letter(len(t.columns))}"
                                      f"{top + len(t)}")
        ws.page_setup.orientation = "landscape"  # printed, a table fits the page's width
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.save(path)
    return path


# --- tables ---------------------------------------------------------------------------------

def _years(budget: pd.DataFrame) -> list[str]:
    return sorted(budget.fy.unique())


def total_heading(fys: Sequence[str]) -> str:
    """'Five-year total' for 2019-20 to 2023-24; 'Total, 2019-20 to 2020-21' otherwise."""
    words = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight",
             9: "Nine", 10: "Ten"}
    n = len(fys)
    if n == 1:
        return f"Total, {fys[0]}"
    return f"{words[n]}-year total" if n in words else f"Total, {fys[0]} to {fys[-1]}"


def _stats(v: np.ndarray) -> tuple[float, float, float, float, float]:
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
    fys = _years(budget)
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
        m, lo, hi, p05, p95 = _stats(tot.xs(line, level="line")[col].to_numpy())
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


def _fy_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if re.fullmatch(r"\d{4}-\d{2}", str(c))]


# --- the pieces every workbook has ----------------------------------------------------------

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


def _key_row(name: str, what: str, unit: str, d: Any, clear: bool, material: bool) -> dict:
    """A row of a comparison's key table from a difference (``narrative``'s)."""
    verdict = "no clear difference" if not clear else "yes" if material else "yes, but small"
    return {"Scenario": name, "What": what, "Unit": unit, "Difference": d.mean,
            RANGE_COLUMNS[0]: d.ci_low, RANGE_COLUMNS[1]: d.ci_high, RANGE_COLUMNS[2]: d.p05,
            RANGE_COLUMNS[3]: d.p95, "Clear difference?": verdict}


def _measure_format(metric: str) -> str:
    d = labels.measure(metric).decimals + 1
    return "#,##0" + ("." + "0" * d if d else "")


# --- comparison -----------------------------------------------------------------------------

def comparison_sheets(comp: Any, headline: list[str], yaml_texts: dict[str, str | None]
                      | None = None, note: str | None = None) -> list[Sheet]:
    """The sheets of ``comparison.xlsx`` for a ``Comparison``: Summary, cost differences,
    costs by scenario, outcome differences, what the money buys, drivers, one budget per
    scenario, Assumptions and Glossary."""
    base = comp.base
    title = {k: labels.scenario_title(k) for k in comp.names}
    others = [k for k in comp.names if k != base]
    budgets = {k: r.budget for k, r in comp.results.items()}
    rate = comp.results[base].scenario.costs.discount_rate_pct
    fys = _years(budgets[base])
    span = f"{fys[0]} to {fys[-1]}"
    reps = comp.replications
    seed = comp.results[base].seed

    # the report's own numbers (narrative.py), so the table and the headline above it agree
    key, fmts = [], []
    for k in others:
        cost = narrative.cost_differences(comp, k)
        for terms, what in (("cash", f"Total cost, cash, {span}"),
                            ("real", f"Total cost, real terms, {span}"),
                            ("pv", f"Total cost, present value at {rate:g}%")):
            c = cost[terms]
            fmts.append(MONEY)
            key.append(_key_row(title[k], what, "£", c, c.clear, True))
        for d in narrative.key_differences(comp, k):
            what = (f"{labels.measure(d.metric).noun.capitalize()} over the run, {span}"
                    if d.fy == narrative.OVER_RUN else f"{labels.label(d.metric)}, {d.fy}")
            fmts.append(_measure_format(d.metric))
            key.append(_key_row(title[k], what,
                                labels.unit(d.metric), d, d.clear, d.material))
    key_df = pd.DataFrame(key)
    summary = Sheet(
        "Summary",
        [f"{' vs '.join(title.values())}: differences from {title[base]}",
         f"{comp.results[base].scenario.council}, {span}. Each scenario ran {reps} times "
         f"(replications) on the same random events (seed {seed}), so each difference is "
         "paired run by run.",
         "Difference: the average over the runs. 95% interval: where the true average "
         "difference lies; when it includes zero there is no clear difference. Single runs: "
         "the range one run (one possible future) shows. Small: under 1% of the first "
         "scenario's level (half a point for a percentage)."],
        [Block(key_df, heading=f"Key differences from {title[base]}",
               wrap=("What", "Clear difference?"), row_formats=fmts,
               center=("Clear difference?",))],
        bullets=headline)

    # cost differences: per scenario, cash and real by year, then the present value
    diff_blocks = []
    for k in others:
        for terms in ("cash", "real"):
            w = budget_wide(budgets[k], rate, terms, budgets[base])
            chart = None
            diff_blocks.append(Block(
                w, heading=f"{title[k]} minus {title[base]}: {TERMS_HEADING[terms].lower()}, £",
                default_format=MONEY, chart=chart))
        diff_blocks.append(Block(budget_wide(budgets[k], rate, PV, budgets[base]),
                                 heading=f"{title[k]} minus {title[base]}: present value over "
                                         f"the run at {rate:g}% a year, £",
                                 default_format=MONEY))
    # the profile of the difference in total cost, one series per scenario, charted
    prof = pd.DataFrame([{"Scenario": f"{title[k]} minus {title[base]}",
                          **budget_wide(budgets[k], rate, "cash", budgets[base])
                          .iloc[-1].drop("Budget line").to_dict()} for k in others])
    diff_blocks.insert(0, Block(prof, heading="Difference in total cost by year, cash, £",
                                default_format=MONEY,
                                chart=ChartSpec("Difference in total cost from "
                                                f"{title[base]}, cash", "£ a year",
                                                list(range(len(prof))), fys)))
    cost_diff = Sheet("Cost differences",
                      [f"Cost differences from {title[base]}, by budget line",
                       "Mean of the paired differences over the runs; the total over the run "
                       "with its 95% interval and the range of single runs (5th to 95th "
                       "percentile). Real terms are at the first year's prices; the present "
                       f"value discounts them at {rate:g}% a year (HM Treasury Green Book)."],
                      diff_blocks)

    own_blocks = []
    totals = pd.DataFrame([{"Scenario": title[k], **budget_wide(budgets[k], rate, "cash")
                            .iloc[-1].drop("Budget line").to_dict()} for k in comp.names])
    own_blocks.append(Block(totals, heading="Total cost by year, cash, £", default_format=MONEY,
                            chart=ChartSpec("Total cost by year, cash", "£ a year",
                                            list(range(len(totals))), fys)))
    real = pd.DataFrame([{"Scenario": title[k], **budget_wide(budgets[k], rate, "real")
                          .iloc[-1].drop("Budget line").to_dict()} for k in comp.names])
    own_blocks.append(Block(real, heading="Total cost by year, real terms (prices of "
                                          f"{fys[0]}), £", default_format=MONEY))
    pv = pd.DataFrame([{"Scenario": title[k], **budget_wide(budgets[k], rate, PV)
                        .iloc[-1].drop("Budget line").to_dict()} for k in comp.names])
    own_blocks.append(Block(pv, heading=f"Present value of the total cost at {rate:g}%, £",
                            default_format=MONEY))
    costs = Sheet("Costs by scenario", ["Each scenario's total cost",
                                        "Mean over the runs; each scenario's budget by line "
                                        "is on its own sheet."], own_blocks)

    out_blocks = []
    for k in others:
        w, clear = outcome_wide(comp.table, k, difference=True)
        b = Block(w, heading=f"{title[k]} minus {title[base]}", wrap=("Measure",),
                  bold_cells=clear, center=("Last year",))
        _measure_formats(b)
        out_blocks.append(b)
    outcomes = Sheet("Outcome differences",
                     [f"Differences in outcomes from {title[base]}, by year",
                      "Mean of the paired differences; bold where the 95% interval excludes "
                      "zero (a clear difference). Stocks are at 31 March, the workforce at "
                      "30 September. The last column is the measure's name in the CSV "
                      "files, for analysts."], out_blocks)

    levels = []
    for k in comp.names:
        w, _ = outcome_wide(comp.table, k, difference=False)
        b = Block(w, heading=title[k], wrap=("Measure",), center=("Last year",))
        _measure_formats(b)
        levels.append(b)
    level_sheet = Sheet("Outcomes by scenario", ["Each scenario's outcomes, by year",
                                                 "Mean over the runs, with the last year's "
                                                 "95% interval and range of single runs."],
                        levels)

    sheets = [summary, cost_diff, costs, outcomes, level_sheet,
              _value_sheet(comp, title), _drivers_sheet(comp, title)]
    for k in comp.names:
        r = comp.results[k]
        sheets.append(budget_sheet(r.budget, rate, f"Budget {title[k]}", title[k]))
    texts = yaml_texts or {}
    sheets.append(assumptions_sheet({k: r.scenario for k, r in comp.results.items()}, texts,
                                    base, note, {"run.replications": reps, "run.seed": seed}))
    sheets.append(glossary_sheet())
    return [s for s in sheets if s is not None]


def _measure_formats(block: Block) -> None:
    """Each row of a table of measures to its measure's decimals."""
    block.row_formats = [_measure_format(m) for m in block.table[CODE_COLUMN]]


def _by_scenario(frame: pd.DataFrame, title: dict[str, str], columns: dict[str, Any]
                 ) -> pd.DataFrame | None:
    """A table of ``frame``'s rows led by their scenario's title; None when it is empty."""
    return None if frame.empty else pd.DataFrame({"Scenario": frame.scenario.map(title),
                                                  **columns})


def _value_sheet(comp: Any, title: dict[str, str]) -> Sheet | None:
    ce = comp.cost_effectiveness
    df = _by_scenario(ce, title, {
        "Outcome": [OUTCOMES[o][3].capitalize() if o in OUTCOMES else o for o in ce.outcome],
        "Extra cost, present value (£)": ce.cost_diff_pv,
        "Outcome improved by (over the run)": ce.outcome_diff,
        "£ per unit of outcome": ce.ratio,
        "95% interval: from": ce.ratio_ci_low, "to": ce.ratio_ci_high,
        "Unit": ce.unit, "Note": ce.note.fillna(""),
    })
    if df is None:
        return None
    return Sheet("What the money buys",
                 [f"What each scenario's extra spending buys, against {title[comp.base]}",
                  "The present value of the difference in total cost over the run, divided by "
                  "the outcome it improves. A ratio is given only where the outcome's difference "
                  "is clear and material (at least 1% of the first scenario's); a negative "
                  "ratio means the scenario saves money and improves the outcome."],
                 [Block(df, formats={"Extra cost, present value (£)": MONEY,
                                     "£ per unit of outcome": MONEY,
                                     "95% interval: from": MONEY, "to": MONEY},
                        wrap=("Note",))])


def _drivers_sheet(comp: Any, title: dict[str, str]) -> Sheet | None:
    d = comp.drivers
    df = _by_scenario(d, title, {
        "Measure": d.metric.map(labels.label),
        "Year": d.fy,
        "Uncertain effect": [("Chance and interactions" if p.startswith("(") else
                              labels.PARAMETERS.get(p) or plain_label(p)) for p in d.parameter],
        "Share of the spread explained": d.share_explained,
        "Rank correlation": d.spearman,
        "p-value (Holm)": d.p_value,
        "Difference when the effect is low (lowest third)": d.diff_low_third,
        "… when it is high (highest third)": d.diff_high_third,
        CODE_COLUMN: d.parameter,
    })
    if df is None:
        return None
    return Sheet("Drivers",
                 ["What drives each difference",
                  "How much of the spread of a difference across runs each uncertain effect "
                  "explains (rank regression). An effect with a p-value of 0.05 or more "
                  "cannot be told apart from chance with this many runs. The last column is "
                  "the effect's name in the scenario file, for analysts."],
                 [Block(df, formats={"Share of the spread explained": "0%"},
                        wrap=("Measure", "Uncertain effect"))])


def budget_sheet(budget: pd.DataFrame, rate_pct: float, sheet_title: str, name: str,
                 runs: bool = False) -> Sheet:
    """One scenario's budget: lines down, years across, in cash and real terms, with the
    whole run's totals and ranges, and the present value."""
    fys = _years(budget)
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


# --- one run --------------------------------------------------------------------------------

def run_sheets(results: Any, headline: list[str], yaml_text: str | None = None) -> list[Sheet]:
    """The sheets of ``results.xlsx`` for one scenario's ``Results``: Summary, Budget,
    Outcomes, Single runs, Assumptions, Glossary."""
    sc = results.scenario
    name = labels.scenario_title(sc.name)
    rate = sc.costs.discount_rate_pct
    budget = results.budget
    fys = _years(budget)
    span = f"{fys[0]} to {fys[-1]}"
    tot = run_totals(budget, rate)
    tot = tot[tot.line == TOTAL]
    key, fmts = [], [MONEY] * 3
    for col, what in (("cash", f"Total cost, cash, {span}"),
                      ("real", f"Total cost, real terms, {span}"),
                      ("pv", f"Total cost, present value at {rate:g}%")):
        m, lo, hi, p05, p95 = _stats(tot[col].to_numpy())
        key.append({"What": what, "Unit": "£", "Average": m, RANGE_COLUMNS[0]: lo,
                    RANGE_COLUMNS[1]: hi, RANGE_COLUMNS[2]: p05, RANGE_COLUMNS[3]: p95})
    summ = results.summary()
    for metric in KEY_OUTCOMES:
        g = summ[(summ.metric == metric) & summ["mean"].notna()].sort_values("fy")
        if g.empty:
            continue
        r = g.iloc[-1]
        fmts.append(_measure_format(metric))
        key.append({"What": f"{labels.label(metric)}, {r.fy}", "Unit": labels.unit(metric),
                    "Average": r["mean"], RANGE_COLUMNS[0]: r.ci_low,
                    RANGE_COLUMNS[1]: r.ci_high, RANGE_COLUMNS[2]: r.p05,
                    RANGE_COLUMNS[3]: r.p95})
    key_df = pd.DataFrame(key)
    block = Block(key_df, heading="Key figures", wrap=("What",), row_formats=fmts)
    summary = Sheet("Summary", [f"{name}: {sc.council}, {span}",
                                f"{len(results.replications)} runs (replications), seed "
                                f"{results.seed}. Average: the mean over the runs; 95% "
                                "interval: where the true average lies; single runs: the "
                                "range one run shows."], [block], bullets=headline)
    w, _ = outcome_wide(summ, sc.name, difference=False)
    ob = Block(w, wrap=("Measure",), center=("Last year",))
    _measure_formats(ob)
    outcomes = Sheet("Outcomes", [f"{name}: outcomes by year",
                                  "Mean over the runs, with the last year's 95% interval and "
                                  "range of single runs. The last column is the measure's "
                                  "name in the CSV files, for analysts."], [ob])
    by_rep = budget[budget.line == TOTAL].pivot_table(index="replication", columns="fy",
                                                      values="cost")
    t = run_totals(budget, rate)
    t = t[t.line == TOTAL].set_index("replication")
    by_rep[total_heading(fys)] = t.cash
    by_rep["Present value"] = t.pv
    by_rep = by_rep.reset_index().rename(columns={"replication": "Run"})
    by_rep["Run"] = by_rep["Run"].astype(int) + 1
    single = Sheet("Single runs", [f"{name}: total cost of each run, cash, £",
                                   "Each run is one possible future; the spread is the range "
                                   "of outcomes."],
                   [Block(by_rep, default_format=MONEY, formats={"Run": "0"})])
    return [summary, budget_sheet(budget, rate, "Budget", name, runs=True), outcomes, single,
            assumptions_sheet({sc.name: sc}, {sc.name: yaml_text}, sc.name, None,
                              {"run.replications": len(results.replications),
                               "run.seed": results.seed}),
            glossary_sheet()]


# --- sweep ----------------------------------------------------------------------------------

def sweep_sheets(table: pd.DataFrame, front: pd.DataFrame, options: dict[str, str],
                 outcome_label: str, headline: list[str], scenario: Any = None,
                 yaml_text: str | None = None, swept: Iterable[str] = ()) -> list[Sheet]:
    """The sheets of ``sweep.xlsx``: Summary (the options and the frontier in words), Costs,
    Outcomes, Assumptions (of the base scenario), Glossary. ``options`` names each grid
    point by its values (``option_names``)."""
    first = options[front.point.iloc[0]]
    f = pd.DataFrame({
        "Option": front.point.map(options),
        "Extra cost, present value (£)": front.extra_cost,
        "95% interval: from": front.extra_cost_ci_low, "to": front.extra_cost_ci_high,
        f"{outcome_label.capitalize()} avoided": front.avoided,
        "95% interval: from ": front.avoided_ci_low, "to ": front.avoided_ci_high,
        "Worth considering?": [_frontier_words(r) for r in front.itertuples()],
    })
    f.iloc[0, -1] = "the option the others are measured against"
    summary = Sheet("Summary", [
        "Budget options compared",
        f"Each option against the first ({first}): the extra cost over the run (present "
        f"value) and the {outcome_label} it avoids, both paired run by run.",
        "The frontier: options that no other option beats on both cost and outcome. Choose "
        "among these; the others are dominated (another option costs no more and achieves at "
        "least as much)."],
        [Block(f, heading="Options", default_format=MONEY,
               formats={f"{outcome_label.capitalize()} avoided": COUNT,
                        "95% interval: from ": COUNT, "to ": COUNT},
               wrap=("Option", "Worth considering?"))],
        bullets=headline)
    pts = list(dict.fromkeys(table.point))
    costs = table[table.measure.str.startswith("cost_pv_")]
    rows = []
    for p in pts:
        g = costs[costs.point == p].set_index("measure")
        for line in [*LINES, TOTAL]:
            m = f"cost_pv_{line}"
            if m not in g.index or (line != TOTAL and (g.loc[m, "mean"] == 0)):
                continue
            r = g.loc[m]
            rows.append({"Option": options[p], "Budget line": labels.BUDGET_LINES[line],
                         "Present value": r["mean"], "Difference from the first option":
                         r.diff_mean, "95% interval: from": r.diff_ci_low,
                         "to": r.diff_ci_high})
    cost_sheet = Sheet("Costs", ["Costs of each option, present value over the run, £",
                                 f"Differences are paired, from the first option ({first})."],
                       [Block(pd.DataFrame(rows), default_format=MONEY)])
    out = table[~table.measure.str.startswith("cost_pv_")]
    rows = []
    for p in pts:
        for r in out[out.point == p].itertuples():
            what = (OUTCOMES[r.measure][3].capitalize() + " (over the run)"
                    if r.measure in OUTCOMES else labels.label(r.measure) +
                    " (average over the years)")
            rows.append({"Option": options[p], "Measure": what, "Value": r.mean,
                         "Difference from the first option": r.diff_mean,
                         "95% interval: from": r.diff_ci_low, "to": r.diff_ci_high,
                         CODE_COLUMN: r.measure})
    out_sheet = Sheet("Outcomes", ["Outcomes of each option",
                                   "Changes of social worker and unallocated case-days are "
                                   "totals over the run (discounted like money); the others "
                                   "are averages over its years."],
                      [Block(pd.DataFrame(rows), wrap=("Measure",))])
    sheets = [summary, cost_sheet, out_sheet]
    if scenario is not None:
        swept = list(swept)
        note = ("The options set " + "; ".join(plain_label(p) for p in swept) + ": the values "
                "shown are the base scenario's.") if swept else None
        sheets.append(assumptions_sheet({scenario.name: scenario},
                                        {scenario.name: yaml_text}, scenario.name, note))
    sheets.append(glossary_sheet())
    return sheets


def _frontier_words(r: Any) -> str:
    """Whether an option of a sweep is worth considering, in words."""
    if not r.on_frontier:
        return "no: another option costs no more and avoids at least as much"
    if r.avoided_ci_low > 0:
        return "yes: on the frontier"
    return ("on the frontier on the averages, but what it avoids is not clear (its interval "
            "includes zero)")


# --- the workbooks ---------------------------------------------------------------------------

def comparison_workbook(path: Path, comp: Any, headline: list[str],
                        yaml_texts: dict[str, str | None] | None = None) -> Path:
    """Write ``comparison.xlsx`` for a ``Comparison``. ``headline``: the plain-English
    sentences for the Summary; ``yaml_texts``: each scenario's YAML with its source comments
    (``scenario.yaml`` of its results), for the Assumptions sheet."""
    return write_sheets(path, comparison_sheets(comp, headline, yaml_texts))


def run_workbook(path: Path, results: Any, headline: list[str],
                 yaml_text: str | None = None) -> Path:
    """Write ``results.xlsx`` for one scenario's ``Results``."""
    return write_sheets(path, run_sheets(results, headline, yaml_text))


def sweep_workbook(path: Path, table: pd.DataFrame, front: pd.DataFrame,
                   options: dict[str, str], outcome_label: str, headline: list[str],
                   scenario: Any = None, yaml_text: str | None = None,
                   swept: Iterable[str] = ()) -> Path:
    """Write ``sweep.xlsx``: ``options`` names each grid point (``sweep.option_names``);
    ``scenario`` and ``yaml_text`` are the base scenario's, ``swept`` the paths set."""
    return write_sheets(path, sweep_sheets(table, front, options, outcome_label, headline,
                                           scenario, yaml_text, swept))


def budget_by_year(summary: pd.DataFrame) -> pd.DataFrame:
    """Lines down, financial years across (cash, £), then the run's present value, from a
    budget summary (as the notebook shows it)."""
    cash = summary[(summary.terms == "cash") & (summary.fy != ALL_YEARS)]
    wide = cash.pivot_table(index="line", columns="fy", values="mean", sort=False)
    pv = summary[summary.terms == PV].set_index("line")["mean"]
    wide["present value (real)"] = pv
    return wide.reset_index()
