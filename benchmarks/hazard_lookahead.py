"""Does re-reading leaving hazards every four weeks (``HAZARD_WEEKS = 4``, the model's
setting) rather than every week change the results? Paired runs: the same seed and
replications with each setting; the differences with their 95% intervals, beside the
spread of one replication.

    python benchmarks/hazard_lookahead.py [--replications 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CELLS = [("2020-21", "turnover_rate"), ("2021-22", "turnover_rate"),
         ("2021-22", "leavers_fte"), ("2022-23", "inpost_fte"),
         ("2022-23", "caseload_per_fte"), ("2022-23", "agency_rate"),
         ("2022-23", "worker_changes_per_child"), ("2022-23", "unallocated_mean")]


def run(weeks: int, reps: int) -> list:
    import sim.model.workforce as wf
    from sim.model import simulate
    from sim.scenario import load_scenario

    wf.HAZARD_WEEKS = weeks
    sc = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    return [simulate(sc, r, 11).annual.set_index(["fy", "metric"])["value"]
            for r in range(reps)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=20)
    n = ap.parse_args().replications
    weekly, four = run(1, n), run(4, n)
    for fy, m in CELLS:
        a = np.array([x[(fy, m)] for x in weekly])
        b = np.array([x[(fy, m)] for x in four])
        d = b - a
        half = 1.96 * d.std(ddof=1) / np.sqrt(n)
        print(f"{m:26s} {fy}: weekly {a.mean():8.2f}  4-weekly {b.mean():8.2f}  "
              f"difference {d.mean():+.2f} ± {half:.2f}  (one replication's sd "
              f"{a.std(ddof=1):.2f})")


if __name__ == "__main__":
    main()
