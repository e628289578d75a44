"""Loading scenarios, running one (``sim run``) and comparing several (``sim compare``).

Every table has the same tidy shape as the file ``sim run`` or ``sim compare`` writes, so a
notebook can read either.

>>> import sim
>>> scenario = sim.load_scenario("scenarios/baseline.yaml")
>>> scenario.demand.referrals_per_year
9490.0
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.api.results import ComparisonResults, RunResults
from sim.experiment import arguments as check
from sim.experiment.executors import PROCESS, ExecutorSpec
from sim.experiment.guards import pre_run
from sim.experiment.replications import run_until_precise
from sim.experiment.runner import Progress, check_comparable, default_jobs, run_many
from sim.outputs.files import names_a_directory
from sim.scenario import Scenario, with_overrides
from sim.scenario import load_scenario as _load

ScenarioLike = Scenario | str | Path


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario file (following ``extends``), optionally changing
    fields by dotted path.

    Raises ``sim.scenario.ScenarioError`` with a one-line message naming the file and field.

    >>> s = load_scenario("scenarios/retention.yaml", {"run.horizon_years": 2})
    >>> s.run.horizon_years, s.interventions.retention.annual_spend
    (2.0, 2500000.0)
    """
    overrides = check.overrides(overrides)
    s = _load(path)
    return with_overrides(s, overrides, str(path)) if overrides else s


def _named(scenario: ScenarioLike, overrides: Mapping[str, Any] | None) -> tuple[str, Scenario]:
    if isinstance(scenario, Scenario):
        return scenario.name, with_overrides(scenario, overrides) if overrides else scenario
    return Path(scenario).stem, load_scenario(scenario, overrides)


def source_of(scenario: ScenarioLike) -> Path | None:
    """The file a scenario was read from (its comments are its values' sources), if any."""
    return None if isinstance(scenario, Scenario) else Path(scenario)


def run(scenario: ScenarioLike, replications: int | None = None, seed: int | None = None,
        jobs: int | None = None, fixed_parameters: bool = False,
        overrides: Mapping[str, Any] | None = None,
        progress: Progress | None = None, executor: ExecutorSpec | str = PROCESS
        ) -> RunResults:
    """Run a scenario's replications.

    Returns ``RunResults``: ``annual`` (replication, fy, metric, value), ``weekly``
    (replication, week, metric, value), ``parameters`` (replication, parameter, value)
    and ``summary()`` (fy, metric, mean, ci_low, ci_high, p05, p95) — the shapes of the
    files ``sim run`` writes; ``figures()`` its charts and ``save(directory)`` its files.
    ``replications`` and ``seed`` default to the scenario's own,
    ``jobs`` to all cores. ``fixed_parameters`` uses central values of the uncertain effects.
    ``executor`` chooses where replications run (``"process"``, ``"dask"`` or
    ``ExecutorSpec("dask", "tcp://…")``). Arguments are checked as the command line checks
    its options: a bad one raises ``ValueError`` (or ``TypeError``) in one line naming it.

    >>> res = run("scenarios/baseline.yaml", replications=2, jobs=1,
    ...           overrides={"run.horizon_years": 1})
    >>> list(res.annual.columns)
    ['replication', 'fy', 'metric', 'value']
    >>> referrals = res.summary().query("metric == 'referrals' and fy == '2019-20'")
    >>> round(float(referrals["mean"].iloc[0]), -3)  # two draws of the level; published 9,993
    9000.0
    >>> sorted(res.figures())
    ['caseload', 'unallocated', 'workforce']
    """
    check.scenario("scenario", scenario)
    replications, seed, jobs = (check.replications(replications), check.seed(seed),
                                check.jobs(jobs))
    check.flag("fixed_parameters", fixed_parameters)
    overrides, progress = check.overrides(overrides), check.progress(progress)
    executor = check.executor(executor)
    _, sc = _named(scenario, overrides)
    n = sc.run.replications if replications is None else replications
    pre_run({sc.name: sc}, n, jobs or default_jobs(), executor)  # as `sim run` checks
    return RunResults.of(run_many({sc.name: sc}, n, sc.run.seed if seed is None else seed,
                                  min(jobs or default_jobs(), n), progress, fixed_parameters,
                                  executor)[sc.name], source_of(scenario))


