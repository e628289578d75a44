"""How good the time a long run is announced with is: the estimate (``sim.experiment.
guards``, what ``sim run`` and ``sim compare`` say before a run of more than a minute)
beside the real time, for a few sizes of run, each in a fresh process (so the pool of
workers starts, as it does for the command).

    python benchmarks/estimate.py [--quick]

Prints, for each size: the scenario, replications and processes, the other work on the
machine when the estimate was made (the cores it wanted, ``sim/experiment/machine.py``),
the estimated and the real seconds, and their ratio (the target: between 0.5 and 2); then
the referrals simulated per CPU-second of one process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (label, years, referrals multiplier, replications, jobs)
SIZES = [
    ("baseline, 1 year", 1.0, 1.0, 6, 2),
    ("baseline, 5 years", 5.0, 1.0, 4, 2),
    ("baseline, 5 years, 1 process", 5.0, 1.0, 2, 1),
    ("3 x the referrals, 2 years", 2.0, 3.0, 4, 2),
    ("baseline, 3 years", 3.0, 1.0, 8, 2),
    ("baseline, 5 years, 16 replications", 5.0, 1.0, 16, 2),
]


def one(years: float, mult: float, reps: int, jobs: int) -> dict:
    """In this (fresh) process: the estimate, then the run, timed as the command times
    it (from the first replication submitted to the last finished)."""
    from sim.experiment import guards
    from sim.experiment.runner import run_many
    from sim.scenario import load_scenario, with_overrides

    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    sc = with_overrides(base, {"run.horizon_years": years,
                               "demand.referrals_per_year":
                                   base.demand.referrals_per_year * mult})
    est = guards.estimate(sc, reps, jobs)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    run_many({"s": sc}, reps, sc.run.seed, jobs)
    real = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    return {"estimated": est.seconds, "real": real, "load": est.load, "cores": est.cores,
            "referrals": est.typical_referrals, "cpu": cpu,
            "cpu_estimated": reps * guards.cpu_seconds(sc, est.typical_referrals)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="the first two sizes only")
    ap.add_argument("--one", nargs=4, type=float, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        years, mult, reps, jobs = a.one
        print(json.dumps(one(years, mult, int(reps), int(jobs))))
        return
    print(f"{'size':<36}{'reps':>5}{'jobs':>5}{'other':>6}{'estimated s':>13}{'real s':>9}"
          f"{'ratio':>7}")
    ratios = []
    rate = None
    for label, years, mult, reps, jobs in SIZES[:2] if a.quick else SIZES:
        r = subprocess.run([sys.executable, __file__, "--one", str(years), str(mult),
                            str(reps), str(jobs)], capture_output=True, text=True,
                            check=True, cwd=ROOT)
        got = json.loads(r.stdout.strip().splitlines()[-1])
        ratio = got["estimated"] / got["real"]
        ratios.append(ratio)
        print(f"{label:<36}{reps:>5}{jobs:>5}{got['load']:>6.1f}{got['estimated']:>13.1f}"
              f"{got['real']:>9.1f}{ratio:>7.2f}", flush=True)
        if jobs == 1:  # in this process: its CPU time is the replications'
            rate = got["referrals"] * reps / got["cpu"]  # the typical replication's
            cpu_ratio = got["cpu_estimated"] / got["cpu"]
    print(f"ratios from {min(ratios):.2f} to {max(ratios):.2f} (target: 0.5 to 2)")
    if rate is not None:
        print(f"one process: {rate:,.0f} referrals a CPU-second (with the cases and posts "
              f"there from the start; the estimate's CPU time / the real: {cpu_ratio:.2f})")


if __name__ == "__main__":
    main()
