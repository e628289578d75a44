"""What the API's functions return: results to look at (pandas tables), to draw
(``figures()``: name -> matplotlib ``Figure``, the charts the commands write as PNGs, named
by their files without ``.png``; ``charts()`` the same with each chart's title and a plain
description) and to keep (``save(directory)``: what the command writes, under the same
names, all at once, with the marker that lets ``--force`` and ``force=True`` replace it).

A directory that holds earlier results is replaced only with ``force=True``
(``FileExistsError`` otherwise); one that holds anything sim did not write is never
replaced (``sim.outputs.ownership.OutputError``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.experiment.backtest import Backtest
from sim.experiment.calibration import Fit
from sim.experiment.runner import Results
from sim.experiment.sweep import GridPoint
from sim.model.measures import HEADLINE_METRICS
from sim.outputs.assumptions import chain_sources, scenario_yaml
from sim.outputs.comparison import DRIVER_METRICS, Comparison
from sim.outputs.console import option_labels
from sim.outputs.files import (
    has_results,
    write_backtest,
    write_calibration,
    write_comparison,
    write_results,
    write_scenario_file,
    write_sweep,
)
from sim.outputs.finance import OUTCOMES
from sim.outputs.ownership import check_destination
from sim.scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.outputs.plots import Chart


def _named(charts: Mapping[str, Chart]) -> dict[str, Chart]:
    return {Path(k).stem: c for k, c in charts.items()}


def _destination(directory: str | Path, force: bool) -> Path:
    """Where to save: refused if sim may not write there, or if it holds earlier results
    and ``force`` is not set."""
    out = check_destination(Path(directory))
    if has_results(out) and not force:
        raise FileExistsError(f"{out} holds the results of an earlier run; pass force=True "
                              "to replace them, or choose another directory")
    return out


def _yaml(scenario: Scenario, source: Path | None) -> str:
    """``scenario.yaml``: the resolved scenario, with the sources its file gives."""
    return scenario_yaml(scenario, chain_sources(source) if source is not None else None)


class Figures:
    """``figures()`` from ``charts()``."""

    def charts(self) -> dict[str, Chart]:  # pragma: no cover - each class has its own
        raise NotImplementedError

    def figures(self) -> dict[str, Figure]:
        """Each chart's matplotlib ``Figure``, by name (its file's name without ``.png``)."""
        return {name: c.figure for name, c in self.charts().items()}


@dataclass
class RunResults(Results, Figures):
    """One scenario's replications (``sim run``): the tables of ``Results`` (``annual``,
    ``weekly``, ``parameters``, ``budget``, ``summary()``, ``budget_summary()``), its
    charts, and ``save``."""

    source: Path | None = None  # the scenario's file, whose comments are its sources

    @classmethod
    def of(cls, results: Results, source: Path | None = None) -> RunResults:
        return cls(**{f.name: getattr(results, f.name) for f in fields(Results)},
                   source=source)

    def charts(self) -> dict[str, Chart]:
        """``caseload``, ``unallocated``, ``workforce``: as ``sim run``'s PNGs."""
        from sim.outputs.plots import run_charts

        return _named(run_charts(self))

    def series_chart(self, metrics: Sequence[str], title: str) -> Chart:
        """Any weekly measures (``WEEKLY_METRICS``) over time, with their spread."""
        from sim.outputs.plots import Source, series_chart

        return series_chart({self.scenario.name: self.weekly}, metrics, title,
                            Source.of(self))

    def budget_by_year(self) -> pd.DataFrame:
        """Spending lines down, financial years across (cash, £), then the present value."""
        from sim.outputs.excel import budget_by_year

        return budget_by_year(self.budget_summary())

    def save(self, directory: str | Path, *, xlsx: bool = False, report: bool = False,
             force: bool = False) -> Path:
        """Write what ``sim run`` writes (``RESULT_FILES``; with ``xlsx`` ``results.xlsx``,
        with ``report`` ``report.html``) into ``directory``; the directory written.

        >>> import sim, tempfile
        >>> res = sim.run("scenarios/retention.yaml", replications=1, jobs=1,
        ...               overrides={"run.horizon_years": 1})
        >>> out = res.save(Path(tempfile.mkdtemp()) / "retention")
        >>> sorted(p.name for p in out.iterdir())[:4]
        ['.sim-results.json', 'annual.csv', 'budget.csv', 'budget_summary.csv']
        >>> res.save(out)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        FileExistsError: ... holds the results of an earlier run; pass force=True ...
        """
        return write_results(self, _destination(directory, force), xlsx, report,
                             yaml_text=_yaml(self.scenario, self.source))


