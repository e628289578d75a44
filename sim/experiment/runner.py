"""Running replications of scenarios, serially or in parallel processes.

Each replication is the pure function ``simulate(scenario, replication, seed)``, so where it
runs changes nothing: results are put back in replication order, and serial equals parallel.
A run is a stream of tasks — (scenario, replication) pairs — served by an executor and
consumed as results arrive, so a caller can stop early (``replications.py``) or stream
results to disk.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.experiment.checkpoint import Checkpoint
from sim.experiment.executors import PROCESS, ExecutorSpec, run_all
from sim.experiment.summary import budget_summary, summarise
from sim.model import ReplicationResult, simulate
from sim.model.measures import WEEKLY_METRICS
from sim.model.simulation import long_weekly
from sim.scenario import Scenario

Progress = Callable[[int, int], None]
"""Called as progress(done, total) after each replication."""


class Task(NamedTuple):
    """One replication of one scenario."""

    key: str
    scenario: Scenario
    replication: int
    seed: int
    fixed_parameters: bool
    check: bool = False  # assert the model's invariants as it runs


def run_task(task: Task) -> tuple[str, ReplicationResult]:
    return task.key, simulate(task.scenario, task.replication, task.seed,
                              task.fixed_parameters, task.check)


@dataclass
class Results:
    """All replications of one scenario, as tidy tables (``weekly`` is built on demand from
    the compact ``weekly_values`` array: replications x weeks x WEEKLY_METRICS)."""

    scenario: Scenario
    seed: int
    replications: list[int]
    annual: pd.DataFrame  # replication, fy, metric, value
    weekly_values: np.ndarray  # replications x weeks x measures
    weeks: np.ndarray  # datetime64[D]
    parameters: pd.DataFrame  # replication, parameter, value
    totals: pd.DataFrame  # replication, then one column per total
    budget: pd.DataFrame  # replication, fy, line, cost, cost_real
    wall_seconds: float = 0.0
    jobs: int = 1
    fixed_parameters: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def weekly(self) -> pd.DataFrame:
        """replication, week, metric, value (as ``weekly.parquet``)."""
        return long_weekly(self.weekly_values, self.weeks, WEEKLY_METRICS,
                           np.asarray(self.replications))

    def summary(self) -> pd.DataFrame:
        """``fy, metric, mean, ci_low, ci_high, p05, p95`` (as ``summary.csv``)."""
        return summarise(self.annual)

    def budget_summary(self) -> pd.DataFrame:
        """``fy, line, terms, mean, ci_low, ci_high, p05, p95`` (as ``budget_summary.csv``):
        cash and real terms by year, and over all years with the present value."""
        return budget_summary(self.budget, self.scenario.costs.discount_rate_pct)


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def stream(tasks: Iterable[Task], jobs: int = 1, executor: ExecutorSpec = PROCESS,
           checkpoints: Mapping[str, Checkpoint] | None = None,
           ) -> Iterator[tuple[Task, ReplicationResult]]:
    """Run tasks and yield (task, result) as each finishes (in any order when jobs > 1).

    Tasks are drawn from ``tasks`` only as workers become free, so an endless generator of
    tasks is fine: stop consuming and the pending work is cancelled. See ``executors.py``
    for where they run; the results are the same on every executor.

    With ``checkpoints`` (by task key), a replication saved there is read back instead of
    run, and each one run is saved the moment it arrives.
    """
    order = lambda t: (t.replication, t.key)  # noqa: E731
    if not checkpoints:
        for task, (_, res) in run_all(run_task, tasks, jobs, executor, order=order):
            yield task, res
        return
    ready: deque[tuple[Task, ReplicationResult]] = deque()

    def to_run() -> Iterator[Task]:
        for t in tasks:
            ck = checkpoints.get(t.key)
            res = ck.take(t.replication) if ck is not None else None
            if res is None:
                yield t
            else:
                ready.append((t, res))

    for task, (_, res) in run_all(run_task, to_run(), jobs, executor, order=order):
        while ready:
            yield ready.popleft()
        ck = checkpoints.get(task.key)
        if ck is not None:
            ck.save(res)
        yield task, res
    while ready:
        yield ready.popleft()


def combine(scenario: Scenario, seed: int, results: list[ReplicationResult]) -> Results:
    """Put replications' results together, in replication order."""
    results = sorted(results, key=lambda r: r.replication)
    reps = [r.replication for r in results]
    annual = pd.concat(
        [r.annual.assign(replication=r.replication) for r in results], ignore_index=True
    )[["replication", "fy", "metric", "value"]]
    weekly = np.stack([r.weekly_values for r in results]) if results else np.empty((0, 0, 0))
    weeks = results[0].weeks if results else np.array([], dtype="datetime64[D]")
    parameters = pd.DataFrame(
        [(r.replication, k, v) for r in results for k, v in r.parameters.items()],
        columns=["replication", "parameter", "value"],
    )
    totals = pd.DataFrame([{"replication": r.replication, **r.totals} for r in results])
    budget = pd.concat(
        [_budget(r).assign(replication=r.replication) for r in results], ignore_index=True
    )[["replication", "fy", "line", "cost", "cost_real"]]
    return Results(scenario, seed, reps, annual, weekly, weeks, parameters, totals, budget)


