"""Simulated figures against published ones, as a table that can be committed and read.

The published figures travel with the package (``sim/data/*_published.csv``, DfE official
statistics under the Open Government Licence v3), each with its source file, row and year,
and with the tolerance that the model is held to where one applies.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd


def load_published(area: str = "west_sussex") -> pd.DataFrame:
    """Published figures for an area: metric, fy, published, tolerance, tolerance_unit,
    source."""
    with resources.files("sim").joinpath("data", f"{area}_published.csv").open() as f:
        return pd.read_csv(f, dtype={"fy": str})


def compare(summary: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Join a run's summary to the published figures and judge each against its tolerance.

    ``within`` is True/False where a tolerance applies and missing where the figure is shown
    for information only.
    """
    s = summary.set_index(["metric", "fy"])
    rows = []
    for p in published.itertuples(index=False):
        key = (p.metric, p.fy)
        if key in s.index:
            r = s.loc[key]
            mean, lo, hi, p05, p95 = r["mean"], r["ci_low"], r["ci_high"], r["p05"], r["p95"]
        else:
            mean = lo = hi = p05 = p95 = np.nan
        diff = mean - p.published
        pct = 100 * diff / p.published if p.published else np.nan
        if pd.isna(p.tolerance):
            within, tol = pd.NA, ""
        elif p.tolerance_unit == "pct":
            within, tol = bool(abs(pct) <= p.tolerance), f"±{p.tolerance:g}%"
        else:
            within, tol = bool(abs(diff) <= p.tolerance), f"±{p.tolerance:g} points"
        rows.append({
            "metric": p.metric, "fy": p.fy, "published": p.published,
            "simulated": mean, "ci_low": lo, "ci_high": hi, "p05": p05, "p95": p95,
            "difference": diff, "difference_pct": pct, "tolerance": tol,
            "within_tolerance": within, "source": p.source,
        })
    return pd.DataFrame(rows)


def _f(x: float) -> str:
    if pd.isna(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def to_markdown(table: pd.DataFrame, title: str, command: str, note: str = "") -> str:
    """The comparison as a Markdown page (what the README links)."""
    lines = [
        f"# {title}", "",
        f"Regenerate with `{command}`.", "",
        "Simulated: mean over replications, its 95% confidence interval, and the 5th-95th "
        "percentile of single replications (the spread one year could show). Workforce "
        "figures are 30 September snapshots filed under the financial year that contains "
        "them (30 Sept 2019 → 2019-20); children's figures are years to 31 March.", "",
    ]
    if note:
        lines += [note, ""]
    lines += [
        "| measure | year | published | simulated | 95% CI | 5th–95th pct | difference "
        "| tolerance | within |",
        "|---|---|---:|---:|---|---|---:|---|---|",
    ]
    for r in table.itertuples(index=False):
        within = "" if pd.isna(r.within_tolerance) else ("yes" if r.within_tolerance else
                                                         "**no**")
        unit = "%" if r.tolerance.endswith("%") or not r.tolerance else " pts"
        diff = (f"{r.difference_pct:+.1f}%" if unit == "%" else f"{r.difference:+.1f} pts")
        lines.append(
            f"| {r.metric} | {r.fy} | {_f(r.published)} | {_f(r.simulated)} | "
            f"{_f(r.ci_low)}–{_f(r.ci_high)} | {_f(r.p05)}–{_f(r.p95)} | {diff} | "
            f"{r.tolerance} | {within} |"
        )
    lines += ["", "Sources:", ""]
    for r in table.itertuples(index=False):
        lines.append(f"- {r.metric} {r.fy}: {r.source}")
    return "\n".join(lines) + "\n"
