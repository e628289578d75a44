"""A back-test on a sample of councils spread by size (for before/after comparisons that
are cheaper than `sim backtest --all`).

    python tools/backtest_sample.py --from 2019 [--councils 10] [--years 3]
        [--replications 20] [--jobs 2] [--out results/backtest_sample_2019]

The sample is the same whatever the start: councils with referrals and a caseload published
for every year 2018-2022, ordered by their referrals in the year to 31 March 2019, one at
each of the (i + 0.5) / N quantiles. Writes OUT/backtest.csv (as `sim backtest`)
and OUT/league.csv, and prints the league table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sim.data import dfe  # noqa: E402
from sim.experiment.backtest import league_table, run_backtest  # noqa: E402


def sample(n: int) -> list[str]:
    """``n`` councils spread by size (referrals in the year to 31 March 2019)."""
    refs = dfe.by_council("referrals")
    cl = dfe.by_council("caseload_per_fte").reindex(refs.index)
    years = [str(y) for y in range(2018, 2023)]
    ok = refs[years].notna().all(axis=1) & cl[years].notna().all(axis=1)
    size = refs.loc[ok, "2019"].sort_values()
    return [str(size.index[int((i + 0.5) * len(size) / n)]) for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="start", type=int, default=2019)
    ap.add_argument("--councils", type=int, default=10)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    out = a.out or ROOT / "results" / f"backtest_sample_{a.start}"
    councils = sample(a.councils)
    print("councils:", ", ".join(councils), file=sys.stderr)
    bt = run_backtest(councils, a.start, a.years, a.replications, a.seed, a.jobs)
    out.mkdir(parents=True, exist_ok=True)
    bt.table.to_csv(out / "backtest.csv", index=False)
    league = league_table(bt.table)
    league.to_csv(out / "league.csv", index=False)
    for c, why in bt.skipped.items():
        print(f"skipped {c}: {why}", file=sys.stderr)
    print(league.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    print(f"{bt.wall_seconds:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
