"""Digests of a few runs' results, to show that a restructuring left the results as they were.

    python tools/result_digests.py            # prints one sha256 a table a scenario

Run it before and after a change that should not move results: the lines must be equal.
Each scenario runs 3 replications with seed 7 in this process (no pool), with drawn effects.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd

from sim.model import simulate
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("baseline", "retention_and_ipeh_cuts")


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False, float_format="%.17g").encode()).hexdigest()


def main(replications: int = 3, seed: int = 7) -> None:
    for name in SCENARIOS:
        s = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        results = [simulate(s, r, seed) for r in range(replications)]
        annual = pd.concat([r.annual.assign(replication=r.replication) for r in results])
        budget = pd.concat([r.budget.assign(replication=r.replication) for r in results])
        weekly = pd.concat([r.weekly.assign(replication=r.replication) for r in results])
        weekly["metric"] = weekly["metric"].astype(str)
        for table, frame in (("annual", annual), ("budget", budget), ("weekly", weekly)):
            print(f"{name:24} {table:7} {_digest(frame)}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
