"""Changes of social worker by reason, simulated against DfE's national reasons for a new
social worker (children looked after, 2023-24): the check on the rates of the mechanisms
that change a child's worker (issue 13).

    python tools/change_reasons.py scenarios/baseline.yaml [--replications 5] [--years 1]
        [--set allocation.rebalance_to_starters=0.5 ...] [--out docs/change_reasons.md --force]

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
from sim.outputs.files import check_files  # noqa: E402
from sim.outputs.ownership import OutputError  # noqa: E402
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
    ap.add_argument("--out", type=Path, help="also write the table as markdown here")
    ap.add_argument("--force", action="store_true", help="replace an existing --out")
    a = ap.parse_args()
    if a.out is not None:
        try:
            check_files([a.out], a.force)
        except OutputError as e:
            sys.exit(f"error: --out: {e}")
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
    dfe = {k: v * EPISODES / CHILDREN for k, v in DFE_SHARE.items()}
    left = LEFT + " (incl. agency)"
    dfe[left] = dfe.pop(LEFT)
    rows = [(left, totals[LEFT] + totals[AGENCY_ENDED]), (STANDARD, totals[STANDARD]),
            (CASELOADS, totals[CASELOADS]), (ABSENCE, totals[ABSENCE]),
            (REREFERRAL, totals[REREFERRAL]), (MOVE, totals[MOVE]), ("other", 0.0),
            ("all", sum(totals.values()))]
    dfe["all"] = (EPISODES - CHILDREN) / CHILDREN
    head = (f"{a.scenario}, {a.replications} replications, the first {a.years:g} year(s); "
            f"{child_years / a.replications:,.0f} looked-after child-years a replication")
    print(head)
    print(f"{'reason':<36}{'simulated':>10}{'DfE 2024':>10}   (a child-year)")
    for name, n in rows:
        ref = dfe.get(name)
        print(f"{name:<36}{n / child_years:>10.3f}{'' if ref is None else f'{ref:>10.3f}'}")
    if a.out is not None:
        cmd = " ".join(["python tools/change_reasons.py", str(a.scenario),
                        f"--replications {a.replications}", *[f"--set {x}" for x in a.set],
                        f"--out {a.out} --force"])
        md = ["# Changes of social worker by reason: simulated against DfE", "",
              f"Regenerate with `{cmd}`.", "", head + ".", "",
              "Changes of worker of looked-after children a child-year, by the reason the "
              "model files each under (sim/model/cases.py), beside DfE's social-worker "
              "episodes a child-year by recorded reason for the 83,300 children looked after "
              "on 31 March 2024 (172,570 episodes; sources in sim/data/studies.yaml: "
              "dfe_stability_measures_cla_2024, communitycare_three_social_workers_2025). "
              "DfE's named reasons are lower bounds: 41% of episodes were 'other'. DfE's "
              "'all' is episodes less one a child (a first allocation is not a change). Only "
              "'managing caseloads' was set from this table (the share of a new worker's cap "
              "given from colleagues, sim/scenario/worker_change_rates.py); the others come "
              "from their own evidence or assumptions and are checks.", "",
              "| reason | simulated | DfE 2023-24 |", "|---|--:|--:|"]
        for name, n in rows:
            ref = dfe.get(name)
            md.append(f"| {name} | {n / child_years:.3f} | "
                      f"{'' if ref is None else f'{ref:.3f}'} |")
        a.out.write_text("\n".join(md) + "\n")
        print(f"wrote {a.out}")

if __name__ == "__main__":
    main()
