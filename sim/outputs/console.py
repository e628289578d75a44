"""What the command line prints about results: Rich tables and one-line summaries.

The commands in ``sim/cli`` call these and print what they return; the tables of a run's
headline measures, budgets and differences are in ``report.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.table import Table

from sim.experiment.sweep import GridPoint


def calibration_table(council: str, fit: pd.DataFrame) -> Table:
    """The first simulated year after calibration against the published figures, one row
    per indicator (``fit`` is the calibration's fit table)."""
    t = Table(title=f"{council}: first year after calibration", title_justify="left",
              box=None, header_style="bold")
    for c in ("indicator", "year", "published", "simulated", "5th-95th pct", "error"):
        t.add_column(c, justify="left" if c in ("indicator", "year") else "right")
    for r in fit.itertuples():
        unit = " pts" if r.error_unit == "points" else "%"
        t.add_row(r.indicator, r.fy, f"{r.published:,.4g}", f"{r.simulated:,.4g}",
                  f"{r.p05:,.4g}–{r.p95:,.4g}", f"{r.error:+.1f}{unit}")
    return t


def backtest_table(league: pd.DataFrame, council: str | None) -> Table:
    """A back-test's errors by indicator and years ahead, beside the naive forecast's: of
    one council, or with ``council`` None the medians across every council."""
    title = ("every council: error of the simulated forecast against the naive forecast "
             "(median across councils)" if council is None else
             f"{council}: simulated against published")
    t = Table(title=title, title_justify="left", box=None, header_style="bold")
    for c in ("indicator", "ahead", "error", "naive", "inside 90%"):
        t.add_column(c, justify="left" if c == "indicator" else "right")
    for r in league.itertuples():
        u = " pts" if r.unit == "points" else "%"
        t.add_row(r.indicator, str(r.years_ahead), f"{r.median_error:.1f}{u}",
                  f"{r.naive_median_error:.1f}{u}", f"{r.inside_90_pct:.0f}%")
    return t


def tolerance_lines(table: pd.DataFrame, page: Path) -> list[str]:
    """How many simulated figures are within their tolerance of the published ones, where
    the full table is (``page``), and a line for each figure outside."""
    bad = table[table["within_tolerance"].eq(False)]
    checked = table["within_tolerance"].notna().sum()
    lines = [f"{checked - len(bad)} of {checked} figures within tolerance; table: {page}"]
    for r in bad.itertuples():
        lines.append(f"  outside: {r.metric} {r.fy}: published {r.published:g}, "
                     f"simulated {r.simulated:.4g} ({r.tolerance})")
    return lines


def cost_lines(table: pd.DataFrame) -> list[str]:
    """Each line of a comparison of costs: published, simulated and the difference."""
    lines = []
    for r in table.itertuples():
        d = "" if pd.isna(r.difference_pct) else f" ({r.difference_pct:+.1f}%)"
        lines.append(f"{r.item}: published {r.published:,.1f}, simulated "
                     f"{r.simulated:,.1f}{d}")
    return lines


def option_labels(points: list[GridPoint]) -> dict[str, str]:
    """Each option of a sweep as the values it sets, by the last part of each path:
    ``annual_spend=1,000,000, cohort=10``."""

    def value(v: object) -> str:
        return f"{v:,}" if isinstance(v, int | float) and not isinstance(v, bool) else str(v)

    return {p.label: ", ".join(f"{k.rsplit('.', 1)[-1]}={value(v)}"
                               for k, v in p.values.items()) for p in points}
