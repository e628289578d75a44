"""The app's charts: the only place the app calls ``sim/outputs/plots``, whose chart
functions it shares with the PNGs and the report."""

from __future__ import annotations

from typing import NamedTuple

from sim.experiment.runner import Results
from sim.outputs.comparison import Comparison
from sim.outputs.plots import Chart, Source, caseload_chart, workforce_chart
from sim.outputs.plots import differences_chart as _differences

DIFFERENCE_MEASURES = ["worker_changes_per_child", "caseload_per_fte", "unallocated_mean",
                       "inpost_fte", "agency_rate", "cla_31mar"]
# unallocated cases, near nil in West Sussex, are in the table rather than a chart


def differences_chart(comp: Comparison) -> Chart:
    """The paired differences by year, with 95% intervals and the range of single runs."""
    return _differences(comp.table, Source.of(comp.results[comp.base]), DIFFERENCE_MEASURES)


def series_charts(results: dict[str, Results]) -> list[Chart]:
    """Caseload and workforce week by week, every scenario in one chart each."""
    weekly = {k: r.weekly for k, r in results.items()}
    source = Source.of(next(iter(results.values())))
    return [caseload_chart(weekly, source), workforce_chart(weekly, source)]


class Picture(NamedTuple):
    """A chart drawn as PNG, ready for the page (drawn on the worker thread, once a run)."""

    png: bytes
    title: str
    alt: str


def draw(chart: Chart) -> Picture:
    return Picture(chart.png(), chart.title, chart.alt)