class ComparisonResults(Comparison, Figures):
    """Scenarios run on common random numbers (``sim compare``): the tables of
    ``Comparison`` (``table``, ``differences``, ``drivers``, ``parameters``, ``costs``,
    ``cost_effectiveness``, and ``results``: each scenario's ``RunResults``), charts,
    and ``save``."""

    def __init__(self, results: Mapping[str, Results], base: str | None = None,
                 sources: Mapping[str, Path | None] | None = None) -> None:
        sources = sources or {}
        super().__init__({k: RunResults.of(r, sources.get(k)) for k, r in results.items()},
                         base)

    def summary(self) -> pd.DataFrame:
        """As ``comparison.csv``: each scenario's means and its differences from the base."""
        return self.table

    def charts(self, headline: Sequence[str] = HEADLINE_METRICS,
               drivers_fy: str | None = None) -> dict[str, Chart]:
        """As ``sim compare``'s PNGs: ``compare_caseload``, ``compare_unallocated``,
        ``compare_workforce``, ``compare_open_cases``, ``compare_differences_weekly``,
        ``compare_differences`` (the ``headline`` measures) and ``drivers_<scenario>``
        (each measure in ``drivers_fy`` or the year its difference is clearest)."""
        from sim.outputs.plots import comparison_charts

        return _named(comparison_charts(self, headline, drivers_fy))

    def figures(self, headline: Sequence[str] = HEADLINE_METRICS,
                drivers_fy: str | None = None) -> dict[str, Figure]:
        """Each chart's ``Figure``, by name (see ``charts``)."""
        return {k: c.figure for k, c in self.charts(headline, drivers_fy).items()}

    def series_chart(self, metrics: Sequence[str], title: str) -> Chart:
        """Any weekly measures of every scenario over time, with their spread."""
        from sim.outputs.plots import Source, series_chart

        return series_chart({k: r.weekly for k, r in self.results.items()}, metrics, title,
                            Source.of(self.results[self.base]))

    def differences_chart(self, metrics: Sequence[str] = HEADLINE_METRICS) -> Chart:
        """Each scenario's yearly differences from the base in ``metrics``, with intervals."""
        from sim.outputs.plots import Source, differences_chart

        return differences_chart(self.table, Source.of(self.results[self.base]), metrics)

    def drivers_chart(self, scenario: str, metrics: Sequence[str] = DRIVER_METRICS[:4],
                      fy: str | None = None) -> Chart | None:
        """Which uncertain effects drive ``scenario``'s differences from the base; None when
        there are too few replications to say."""
        from sim.outputs.plots import Source, drivers_chart

        return drivers_chart(self.drivers, self.table, scenario,
                             Source.of(self.results[self.base]), metrics, fy)

    def save(self, directory: str | Path, *, drivers_fy: str | None = None,
             xlsx: bool = False, report: bool = False, force: bool = False) -> Path:
        """Write what ``sim compare`` writes (``COMPARISON_FILES``, ``drivers_*.png`` and a
        directory of each scenario's results) into ``directory``; the directory written."""
        from sim.outputs.report import LABELS

        texts = {k: _yaml(r.scenario, getattr(r, "source", None))
                 for k, r in self.results.items()}
        return write_comparison(self, _destination(directory, force), LABELS,
                                list(HEADLINE_METRICS), drivers_fy, self.precision, xlsx,
                                report, yaml_texts=texts)


@dataclass
class SweepResults(Figures):
    """A grid of budget options on common random numbers (``sim sweep``)."""

    table: pd.DataFrame  # as sweep.csv: each option's measures and differences from the first
    frontier: pd.DataFrame  # as frontier.csv: costs, what they buy, which options are best
    points: list[GridPoint]  # each option: its label (p0, p1...), values and scenario
    results: dict[str, Results]  # each option's replications, by label
    scenario: Scenario  # the base the options change
    outcome: str  # what the frontier weighs cost against
    seed: int
    replications: int
    fixed_parameters: bool = False
    source: Path | None = None  # the base's file
    wall_seconds: float = 0.0

    @property
    def labels(self) -> dict[str, str]:
        """Each option's label (``p0``...) -> the values it sets (``annual_spend=1,000,000``)."""
        return option_labels(self.points)

    def summary(self) -> pd.DataFrame:
        """The frontier table with each option's values in words (``option``) first."""
        return self.frontier.assign(option=self.frontier.point.map(self.labels))[
            ["option", *self.frontier.columns]]

    def _meta(self) -> dict:
        return {"scenario": self.scenario.name, "replications": self.replications,
                "seed": self.seed, "outcome": self.outcome,
                "fixed_parameters": self.fixed_parameters, "command": None,
                "council": self.scenario.council}

    def charts(self) -> dict[str, Chart]:
        """``sweep_frontier``: as ``sim sweep``'s PNG."""
        from sim.outputs.plots import Source, sweep_charts

        return _named(sweep_charts(self.frontier, {p.label: p.values for p in self.points},
                                   self.outcome, Source(self.scenario.council,
                                                        self.replications, self.seed),
                                   self.scenario.name))

    def save(self, directory: str | Path, *, xlsx: bool = False, report: bool = False,
             force: bool = False) -> Path:
        """Write what ``sim sweep`` writes (``SWEEP_FILES``) into ``directory``."""
        return write_sweep(self.table, self.frontier, self.points,
                           _destination(directory, force), self.labels,
                           OUTCOMES[self.outcome][3], self._meta(), xlsx, report,
                           scenario=self.scenario,
                           yaml_text=_yaml(self.scenario, self.source))


