"""Changes of social worker by reason, simulated against DfE's national reasons for a new
social worker (children looked after, 2023-24): the check on the rates of the mechanisms
that change a child's worker (issue 13).

    python tools/change_reasons.py scenarios/baseline.yaml [--replications 5] [--years 1]
        [--set allocation.rebalance_to_starters=0.5 ...]

Prints, for looked-after children, changes a child-year by reason (simulated, over the first
``--years`` years) beside DfE's episodes a child-year by reason (172,570 episodes for 83,300
children; the shares of episodes in sim/data/studies.yaml,
dfe_stability_measures_cla_2024 and communitycare_three_social_workers_2025). DfE's are
lower bounds (41% of episodes were "other") and include first allocations.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sim.model.cases import (  # noqa: E402
    ABSENCE,
    AGENCY_ENDED,
    CASELOADS,
    LEFT,
    MOVE,
    REASONS,
    REREFERRAL,
    STANDARD,
)
from sim.model.simulation import Service  # noqa: E402
from sim.model.uncertainty import draw_parameters  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.scenario.loader import with_overrides  # noqa: E402

EPISODES, CHILDREN = 172_570, 83_300
DFE_SHARE = {LEFT: 0.17, STANDARD: 0.16, CASELOADS: 23_050 / EPISODES,
             ABSENCE: 5_930 / EPISODES, REREFERRAL: 13_560 / EPISODES, "other": 0.41}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--years", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    a = ap.parse_args()
    s = load_scenario(a.scenario)
    changes = {k.strip(): yaml.safe_load(v) for k, v in (x.split("=", 1) for x in a.set)}
    changes["run.horizon_years"] = a.years
    s = with_overrides(s, changes, source="--set")
    totals = dict.fromkeys(REASONS, 0.0)
    child_years = 0.0
    for r in range(a.replications):
        resolved, _ = draw_parameters(s, a.seed, r, False)
        svc = Service(resolved, a.seed, r)
        svc.run()
        for k, v in svc.rec.cla_change_reasons.items():
            totals[k] += v
        child_years += float(np.mean([row[3] for row in svc.rec.weekly])) * a.years
        svc.teardown()
    print(f"{a.scenario}, {a.replications} replications, {a.years:g} years; "
          f"looked-after child-years {child_years / a.replications:,.0f} a replication")
    print(f"{'reason':<24}{'simulated':>10}{'DfE 2024':>10}   (a child-year)")
    dfe = {k: v * EPISODES / CHILDREN for k, v in DFE_SHARE.items()}
    dfe[LEFT + " (incl. agency)"] = dfe.pop(LEFT)
    rows = [(LEFT + " (incl. agency)", totals[LEFT] + totals[AGENCY_ENDED]),
            (STANDARD, totals[STANDARD]), (CASELOADS, totals[CASELOADS]),
            (ABSENCE, totals[ABSENCE]), (REREFERRAL, totals[REREFERRAL]),
            (MOVE, totals[MOVE]), ("other", 0.0)]
    for name, n in rows:
        ref = dfe.get(name)
        print(f"{name:<24}{n / child_years:>10.3f}{'' if ref is None else f'{ref:>10.3f}'}")
    print(f"{'all':<24}{sum(totals.values()) / child_years:>10.3f}"
          f"{(EPISODES - CHILDREN) / CHILDREN:>10.3f}  (DfE: episodes less one a child)")


if __name__ == "__main__":
    main()
