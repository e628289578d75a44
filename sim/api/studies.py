"""The rest of what the ``sim`` commands do: ``sweep`` (a grid of budget options),
``backtest`` (simulate councils from a past year against what was published), ``calibrate``
(fit the unpublished rates), ``init_council`` and ``councils`` (a scenario for any English
council), ``report`` (a results directory's HTML report) and ``load_results`` (read back a
results directory).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.api.results import (
    BacktestResults,
    Calibration,
    ComparisonResults,
    CouncilScenario,
    RunResults,
    SweepResults,
)
from sim.api.runs import ScenarioLike, load_scenario, source_of
from sim.experiment.backtest import LAST_PUBLISHED
from sim.experiment.executors import PROCESS, ExecutorSpec
from sim.experiment.guards import pre_run
from sim.experiment.runner import Progress, default_jobs, run_many
from sim.outputs.files import backtest_command
from sim.outputs.finance import OUTCOMES
from sim.scenario import Scenario, with_overrides


def sweep(scenario: ScenarioLike, sets: Mapping[str, Sequence[Any]] | Sequence[str],
          replications: int | None = None, seed: int | None = None, jobs: int | None = None,
          outcome: str = "worker_changes", fixed_parameters: bool = False,
          overrides: Mapping[str, Any] | None = None, progress: Progress | None = None,
          executor: ExecutorSpec = PROCESS) -> SweepResults:
    """Run a grid of budget options on common random numbers: every combination of the
    values in ``sets`` (dotted path -> values, or ``"PATH=V1,V2"`` strings as ``--set``
    takes them), the first varying slowest. ``outcome`` is what the frontier weighs cost
    against: ``worker_changes``, ``unallocated_case_days`` or ``caseload_mean``.

    Returns ``SweepResults``: ``table`` (as ``sweep.csv``), ``frontier`` (as
    ``frontier.csv``), ``summary()`` (the frontier with each option in words),
    ``figures()`` and ``save(directory)``.

    >>> sw = sweep("scenarios/retention.yaml",
    ...            {"interventions.retention.annual_spend": [0, 2500000]},
    ...            replications=1, jobs=1, overrides={"run.horizon_years": 1})
    >>> list(sw.summary().option)
    ['annual_spend=0', 'annual_spend=2,500,000']
    >>> list(sw.figures())
    ['sweep_frontier']
    """
    from sim.experiment.sweep import grid, parse_set
    from sim.outputs.sweep import frontier, sweep_table

    if outcome not in OUTCOMES:
        raise ValueError(f"outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    base = with_overrides(base, overrides) if overrides else base
    pairs = list(sets.items()) if isinstance(sets, Mapping) else [parse_set(s) for s in sets]
    points = grid(base, [(path, list(values)) for path, values in pairs])
    n = replications or base.run.replications
    seed = base.run.seed if seed is None else seed
    pre_run({p.label: p.scenario for p in points}, n, jobs or default_jobs(), executor)
    results = run_many({p.label: p.scenario for p in points}, n, seed,
                       min(jobs or default_jobs(), n * len(points)), progress,
                       fixed_parameters, executor)
    table = sweep_table(results, {p.label: p.values for p in points},
                        base.costs.discount_rate_pct)
    return SweepResults(table, frontier(table, outcome), points, results, base, outcome, seed,
                        n, fixed_parameters, source_of(scenario),
                        results[points[0].label].wall_seconds)


def backtest(council: str | None = None, from_year: int = 2019, years: int = 3,
             replications: int = 20, seed: int = 1, jobs: int | None = None,
             all_councils: bool = False, progress: Progress | None = None,
             executor: ExecutorSpec = PROCESS) -> BacktestResults:
    """Start from a council's published state on 1 April ``from_year`` (or every council's,
    with ``all_councils``), simulate ``years`` years with only what was known then, and
    compare with what was published, beside the naive forecast "as in the start year".

    Returns ``BacktestResults``: ``table`` (as ``backtest.csv``), ``summary()`` (the league
    table), ``skipped`` (councils that could not be simulated, and why), ``figures()`` (one
    council's chart) and ``save(directory)``.

    >>> bt = backtest("West Sussex", from_year=2019, years=1, replications=2, jobs=1)
    ... # doctest: +SKIP
    >>> bt.table.indicator.iloc[0], int(bt.table.period.iloc[0])  # doctest: +SKIP
    ('referrals', 2020)
    >>> list(bt.figures())  # doctest: +SKIP
    ['backtest']
    """
    from sim.data import dfe
    from sim.experiment.backtest import backtest_scenarios, run_backtest

    if from_year + years > LAST_PUBLISHED:
        raise ValueError(f"years: published figures end in {LAST_PUBLISHED}; from {from_year} "
                         f"at most {LAST_PUBLISHED - from_year} years")
    if all_councils == (council is not None):
        raise ValueError("backtest needs either a council or all_councils=True")
    councils = dfe.councils(str(from_year)) if all_councils else [dfe.resolve(str(council))]
    prepared = backtest_scenarios(councils, from_year, years)
    pre_run(prepared[0], replications + 8, jobs or default_jobs(), executor, paired=False)
    bt = run_backtest(councils, from_year, years, replications, seed,
                      jobs or default_jobs(), progress, executor=executor, prepared=prepared)
    if bt.table.empty:
        raise ValueError(f"{councils[0]}: {bt.skipped.get(councils[0], 'nothing to compare')}")
    one = None if all_councils else councils[0]
    return BacktestResults(bt, one, from_year, years, seed,
                           backtest_command(one, from_year, years, replications))


def calibrate(scenario: str | Path, year: int | None = None, replications: int = 6,
              jobs: int | None = None, final_replications: int = 20,
              progress: Progress | None = None) -> Calibration:
    """Fit the rates a council does not publish (leaving, filling vacancies, agency cover,
    pathway shares, durations) so that the scenario's first simulated year matches the
    published figures of its ``council:``. ``year``, if given, must be the scenario's start
    (1 April); ``replications`` per round of the fit, ``final_replications`` for the table
    of the fitted scenario against the published figures.

    Returns a ``Calibration``: ``table`` (each indicator: published, simulated, error),
    ``overrides`` (the fitted values), ``scenario`` (the calibrated scenario), ``notes``, and
    ``save(path)``, which writes a scenario file that extends the original.

    >>> fit = calibrate("scenarios/baseline.yaml", 2019, replications=2, jobs=1)
    ... # doctest: +SKIP
    >>> list(fit.table.columns)  # doctest: +SKIP
    ['indicator', 'fy', 'published_period', 'published', 'simulated', 'p05', 'p95', 'error', \
'error_unit']
    """
    from sim.data import dfe
    from sim.experiment.calibration import calibrate as fit_rates

    sc = load_scenario(scenario)
    if sc.council is None:
        raise ValueError(f"{scenario}: council: the scenario does not say which council it "
                         "represents (add `council: NAME`)")
    start = sc.run.start_date
    if year is not None and (start.year != year or (start.month, start.day) != (4, 1)):
        raise ValueError(f"year: {scenario} starts on {start}, not 1 April {year}")
    council = dfe.resolve(sc.council)
    pre_run({sc.name: sc}, max(replications, final_replications), jobs or default_jobs())
    fit = fit_rates(sc, council, start.year, reps=replications, jobs=jobs or default_jobs(),
                    final_reps=final_replications, progress=progress)
    return Calibration(fit, Path(scenario), council, start.year)


def councils() -> list[str]:
    """Every English council with published figures, by its published name.

    >>> "West Sussex" in councils()
    True
    """
    from sim.data import dfe

    return list(dfe.councils())


def init_council(council: str, year: int) -> CouncilScenario:
    """A baseline scenario for an English council from its published figures, starting on
    1 April ``year`` (``sim init``). Returns a ``CouncilScenario``: ``yaml`` (the file's
    text, every value with its source), ``scenario`` (validated, ready to run), ``notes``
    (figures that fell back to the region or England, or were clipped), ``warnings`` and
    ``save(path)``.

    >>> west = init_council("west sussex", 2019)
    >>> west.council, west.name, west.scenario.run.start_date.isoformat()
    ('West Sussex', 'west_sussex_2019', '2019-04-01')
    """
    from sim.data import dfe
    from sim.scenario.council import council_scenario

    name = dfe.resolve(council)
    built = council_scenario(name, year)
    return CouncilScenario(name, year, built.yaml, list(built.notes), list(built.warnings))


def report(directory: str | Path, pdf: bool = False) -> list[Path]:
    """Write ``report.html`` (and with ``pdf`` ``report.pdf``) into a results directory
    written by ``run``, ``compare`` or ``sweep`` (or their ``save``); the files written.
    ``sim.outputs.saved.NotResults`` if the directory holds no such results."""
    from sim.outputs.report_html import write_report

    return write_report(Path(directory), pdf)


def load_results(directory: str | Path) -> RunResults | ComparisonResults:
    """Read back the results of a run or a comparison from the directory ``sim run`` or
    ``sim compare`` (or ``save``) wrote: the same tables, charts and ``save``."""
    from sim.outputs.saved import COMPARISON, SWEEP, kind_of, load_comparison, load_run

    d = Path(directory)
    kind = kind_of(d)
    if kind == SWEEP:
        raise ValueError(f"{d} holds a sweep: its tables are sweep.csv and frontier.csv")
    if kind == COMPARISON:
        comp, _ = load_comparison(d)
        out = ComparisonResults(comp.results, comp.base)
        out.precision = comp.precision
        return out
    return RunResults.of(load_run(d))
