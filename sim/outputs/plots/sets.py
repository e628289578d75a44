"""The charts each kind of results directory holds, by file name: built once here, so the
PNGs the commands write and the figures the Python API returns are the same charts.

Each ``*_charts`` function returns ``{file name: Chart}`` (``caseload.png``...), in the order
the files are written; ``save_charts`` writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.runner import Results
from sim.model.measures import HEADLINE_METRICS
from sim.outputs.comparison import DRIVER_METRICS, Comparison
from sim.outputs.plots.backtest import backtest_chart
from sim.outputs.plots.differences import differences_chart, drivers_chart
from sim.outputs.plots.options import frontier_chart
from sim.outputs.plots.series import (
    caseload_chart,
    open_cases_chart,
    unallocated_chart,
    weekly_differences_chart,
    workforce_chart,
)
from sim.outputs.plots.style import Chart, Source


def save_charts(charts: Mapping[str, Chart], out: Path) -> list[Path]:
    """Write each chart under its file name in ``out``."""
    for fname, chart in charts.items():
        chart.save(out / fname)
    return [out / fname for fname in charts]


def run_charts(results: Results) -> dict[str, Chart]:
    """A run's charts: ``caseload.png``, ``unallocated.png``, ``workforce.png``."""
    name = results.scenario.name
    weekly = {name: results.weekly}
    source = Source.of(results)
    return {"caseload.png": caseload_chart(weekly, source),
            "unallocated.png": unallocated_chart(weekly, source, {name: results.scenario}),
            "workforce.png": workforce_chart(weekly, source)}


def comparison_series_charts(results: Mapping[str, Results]) -> dict[str, Chart]:
    """A comparison's weekly charts (``compare_*.png`` and
    ``compare_differences_weekly.png``); ``results``: name -> Results, the base first."""
    weekly = {k: r.weekly for k, r in results.items()}
    source = Source.of(next(iter(results.values())))
    return {
        "compare_caseload.png": caseload_chart(weekly, source),
        "compare_unallocated.png": unallocated_chart(
            weekly, source, {k: r.scenario for k, r in results.items()}),
        "compare_workforce.png": workforce_chart(weekly, source),
        "compare_open_cases.png": open_cases_chart(weekly, source),
        "compare_differences_weekly.png": weekly_differences_chart(weekly, source),
    }


def comparison_charts(comp: Comparison, headline: Sequence[str] = HEADLINE_METRICS,
                      drivers_fy: str | None = None) -> dict[str, Chart]:
    """Every chart of a comparison: the weekly ones, the yearly differences in the
    ``headline`` measures (``compare_differences.png``) and, for each scenario but the base,
    what drives its differences (``drivers_<scenario>.png``, when there are drivers)."""
    charts = comparison_series_charts(comp.results)
    source = Source.of(comp.results[comp.base])
    charts["compare_differences.png"] = differences_chart(comp.table, source, headline)
    for name in comp.names:
        if name != comp.base:
            chart = drivers_chart(comp.drivers, comp.table, name, source,
                                  DRIVER_METRICS[:4], drivers_fy)
            if chart is not None:
                charts[f"drivers_{name}.png"] = chart
    return charts


def sweep_charts(front: pd.DataFrame, values: Mapping[str, Mapping[str, Any]], outcome: str,
                 source: Source, scenario: str | None = None) -> dict[str, Chart]:
    """A sweep's chart: ``sweep_frontier.png``."""
    return {"sweep_frontier.png": frontier_chart(front, values, outcome, source, scenario)}


def backtest_charts(table: pd.DataFrame, council: str, from_year: int, years: int,
                    source: Source) -> dict[str, Chart]:
    """A council's back-test chart (``backtest.png``), with its published history from three
    years before the start."""
    from sim.data import dfe
    from sim.experiment.backtest import INDICATORS

    hist = {m: {y: dfe.figure(council, p, str(y), fallback=False).value
                for y in range(from_year - 3, from_year + years + 1)}
            for m, p, *_ in INDICATORS}
    return {"backtest.png": backtest_chart(table, council, hist, source)}


def write_plots(results: Results, out: Path) -> list[Path]:
    """Write a run's PNGs (``caseload.png``, ``unallocated.png``, ``workforce.png``)."""
    return save_charts(run_charts(results), out)


def write_comparison_series(results: Mapping[str, Results], out: Path) -> list[Path]:
    """Write a comparison's weekly PNGs (``compare_*.png`` and
    ``compare_differences_weekly.png``); ``results``: name -> Results, the base first."""
    return save_charts(comparison_series_charts(results), out)
