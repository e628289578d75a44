"""Benchmark: how fast sim runs, against bare SimPy on the same machine in the same run.

    python benchmarks/bench.py [--replications 100] [--memory-replications 1000] [--quick]

Prints, for the West Sussex baseline (scenarios/baseline.yaml, 5 years):
  * seconds per 5-year replication, referrals simulated per second, SimPy events per second;
  * the throughput of a minimal SimPy M/M/c queue serving as many arrivals, and the ratio;
  * peak memory of one replication, and of a run of many replications;
  * the wall time of N replications with 1 and with 2 processes.
Figures, not pass/fail: targets are checked by reading them (see the README).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def mmc_queue(arrivals: int, servers: int = 10, load: float = 0.8, seed: int = 1) -> float:
    """Customers per second through a minimal SimPy M/M/c queue: one process per customer
    requesting a Resource, the textbook way."""
    import random

    import simpy

    rng = random.Random(seed)
    mean_service = 1.0
    rate = load * servers / mean_service
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=servers)
    done = 0

    def customer():
        nonlocal done
        with res.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / mean_service))
        done += 1

    def source():
        for _ in range(arrivals):
            yield env.timeout(rng.expovariate(rate))
            env.process(customer())

    env.process(source())
    t = time.perf_counter()
    env.run()
    return done / (time.perf_counter() - t)


def one_replication(replication: int = 0) -> dict:
    """Time one replication of the baseline, and count its referrals and SimPy events."""
    import gc

    from sim.model.simulation import Service
    from sim.model.uncertainty import draw_parameters
    from sim.scenario import load_scenario

    s = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    t = time.perf_counter()
    resolved, params = draw_parameters(s, s.run.seed, replication)
    gc.disable()
    svc = Service(resolved, s.run.seed, replication)
    svc.run()
    svc.result(replication, params)
    seconds = time.perf_counter() - t
    events = next(svc.env._eid)  # SimPy numbers every event it schedules
    referrals = svc.rec.total_referrals
    svc.teardown()
    gc.enable()
    return {"seconds": seconds, "referrals": referrals, "events": events}


def child(code: str) -> dict:
    """Run code in a fresh interpreter and return the JSON it prints last (peak memory is
    then that of the code alone)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


PEAK = "from sim.experiment.executors import shutdown; shutdown(); " \
       "import resource, json; print(json.dumps({'peak_mb': " \
       "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'worker_peak_mb': " \
       "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, **r}))"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--replications", type=int, default=100)
    ap.add_argument("--memory-replications", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="skip the long runs")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    runs = [one_replication(r) for r in range(3)]
    best = min(runs, key=lambda r: r["seconds"])
    refs_per_s = best["referrals"] / best["seconds"]
    print("West Sussex baseline, one 5-year replication (best of 3):")
    print(f"  {best['seconds']:.2f} s, {best['referrals']:,} referrals -> "
          f"{refs_per_s:,.0f} referrals/s, {best['events'] / best['seconds']:,.0f} events/s")
    mmc = max(mmc_queue(best["referrals"]) for _ in range(3))
    print(f"bare SimPy M/M/10 queue, {best['referrals']:,} arrivals (best of 3): "
          f"{mmc:,.0f} customers/s")
    print(f"  ratio sim/SimPy: {refs_per_s / mmc:.0%}")

    r = child("import sys; sys.path.insert(0, '.'); from benchmarks.bench import "
              "one_replication; r = one_replication(); " + PEAK)
    print(f"peak memory, one replication in a fresh process: {r['peak_mb']:.0f} MB")
    if args.quick:
        return
    for jobs in (1, 2):
        r = child(
            "import sys, time; sys.path.insert(0, '.')\n"
            "from sim.scenario import load_scenario\n"
            "from sim.experiment.runner import run_replications\n"
            "if __name__ == '__main__':\n"
            "    s = load_scenario('scenarios/baseline.yaml'); t = time.perf_counter()\n"
            f"    run_replications(s, {args.replications}, jobs={jobs})\n"
            "    r = {'seconds': time.perf_counter() - t}\n"
            "    " + PEAK)
        print(f"{args.replications} replications with {jobs} process(es): "
              f"{r['seconds']:.1f} s (parent peak {r['peak_mb']:.0f} MB)")
    n = args.memory_replications
    r = child(
        "import sys, time, tempfile; sys.path.insert(0, '.')\n"
        "from pathlib import Path\n"
        "from sim.scenario import load_scenario\n"
        "from sim.experiment.runner import run_replications\n"
        "from sim.outputs.files import write_results\n"
        "if __name__ == '__main__':\n"
        "    s = load_scenario('scenarios/baseline.yaml'); t = time.perf_counter()\n"
        f"    res = run_replications(s, {n}, jobs=2)\n"
        "    write_results(res, Path(tempfile.mkdtemp()) / 'out')\n"
        "    r = {'seconds': time.perf_counter() - t}\n"
        "    " + PEAK)
    print(f"{n} replications with 2 processes, written: {r['seconds']:.0f} s; peak memory: "
          f"parent {r['peak_mb']:.0f} MB, largest worker {r['worker_peak_mb']:.0f} MB, "
          f"all three at most {r['peak_mb'] + 2 * r['worker_peak_mb']:.0f} MB")
    _ = resource


if __name__ == "__main__":
    main()