def _budget(r: ReplicationResult) -> pd.DataFrame:
    if r.budget is None:  # the model always costs a run; a result without is a defect
        raise ValueError(f"replication {r.replication} has no budget")
    return r.budget


def _reload(ck: Checkpoint, replication: int) -> ReplicationResult:
    res = ck.load(replication)
    if res is None:
        raise OSError(f"{ck.path(replication)} was saved during this run but can no longer "
                      "be read")
    return res


def check_comparable(scenarios: dict[str, Scenario]) -> None:
    """Scenarios compared replication by replication must cover the same days; else their
    years do not line up and their children differ. Raises ValueError saying which."""
    items = list(scenarios.items())
    k0, s0 = items[0]
    for k, s in items[1:]:
        for path, a, b in (("run.start_date", s0.run.start_date, s.run.start_date),
                           ("run.horizon_years", s0.run.horizon_years, s.run.horizon_years)):
            if a != b:
                raise ValueError(
                    f"{k}: {path} is {b} but {k0}'s is {a}; scenarios compared replication "
                    "by replication must start on the same date and run as long")


def run_many(scenarios: dict[str, Scenario], replications: int, seed: int, jobs: int,
             progress: Progress | None = None, fixed_parameters: bool = False,
             executor: ExecutorSpec = PROCESS,
             checkpoints: Mapping[str, Checkpoint] | None = None,
             check: bool = False) -> dict[str, Results]:
    """Replications 0..n-1 of several scenarios on the same seed (common random numbers).

    Tasks interleave the scenarios replication by replication, so partial progress is
    balanced and parallel workers stay busy. With ``checkpoints`` (by scenario), saved
    replications are reused, new ones saved as they finish and not kept in memory until
    the end (see ``stream``).
    """
    t0 = time.perf_counter()
    tasks = (Task(k, sc, r, seed, fixed_parameters, check) for r in range(replications)
             for k, sc in scenarios.items())
    total = replications * len(scenarios)
    got: dict[str, list[ReplicationResult]] = {k: [] for k in scenarios}
    for done, (task, res) in enumerate(stream(tasks, jobs, executor, checkpoints), start=1):
        if checkpoints is None or task.key not in checkpoints:
            got[task.key].append(res)
        if progress is not None:
            progress(done, total)
    wall = time.perf_counter() - t0
    out = {}
    for k, sc in scenarios.items():
        if checkpoints is not None and k in checkpoints:
            got[k] = [_reload(checkpoints[k], i) for i in range(replications)]
        r = combine(sc, seed, got[k])
        r.wall_seconds, r.jobs, r.fixed_parameters = wall, jobs, fixed_parameters
        out[k] = r
    return out


def run_replications(scenario: Scenario, replications: int | None = None,
                     seed: int | None = None, jobs: int | None = None,
                     progress: Progress | None = None,
                     fixed_parameters: bool = False,
                     executor: ExecutorSpec = PROCESS,
                     checkpoint: Checkpoint | None = None) -> Results:
    """Run replications 0..n-1 of a scenario and return all their tables.

    ``replications`` and ``seed`` default to the scenario's own; ``jobs`` to all cores.
    With a ``checkpoint``, each replication is saved as it finishes and saved ones reused.
    """
    n = scenario.run.replications if replications is None else replications
    seed = scenario.run.seed if seed is None else seed
    jobs = default_jobs() if jobs is None else jobs
    return run_many({scenario.name: scenario}, n, seed, min(jobs, n), progress,
                    fixed_parameters, executor,
                    None if checkpoint is None else {scenario.name: checkpoint}
                    )[scenario.name]
