"""Every figure sim draws: the PNGs of ``sim run``, ``sim compare`` and ``sim sweep``, and
the charts of the HTML report, built by the same functions.

Each ``*_chart`` function takes result tables (DataFrames, as the results directory holds
them) and a ``Source`` (council, replications, seed: the figure's source line), and returns a
``Chart``: the matplotlib ``Figure``, its title, and ``alt``, a plain-English description of
what it shows, generated from the data. The ``write_*`` functions save them under the file
names of ``sim/outputs/files.py``.

- ``series.py``: weekly measures of one or several scenarios (``caseload_chart``,
  ``unallocated_chart``, ``workforce_chart``, ``open_cases_chart``, ``series_chart``) and
  weekly differences (``weekly_differences_chart``);
- ``differences.py``: yearly differences from the base (``differences_chart``) and what
  drives them (``drivers_chart``);
- ``options.py``: a sweep's budget options (``frontier_chart``);
- ``backtest.py``: a council's back-test (``backtest_chart``);
- ``sets.py``: the charts of each kind of results directory, by file name
  (``run_charts``, ``comparison_charts``, ``sweep_charts``, ``backtest_charts``): what the
  commands save as PNGs (``save_charts``, ``write_plots``) and the Python API returns;
- ``style.py``: what they share: ``Chart``, ``Source``, each scenario's colour and line
  (``scenario_styles``: the base black, then Okabe and Ito's colour-blind-safe palette, in
  the scenarios' order), and the frame (title, legend, notes and source line).

Figures use matplotlib's object API (``Figure``), never pyplot: no global state, no
window, and a notebook shows the figure a function returns (``chart.figure``).
"""

from sim.outputs.plots.backtest import backtest_chart
from sim.outputs.plots.differences import (
    clearest_year,
    differences_chart,
    drivers_chart,
    write_differences,
    write_drivers,
)
from sim.outputs.plots.options import frontier_chart, write_frontier
from sim.outputs.plots.series import (
    caseload_chart,
    open_cases_chart,
    series_chart,
    unallocated_chart,
    weekly_differences_chart,
    workforce_chart,
)
from sim.outputs.plots.sets import (
    backtest_charts,
    comparison_charts,
    comparison_series_charts,
    run_charts,
    save_charts,
    sweep_charts,
    write_comparison_series,
    write_plots,
)
from sim.outputs.plots.style import Chart, Source, scenario_colours, scenario_styles

__all__ = [
    "Chart", "Source", "backtest_chart", "backtest_charts", "caseload_chart", "clearest_year",
    "comparison_charts", "comparison_series_charts", "differences_chart", "drivers_chart",
    "frontier_chart", "open_cases_chart", "run_charts", "save_charts", "scenario_colours",
    "scenario_styles", "series_chart", "sweep_charts", "unallocated_chart",
    "weekly_differences_chart", "workforce_chart", "write_comparison_series",
    "write_differences", "write_drivers", "write_frontier", "write_plots",
]
