"""Scaling: a national run — every council's baseline (sim init), a few replications each —
timed on 1 and 2 workers, with the parallel efficiency and an estimate for a larger cluster.

    python benchmarks/scaling.py [--replications 2] [--years 3] [--executor process|dask]
"""

from __future__ import annotations

import argparse
import heapq
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from sim.data import dfe
    from sim.experiment.backtest import scenario_for
    from sim.experiment.executors import ExecutorSpec, shutdown
    from sim.experiment.runner import Task, stream

    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=2)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--from-year", type=int, default=2019)
    ap.add_argument("--executor", default="process")
    args = ap.parse_args()
    t = time.perf_counter()
    scenarios = {}
    for c in dfe.councils(str(args.from_year)):
        try:
            scenarios[c] = scenario_for(c, args.from_year, args.years)
        except Exception as e:  # as the back-test: a council whose figures make no scenario
            print(f"  skipped {c}: {e}")
    build = time.perf_counter() - t
    tasks = [Task(c, s, r, 1, False) for c, s in scenarios.items()
             for r in range(args.replications)]
    print(f"{len(scenarios)} councils x {args.replications} replications x {args.years + 0.5} "
          f"years = {len(tasks)} tasks (scenarios built in {build:.1f} s)")
    times = {}
    durations: list[float] = []  # of each task, from the one-worker run
    for jobs in (1, 2):
        spec = ExecutorSpec(args.executor)  # type: ignore[arg-type]
        list(stream(tasks[:jobs], jobs, spec))  # start the workers before timing
        t = last = time.perf_counter()
        n = 0
        for _ in stream(tasks, jobs, spec):
            n += 1
            now = time.perf_counter()
            if jobs == 1:
                durations.append(now - last)
            last = now
        times[jobs] = time.perf_counter() - t
        print(f"  {jobs} worker(s): {times[jobs]:.1f} s ({n} tasks)")
        shutdown()
    eff = times[1] / (2 * times[2])
    print(f"parallel efficiency on 2 workers: {eff:.0%} (speed-up {times[1] / times[2]:.2f})")
    # A larger cluster: the same tasks (and the national back-test's 28 replications a
    # council) dealt longest first to the first free core, each slowed by the efficiency
    # measured here; the longest single replication bounds the wall time.
    reps_bt = 28
    for cores in (16, 64):
        for label, copies in ((f"this run ({args.replications} a council)", 1),
                              (f"the national back-test ({reps_bt} a council)",
                               reps_bt / args.replications)):
            load = sorted((d / eff for d in durations for _ in range(round(copies))),
                          reverse=True)
            heap = [0.0] * cores
            for d in load:
                heapq.heapreplace(heap, heap[0] + d)
            print(f"estimate on {cores} cores, {label}: {max(heap):.0f} s "
                  f"(one core: {sum(durations) * copies:.0f} s; longest task "
                  f"{max(durations):.1f} s)")


if __name__ == "__main__":
    main()