def compare(*scenarios: ScenarioLike, replications: int | None = None,
            seed: int | None = None, jobs: int | None = None, fixed_parameters: bool = False,
            precision: float | None = None, max_replications: int = 200,
            overrides: Mapping[str, Any] | None = None,
            progress: Progress | None = None, executor: ExecutorSpec | str = PROCESS
            ) -> ComparisonResults:
    """Run scenarios on common random numbers and compare each with the first.

    Scenarios given as files are named by the file's stem. Returns ``ComparisonResults``:
    ``table`` (fy, metric, scenario, mean, ci_low, ci_high, diff_mean, diff_ci_low,
    diff_ci_high — as ``comparison.csv``), ``differences`` (per replication), ``drivers``
    (which uncertain effects explain the spread of each difference), ``parameters`` (the
    draws, the same in every scenario), ``costs`` and ``cost_effectiveness`` (as
    ``budget_comparison.csv`` and ``cost_effectiveness.csv``), ``results`` (each scenario's
    ``RunResults``), ``figures()`` and ``save(directory)``.
    With ``precision`` (e.g. 0.05), replications are added until the headline measures'
    95% intervals are within that share of their means, up to ``max_replications``.
    ``overrides`` (dotted paths) apply to every scenario.

    >>> comp = compare("scenarios/baseline.yaml", "scenarios/retention.yaml",
    ...                replications=2, jobs=1, overrides={"run.horizon_years": 1})
    >>> ref = comp.table.query("metric == 'referrals' and scenario == 'retention'")
    >>> float(ref["diff_mean"].iloc[0])  # the same children arrive in both
    0.0
    >>> list(comp.results)
    ['baseline', 'retention']
    """
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios: the base, then the others")
    for i, s in enumerate(scenarios):
        check.scenario(f"scenarios[{i}]", s)
    replications, seed, jobs = (check.replications(replications), check.seed(seed),
                                check.jobs(jobs))
    check.flag("fixed_parameters", fixed_parameters)
    if precision is not None:
        precision = check.number("precision", precision, *check.PRECISION)
        max_replications = check.whole("max_replications", max_replications,
                                       *check.MAX_REPLICATIONS_RANGE)
        if replications is not None:
            raise ValueError("precision: applies only without replications (replications "
                             "are added until the intervals are that narrow)")
    overrides, progress = check.overrides(overrides), check.progress(progress)
    executor = check.executor(executor)
    named = dict(_named(s, overrides) for s in scenarios)
    sources = {k: source_of(s) for k, s in zip(named, scenarios, strict=False)}
    if len(named) < len(scenarios):
        raise ValueError("two scenarios have the same name")
    for name in named:
        if not names_a_directory(name):  # each has a directory of its own in the results
            raise ValueError(f"scenarios: {name!r} names its results directory; use letters, "
                             "digits, '_', '.' or '-', and not the name of a results file")
    check_comparable(named)
    base = next(iter(named.values()))
    seed = base.run.seed if seed is None else seed
    jobs = jobs or default_jobs()
    n = base.run.replications if replications is None else replications
    pre_run(named, max_replications if precision is not None else n, jobs, executor)
    if precision is not None:
        results, prec = run_until_precise(named, seed, jobs, precision,
                                          max_replications=max_replications,
                                          progress=progress, fixed_parameters=fixed_parameters,
                                          executor=executor)
        comp = ComparisonResults(results, sources=sources)
        comp.precision = prec.describe()
        return comp
    return ComparisonResults(run_many(named, n, seed, min(jobs, n * len(named)), progress,
                                      fixed_parameters, executor), sources=sources)
