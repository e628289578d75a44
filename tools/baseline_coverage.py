"""The West Sussex baseline from 1 April 2019 against what was published for 2019-20 to
2023-24 (issue 13's target: at least 80% of the published figures inside the simulated 90%
band of single replications). Uses the back-test's indicators and comparison.

    python tools/baseline_coverage.py [SCENARIO] [--replications 20]
        [--out results/baseline_coverage] [--force]

Writes OUT.csv and OUT.md; the committed table is refreshed only when asked:
``--out docs/baseline_coverage --force``. Existing tables are replaced only with --force.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sim.experiment.backtest import CENTRAL_REPLICATIONS, compare  # noqa: E402
from sim.experiment.runner import run_many  # noqa: E402
from sim.outputs.files import check_files  # noqa: E402
from sim.outputs.ownership import OutputError  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.yaml"))
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("results") / "baseline_coverage")
    ap.add_argument("--force", action="store_true", help="replace existing tables")
    a = ap.parse_args()
    try:
        check_files([a.out.with_suffix(".csv"), a.out.with_suffix(".md")], a.force)
    except OutputError as e:
        sys.exit(f"error: --out: {e}")
    sc = load_scenario(a.scenario)
    start = sc.run.start_date.year
    drawn = run_many({"s": sc}, a.replications, sc.run.seed, a.jobs)["s"]
    central = run_many({"s": sc}, CENTRAL_REPLICATIONS, sc.run.seed, a.jobs, None, True)["s"]
    t = compare(sc.council or "West Sussex", start, int(sc.run.horizon_years),
                drawn.annual, central.annual)
    t = t[t.published.notna()]
    share = float(t.inside_90.mean())
    t.round(3).to_csv(a.out.with_suffix(".csv"), index=False)
    by_ind = t.groupby("indicator", sort=False).inside_90.mean()
    lines = [f"# {sc.name} against published, {start + 1} to {start + 5}", "",
             f"Regenerate with `python tools/baseline_coverage.py --replications "
             f"{a.replications} --out {a.out} --force`.", "",
             f"{a.replications} replications (the 90% band: 5th-95th percentile of single "
             f"replications); the point is the mean of {CENTRAL_REPLICATIONS} replications at "
             "the central values. "
             "Workforce figures at 30 September, children's at 31 March (the back-test's "
             "indicators).", "",
             f"**Inside the 90% band: {share:.0%} of {len(t)}** (target at least 80%).", "",
             "| indicator | inside |", "|---|--:|"]
    lines += [f"| {k} | {v:.0%} |" for k, v in by_ind.items()]
    lines += ["", "| indicator | year | published | simulated | 5th-95th | inside |",
              "|---|---|--:|--:|---|---|"]
    lines += [f"| {r.indicator} | {r.period} | {r.published:,.1f} | {r.simulated:,.1f} | "
              f"{r.p05:,.1f}-{r.p95:,.1f} | {'yes' if r.inside_90 else 'no'} |"
              for r in t.itertuples()]
    a.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"inside the 90% band: {share:.0%} of {len(t)}")


if __name__ == "__main__":
    main()
