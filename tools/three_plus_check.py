"""Changes of social worker against what councils publish (issue 13's target): for every
council with a published share of children looked after at 31 March 2024 who had 3 or more
social workers in the year, build its `sim init --year 2023` scenario (uncalibrated; the 3+
share is never used to build it), run one year and compare the simulated
`children_3plus_workers_rate` for 2023-24 with the published share.

    python tools/three_plus_check.py [--replications 20] [--jobs 2] [--out results/three_plus_2024]
        [--force]

Writes OUT.csv (council, published, simulated, p05, p95, agency_rate, turnover_rate) and
OUT.md (the rank correlation, the median absolute error and the table). The target: rank
correlation at least 0.6, median absolute error at most 5 points. By default OUT is
results/three_plus_2024; the committed table is refreshed only when asked:
``--out docs/three_plus_2024 --force``. Existing tables are replaced only with --force.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sim.data import dfe  # noqa: E402
from sim.experiment.backtest import scenario_for  # noqa: E402
from sim.experiment.runner import Task, stream  # noqa: E402
from sim.outputs.files import check_files  # noqa: E402
from sim.outputs.ownership import OutputError  # noqa: E402

METRIC = "children_3plus_workers_rate"
FY = "2023-24"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument("--out", type=Path, default=Path("results") / "three_plus_2024")
    ap.add_argument("--force", action="store_true", help="replace existing tables")
    a = ap.parse_args()
    try:
        check_files([a.out.with_suffix(".csv"), a.out.with_suffix(".md")], a.force)
    except OutputError as e:
        sys.exit(f"error: --out: {e}")
    councils = dfe.councils("2024", "three_plus_sw_pct")
    scenarios, skipped = {}, {}
    for c in councils:
        try:
            scenarios[c] = scenario_for(c, 2023, 1)
        except Exception as e:  # a council whose figures cannot make a scenario
            skipped[c] = str(e).splitlines()[0][:120]
    tasks = [Task(c, s, r, a.seed, False) for c, s in scenarios.items()
             for r in range(a.replications)]
    got: dict[str, list[float]] = {c: [] for c in scenarios}
    for done, (task, res) in enumerate(stream(tasks, a.jobs), start=1):
        x = res.annual
        v = x[(x.metric == METRIC) & (x.fy == FY)].value
        got[task.key] += [float(y) for y in v if not np.isnan(y)]
        if done % 200 == 0:
            print(f"{done}/{len(tasks)}", file=sys.stderr)
    rows = []
    for c, vals in got.items():
        if not vals:
            continue
        rows.append({"council": c,
                     "published": dfe.figure(c, "three_plus_sw_pct", "2024", False).value,
                     "simulated": float(np.mean(vals)),
                     "p05": float(np.percentile(vals, 5)), "p95": float(np.percentile(vals, 95)),
                     "agency_rate": dfe.figure(c, "agency_rate", "2023", False).value,
                     "turnover_rate": dfe.figure(c, "turnover_rate", "2023", False).value})
    t = pd.DataFrame(rows).dropna(subset=["published", "simulated"])
    rho = float(stats.spearmanr(t.published, t.simulated).statistic)
    mae = float((t.simulated - t.published).abs().median())
    bias = float((t.simulated - t.published).median())
    inside = float(((t.p05 <= t.published) & (t.published <= t.p95)).mean())
    rho_agency = float(stats.spearmanr(t.simulated, t.agency_rate, nan_policy="omit").statistic)
    t.round(2).to_csv(a.out.with_suffix(".csv"), index=False)
    lines = [
        "# Changes of social worker: simulated against published, 2023-24", "",
        f"Regenerate with `python tools/three_plus_check.py --replications {a.replications}"
        f" --out {a.out} --force` (seed {a.seed}).", "",
        f"Each council's `sim init --year 2023` scenario (uncalibrated), one year, "
        f"{a.replications} replications; `{METRIC}` for {FY} against DfE's share of children "
        "looked after at 31 March 2024 with 3 or more social workers in the year "
        "(la_cla_swcount.csv). The published share is never used to build a scenario.", "",
        f"- councils compared: {len(t)} (skipped: {len(skipped)})",
        f"- rank correlation (Spearman): **{rho:.2f}** (target at least 0.6)",
        f"- median absolute error: **{mae:.1f} points** (target at most 5); median "
        f"simulated less published {bias:+.1f} points",
        f"- published inside the simulated 5th-95th percentile: {inside:.0%}",
        f"- rank correlation of the simulated share with the agency rate: {rho_agency:.2f}",
        "", "| council | published | simulated | 5th-95th | agency % | turnover % |",
        "|---|--:|--:|---|--:|--:|"]
    lines += [f"| {r.council} | {r.published:.0f} | {r.simulated:.1f} | {r.p05:.0f}-"
              f"{r.p95:.0f} | {r.agency_rate:.1f} | {r.turnover_rate:.1f} |"
              for r in t.sort_values("council").itertuples()]
    if skipped:
        lines += ["", "Skipped (no scenario could be built):", ""]
        lines += [f"- {c}: {why}" for c, why in sorted(skipped.items())]
    a.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"rank correlation {rho:.2f}, median absolute error {mae:.1f} points, "
          f"{len(t)} councils, {len(skipped)} skipped")


if __name__ == "__main__":
    main()
