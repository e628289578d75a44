"""The app's charts: the only place the app calls ``sim/outputs/plots.py``, so a change of
that module's figures (to ``Chart(figure, title, alt)`` objects) is made here alone."""

from __future__ import annotations

import io
from typing import Any, NamedTuple

from sim.experiment.runner import Results
from sim.outputs import labels
from sim.outputs.comparison import Comparison
from sim.outputs.plots import SERIES, differences_figure, series_figure

DIFFERENCE_MEASURES = ["worker_changes_per_child", "caseload_per_fte", "unallocated_mean",
                       "inpost_fte", "agency_rate", "cla_31mar"]
SERIES_SHOWN = ("compare_caseload.png", "compare_workforce.png")  # unallocated: in the table


class Chart(NamedTuple):
    figure: Any  # a matplotlib Figure
    title: str
    alt: str  # what the chart shows, for a screen reader


def differences_chart(comp: Comparison) -> Chart:
    """The paired differences by year, with 95% intervals and the range of single runs."""
    names = {m: labels.short(m) for m in DIFFERENCE_MEASURES}
    fig = differences_figure(comp.table, DIFFERENCE_MEASURES, names)
    return Chart(fig, "Difference from the baseline, by year",
                 "For each of " + ", ".join(names.values()) + ": the average difference "
                 "from the baseline in each financial year, with its 95% interval and the "
                 "range of single runs.")


def series_charts(results: dict[str, Results]) -> list[Chart]:
    """Weekly series with bands, every scenario given in one chart."""
    weekly = {labels.scenario_title(k): r.weekly for k, r in results.items()}
    out = []
    for key in SERIES_SHOWN:
        title, ylabel, metrics = SERIES[key]
        fig = series_figure(weekly, metrics, title, ylabel)
        out.append(Chart(fig, title, f"{title}, week by week for "
                         f"{' and '.join(weekly)}: the mean of the runs and the band of "
                         "the 5th to 95th percentile."))
    return out


class Picture(NamedTuple):
    """A chart drawn as PNG, ready for the page (drawn on the worker thread, once a run)."""

    png: bytes
    title: str
    alt: str


def draw(chart: Chart) -> Picture:
    buf = io.BytesIO()
    chart.figure.savefig(buf, format="png")
    return Picture(buf.getvalue(), chart.title, chart.alt)
