"""Plots of the weekly series, each with a band across replications."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

from sim.outputs.tables import weekly_bands

BAND_NOTE = "line: mean of replications; band: 5th-95th percentile of replications"

PLOTS = {
    "caseload.png": ("Cases per case-holding social worker", "cases per FTE",
                     {"caseload_mean": "mean caseload"}),
    "unallocated.png": ("Cases waiting for a social worker (unallocated)", "cases",
                        {"unallocated": "unallocated cases"}),
    "workforce.png": ("Social workers in post by type", "FTE",
                      {"fte_experienced": "experienced (permanent)",
                       "fte_newly_qualified": "newly qualified (permanent)",
                       "fte_agency": "agency"}),
}


def _series(ax, bands: pd.DataFrame, metric: str, label: str, color=None) -> None:
    b = bands[bands["metric"] == metric]
    x = pd.to_datetime(b["week"])
    line, = ax.plot(x, b["mean"], label=label, color=color, lw=1.8)
    ax.fill_between(x, b["p05"], b["p95"], color=line.get_color(), alpha=0.2, lw=0)


def _style(ax, title: str, ylabel: str, subtitle: str) -> None:
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold", pad=20)
    ax.text(0, 1.015, subtitle, transform=ax.transAxes, fontsize=8.5, color="0.35",
            va="bottom")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(mdates.YearLocator(month=4))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def write_plots(weekly: pd.DataFrame, out: Path, scenario_name: str) -> list[Path]:
    """Write the run's PNG plots into ``out``; return their paths."""
    bands = weekly_bands(weekly)
    n = weekly["replication"].nunique()
    paths = []
    for fname, (title, ylabel, series) in PLOTS.items():
        fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
        for metric, label in series.items():
            _series(ax, bands, metric, label)
        _style(ax, f"{title} — {scenario_name}", ylabel,
               f"{n} replications; {BAND_NOTE}")
        if len(series) > 1:
            ax.legend(frameon=False, loc="lower left")
        fig.tight_layout()
        path = out / fname
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths
