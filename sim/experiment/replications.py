"""How many replications: add them until the headline measures are precise enough.

The sequential rule follows Hoad, Robinson and Davies (2010), as in sim-tools'
``ReplicationsAlgorithm``: after each replication, compute for every headline measure the
half-width of its 95% confidence interval relative to its mean; stop at the first n where
all are within the target *and* stay within it for the next ``lookahead`` replications (so
a lucky early agreement does not stop the run). Replications are judged in order 0, 1, 2…,
so the answer is the same however many processes run them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from sim.experiment.checkpoint import Checkpoint
from sim.experiment.executors import PROCESS, ExecutorSpec
from sim.experiment.runner import Progress, Results, Task, combine, stream
from sim.model import ReplicationResult
from sim.scenario import Scenario

PRECISION_METRICS = (
    "referrals", "cla_31mar", "cp_31mar", "inpost_fte", "caseload_per_fte", "turnover_rate",
    "vacancy_rate", "agency_rate", "worker_changes_per_child",
)
"""Measures the precision rule watches. Unallocated cases are left out: their mean is often
near zero, where a relative precision means nothing."""


@dataclass
class Precision:
    target: float
    lookahead: int
    min_replications: int
    max_replications: int
    reached_at: int | None = None  # first n that met the target and stayed
    used: int = 0
    worst: tuple[str, str, str, float] | None = None  # scenario, metric, fy, relative half

    met_at: int | None = None  # met at the end, but not yet confirmed by the look-ahead

    def describe(self) -> str:
        if self.reached_at is not None:
            return (f"precision {self.target:.0%} reached at {self.reached_at} replications "
                    f"and held for {self.lookahead} more; {self.used} used")
        if self.met_at is not None:
            return (f"precision {self.target:.0%} met at {self.met_at} replications but not "
                    f"confirmed over {self.lookahead} more before the cap of {self.used}")
        s, m, fy, rel = self.worst  # type: ignore[misc]
        return (f"precision {self.target:.0%} not reached within {self.used} replications "
                f"(the cap): the least precise is {m} {fy} in {s}, at ±{rel:.1%}")


def relative_half_widths(values: dict[str, dict[tuple[str, str], list[float]]]
                         ) -> list[tuple[str, str, str, float]]:
    """(scenario, metric, fy, half-width / |mean|) for every watched cell."""
    from scipy import stats

    out = []
    for name, cells in values.items():
        for (metric, fy), v in cells.items():
            x = np.asarray(v, dtype=float)
            x = x[~np.isnan(x)]
            if len(x) < 2:
                continue
            m = x.mean()
            if abs(m) < 1e-9:
                continue
            half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
            out.append((name, metric, fy, float(half / abs(m))))
    return out


def run_until_precise(scenarios: dict[str, Scenario], seed: int, jobs: int,
                      target: float = 0.05, lookahead: int = 5, min_replications: int = 5,
                      max_replications: int = 200, progress: Progress | None = None,
                      fixed_parameters: bool = False, executor: ExecutorSpec = PROCESS,
                      checkpoints: Mapping[str, Checkpoint] | None = None,
                      check: bool = False) -> tuple[dict[str, Results], Precision]:
    """Run replications of every scenario until the headline measures of each are within
    ``target`` (relative half-width of the 95% interval) or ``max_replications``. With
    ``checkpoints``, replications are saved as they finish and saved ones reused."""
    t0 = time.perf_counter()
    prec = Precision(target, lookahead, min(max(3, min_replications), max_replications),
                     max_replications)
    names = list(scenarios)

    def tasks() -> Iterator[Task]:
        for r in range(max_replications):
            for k in names:
                yield Task(k, scenarios[k], r, seed, fixed_parameters, check)

    got: dict[str, dict[int, ReplicationResult]] = {k: {} for k in names}
    cells: dict[str, dict[tuple[str, str], list[float]]] = {k: {} for k in names}
    n = 0  # replications 0..n-1 are complete for every scenario and counted in ``cells``
    ok_since: int | None = None
    stop_at = max_replications
    for task, res in stream(tasks(), jobs, executor, checkpoints):
        got[task.key][task.replication] = res
        while n < stop_at and all(n in got[k] for k in names):
            for k in names:
                a = got[k][n].annual
                for row in a[a["metric"].isin(PRECISION_METRICS)].itertuples(index=False):
                    cells[k].setdefault((row.metric, row.fy), []).append(row.value)
            n += 1
            if progress is not None:
                progress(n, stop_at)
            if n < prec.min_replications:
                continue
            rel = relative_half_widths(cells)
            if not rel:
                raise ValueError(
                    "--replications auto has nothing to watch: the run has no complete "
                    "financial year with a headline measure; lengthen run.horizon_years")
            worst = max(rel, key=lambda x: x[3])
            prec.worst = worst
            if worst[3] <= target:
                ok_since = n if ok_since is None else ok_since
                if n >= ok_since + lookahead:
                    prec.reached_at = ok_since
                    stop_at = n
            else:
                ok_since = None
        if n >= stop_at:
            break
    prec.used = n
    if prec.reached_at is None and ok_since is not None:
        prec.met_at = ok_since
    wall = time.perf_counter() - t0
    out = {}
    for k in names:
        r = combine(scenarios[k], seed, [got[k][i] for i in range(n)])
        r.wall_seconds, r.jobs, r.fixed_parameters = wall, jobs, fixed_parameters
        r.extra["precision"] = prec.describe()
        out[k] = r
    return out, prec


__all__ = ["PRECISION_METRICS", "Precision", "run_until_precise"]