@dataclass
class BacktestResults(Figures):
    """Councils simulated from a past year against what was published (``sim backtest``)."""

    backtest: Backtest  # table (backtest.csv), skipped (council -> why), wall_seconds
    council: str | None  # the one council, or None for every council
    from_year: int
    years: int
    seed: int
    command: str = ""  # the command that regenerates it, for league_table.md

    @property
    def table(self) -> pd.DataFrame:
        """As ``backtest.csv``: one row per council, indicator and year ahead."""
        return self.backtest.table

    @property
    def skipped(self) -> dict[str, str]:
        """Councils whose figures could not make a scenario, and why."""
        return self.backtest.skipped

    def summary(self) -> pd.DataFrame:
        """As ``league_table.csv``: errors by indicator and year ahead, against the naive
        forecast's."""
        from sim.experiment.backtest import league_table

        return league_table(self.table)

    def charts(self) -> dict[str, Chart]:
        """``backtest`` (a council's published history and the forecast), for one council
        only."""
        from sim.outputs.plots import Source, backtest_charts

        if self.council is None:
            return {}
        return _named(backtest_charts(self.table, self.council, self.from_year, self.years,
                                      Source(self.council, self.backtest.replications,
                                             self.seed)))

    def save(self, directory: str | Path, *, force: bool = False) -> Path:
        """Write what ``sim backtest`` writes (``BACKTEST_FILES``) into ``directory``."""
        return write_backtest(self.backtest, _destination(directory, force), self.council,
                              self.from_year, self.years, self.seed, self.command)


@dataclass
class Calibration:
    """The unpublished rates fitted to a council's first published year
    (``sim calibrate``)."""

    fit: Fit  # scenario (calibrated), overrides, table, notes
    source: Path  # the scenario file it extends
    council: str
    year: int

    @property
    def table(self) -> pd.DataFrame:
        """Each indicator: published, simulated mean and 5th-95th percentile, error."""
        return self.fit.table

    @property
    def scenario(self) -> Scenario:
        """The calibrated scenario."""
        return self.fit.scenario

    @property
    def overrides(self) -> dict:
        """The fitted values, by dotted path."""
        return self.fit.overrides

    @property
    def notes(self) -> list[str]:
        return self.fit.notes

    def summary(self) -> pd.DataFrame:
        return self.table

    def save(self, path: str | Path | None = None, *, force: bool = False) -> Path:
        """Write the calibrated scenario (a file that extends the original; by default
        ``<scenario>_calibrated.yaml`` beside it) and its fit table (``.fit.csv``); the
        scenario file."""
        out = Path(path) if path is not None else \
            self.source.with_name(self.source.stem + "_calibrated.yaml")
        if out.exists() and not force:
            raise FileExistsError(f"{out} exists; choose another file or pass force=True")
        return write_calibration(self.fit, self.source, out, self.council, self.year)


@dataclass
class CouncilScenario:
    """A baseline scenario for an English council from its published figures
    (``sim init``)."""

    council: str
    year: int
    yaml: str  # the scenario file's text, its values commented with their sources
    notes: list[str] = field(default_factory=list)  # where a figure fell back or was clipped
    warnings: list[str] = field(default_factory=list)  # costs outside the published range

    @property
    def scenario(self) -> Scenario:
        """The scenario, validated: ready for ``run``, ``compare`` or ``sweep``."""
        import yaml

        return Scenario.model_validate(yaml.safe_load(self.yaml))

    @property
    def name(self) -> str:
        return self.scenario.name

    def save(self, path: str | Path | None = None, *, force: bool = False) -> Path:
        """Write the scenario file (by default ``scenarios/<name>.yaml``); the file."""
        out = Path(path) if path is not None else Path("scenarios") / f"{self.name}.yaml"
        if out.exists() and not force:
            raise FileExistsError(f"{out} exists; choose another file or pass force=True")
        return write_scenario_file(self.yaml, out)
