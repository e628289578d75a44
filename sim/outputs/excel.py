"""Excel workbooks for finance: one sheet per table, with headers and number formats a
finance officer expects (pounds with thousands separators, percentages to one place,
frozen header rows, filters, sensible column widths)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

MONEY = '£#,##0;[Red]-£#,##0'
NUMBER = "#,##0.00"
COUNT = "#,##0"
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")

MONEY_COLUMNS = {"cost", "cost_real", "cash", "real", "pv", "extra_cost",
                 "extra_cost_ci_low", "extra_cost_ci_high", "cost_diff_pv", "ratio",
                 "ratio_ci_low", "ratio_ci_high"}


def _format_for(column: str, money: bool) -> str:
    if column in {"replication"}:
        return "0"
    if money or column in MONEY_COLUMNS:
        return MONEY
    return NUMBER


def add_sheet(wb: Workbook, title: str, df: pd.DataFrame, money: bool = False,
              note: str | None = None) -> None:
    """A sheet holding one table: a bold header row, number formats by column, frozen
    header, a filter, and column widths to fit. ``money`` formats every numeric column as
    pounds (otherwise only the columns that are always money). A ``note`` goes in a first
    row above the table."""
    ws = wb.create_sheet(title[:31])
    row0 = 1
    if note:
        ws.cell(row=1, column=1, value=note).font = Font(italic=True, color="555555")
        row0 = 3
    for j, col in enumerate(df.columns, start=1):
        c = ws.cell(row=row0, column=j, value=str(col))
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        c.alignment = Alignment(horizontal="center", wrap_text=True)
    fmts = [_format_for(str(c), money) for c in df.columns]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    for i, row in enumerate(df.itertuples(index=False), start=row0 + 1):
        for j, value in enumerate(row, start=1):
            if pd.isna(value) if not isinstance(value, str | bool) else False:
                value = None
            elif hasattr(value, "item"):
                value = value.item()
            c = ws.cell(row=i, column=j, value=value)
            if numeric[j - 1]:
                c.number_format = fmts[j - 1]
    for j, col in enumerate(df.columns, start=1):
        width = max([len(str(col))] + [len(f"{v:,.2f}") if isinstance(v, float) else
                                       len(str(v)) for v in df[col].head(200)])
        ws.column_dimensions[get_column_letter(j)].width = min(max(10, width + 3), 60)
    for i in range(row0 + 1, row0 + 1 + len(df)):  # a total row stands out
        if ws.cell(row=i, column=1).value == "total":
            for j in range(1, len(df.columns) + 1):
                ws.cell(row=i, column=j).font = Font(bold=True)
    ws.page_setup.orientation = "landscape"  # printed, a table fits the page's width
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.freeze_panes = ws.cell(row=row0 + 1, column=1)
    if len(df):
        ws.auto_filter.ref = f"A{row0}:{get_column_letter(len(df.columns))}{row0 + len(df)}"


def budget_by_year(summary: pd.DataFrame) -> pd.DataFrame:
    """Lines down, financial years across (cash, £), then the run's present value: the
    layout of a budget paper."""
    cash = summary[(summary.terms == "cash") & (summary.fy != "all years")]
    wide = cash.pivot_table(index="line", columns="fy", values="mean", sort=False)
    pv = summary[summary.terms == "present value"].set_index("line")["mean"]
    wide["present value (real)"] = pv
    return wide.reset_index()


def write_workbook(path: Path, sheets: list[tuple[str, pd.DataFrame, bool, str | None]]
                   ) -> Path:
    """Write a workbook of (title, table, money, note) sheets."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, df, money, note in sheets:
        add_sheet(wb, title, df, money, note)
    wb.save(path)
    return path
