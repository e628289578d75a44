"""Writing workbooks laid out for people: each sheet a title, notes, the headline as
sentences, then tables with a heading, a bold header row, number formats by column or by
row, wrapped text in rows tall enough for it, totals in bold, and native Excel charts.
Sheet names are made safe for Excel (at most 31 characters, none of ``[]:*?/\\``) and
unique. What goes in the tables is ``excel.py``'s and ``xlsx_tables.py``'s."""

from __future__ import annotations

import re
from collections.abc import Sequence
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

MONEY = '£#,##0;[Red]-£#,##0'
NUMBER = "#,##0.00"
COUNT = "#,##0"
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
HEADING_FONT = Font(bold=True, size=12, color="1F4E78")
NOTE_FONT = Font(italic=True, color="404040")
CHANGED_FILL = PatternFill("solid", fgColor="FFF2CC")
TOTAL_BORDER = Border(top=Side(style="thin"))
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_MAX = 31

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
