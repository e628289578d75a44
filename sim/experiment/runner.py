"""Running replications of a scenario, serially or in parallel processes.

Each replication is the pure function ``simulate(scenario, replication, seed)``, so where it
runs changes nothing: results are put back in replication order, and serial equals parallel.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

import pandas as pd

from sim.model import ReplicationResult, simulate
from sim.scenario import Scenario

Progress = Callable[[int, int], None]
"""Called as progress(done, total) after each replication."""


@dataclass
class Results:
    """All replications of one scenario, as tidy tables."""

    scenario: Scenario
    seed: int
    replications: list[int]
    annual: pd.DataFrame  # replication, fy, metric, value
    weekly: pd.DataFrame  # replication, week, metric, value
    parameters: pd.DataFrame  # replication, parameter, value
    totals: pd.DataFrame  # replication, then one column per total
    wall_seconds: float = 0.0
    jobs: int = 1
    fixed_parameters: bool = False
    extra: dict = field(default_factory=dict)


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _one(args: tuple[Scenario, int, int, bool]) -> ReplicationResult:
    scenario, rep, seed, fixed = args
    return simulate(scenario, rep, seed, fixed)


def iter_replications(scenario: Scenario, replications: Iterable[int], seed: int,
                      jobs: int = 1, fixed_parameters: bool = False,
                      ) -> Iterable[ReplicationResult]:
    """Yield each replication's result as it finishes (in any order when jobs > 1).

    Parallel runs use fresh ("spawn") worker processes: nothing of the parent's state, locks
    or threads leaks into them, and the results cannot depend on it.
    """
    reps = list(replications)
    if jobs <= 1 or len(reps) <= 1:
        for r in reps:
            yield _one((scenario, r, seed, fixed_parameters))
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(reps)), mp_context=ctx) as pool:
        pending: set[Future[ReplicationResult]] = set()
        todo = iter(reps)
        # keep a bounded number in flight so results stream back rather than pile up
        for r in todo:
            pending.add(pool.submit(_one, (scenario, r, seed, fixed_parameters)))
            if len(pending) >= 2 * jobs:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
                nxt = next(todo, None)
                if nxt is not None:
                    pending.add(pool.submit(_one, (scenario, nxt, seed, fixed_parameters)))


def combine(scenario: Scenario, seed: int, results: list[ReplicationResult]) -> Results:
    """Put replications' results together, in replication order."""
    results = sorted(results, key=lambda r: r.replication)
    reps = [r.replication for r in results]
    annual = pd.concat(
        [r.annual.assign(replication=r.replication) for r in results], ignore_index=True
    )[["replication", "fy", "metric", "value"]]
    weekly = pd.concat(
        [r.weekly.assign(replication=r.replication) for r in results], ignore_index=True
    )[["replication", "week", "metric", "value"]]
    parameters = pd.DataFrame(
        [(r.replication, k, v) for r in results for k, v in r.parameters.items()],
        columns=["replication", "parameter", "value"],
    )
    totals = pd.DataFrame([{"replication": r.replication, **r.totals} for r in results])
    return Results(scenario, seed, reps, annual, weekly, parameters, totals)


def run_replications(scenario: Scenario, replications: int | None = None,
                     seed: int | None = None, jobs: int | None = None,
                     progress: Progress | None = None,
                     fixed_parameters: bool = False) -> Results:
    """Run replications 0..n-1 of a scenario and return all their tables.

    ``replications`` and ``seed`` default to the scenario's own; ``jobs`` to all cores.
    """
    n = scenario.run.replications if replications is None else replications
    seed = scenario.run.seed if seed is None else seed
    jobs = default_jobs() if jobs is None else jobs
    t0 = time.perf_counter()
    got: list[ReplicationResult] = []
    for res in iter_replications(scenario, range(n), seed, jobs, fixed_parameters):
        got.append(res)
        if progress is not None:
            progress(len(got), n)
    out = combine(scenario, seed, got)
    out.wall_seconds = time.perf_counter() - t0
    out.jobs = jobs
    out.fixed_parameters = fixed_parameters
    return out
