"""Rewrite the golden files (tests/golden/) when a change of results is intended.

    python tools/regenerate_golden.py            # rewrite, printing what changed
    python tools/regenerate_golden.py --dry-run  # only print what would change

The runs are those of tests/test_golden.py (same scenarios, horizon, replications and seed,
written by the same code as ``sim run``). For each file it prints the metrics (annual.csv)
or budget lines (budget.csv) whose values moved: how many rows, the largest change and the
mean change over those rows. Commit tests/golden/ with a message that says why the results
moved.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from io import StringIO
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the recipe lives with the test that checks it

from tests.test_golden import FILES, GOLDEN, SCENARIOS, produce  # noqa: E402

# the columns that name a row, and the value columns, of each golden file
KEYS = {"annual.csv": (["replication", "fy", "metric"], ["value"]),
        "budget.csv": (["replication", "fy", "line"], ["cost", "cost_real"])}


def describe(file: str, old_text: str, new_text: str) -> list[str]:
    """What changed between two versions of a golden file, a line per metric (or budget
    line) that moved; empty when the text is identical."""
    if old_text == new_text:
        return []
    keys, values = KEYS[file]
    old = pd.read_csv(StringIO(old_text), dtype={"fy": str}) if old_text else None
    new = pd.read_csv(StringIO(new_text), dtype={"fy": str})
    if old is None:
        return [f"  new file: {len(new)} rows"]
    if list(old.columns) != list(new.columns):
        return [f"  columns changed: {list(old.columns)} -> {list(new.columns)}"]
    m = old.merge(new, on=keys, how="outer", suffixes=("_old", "_new"), indicator=True)
    out = []
    for side, word in (("left_only", "removed"), ("right_only", "added")):
        gone = m[m["_merge"] == side]
        if len(gone):
            groups = sorted({f"{r[keys[2]]} {r['fy']}" for _, r in gone.iterrows()})
            out.append(f"  {len(gone)} rows {word}: {', '.join(groups[:8])}"
                       + (" ..." if len(groups) > 8 else ""))
    both = m[m["_merge"] == "both"]
    for col in values:
        a, b = both[f"{col}_old"], both[f"{col}_new"]
        moved = both[~((a == b) | (a.isna() & b.isna()))]
        for name, g in moved.groupby(keys[2], sort=True):
            d = g[f"{col}_new"] - g[f"{col}_old"]
            rel = (d.abs() / g[f"{col}_old"].abs()).replace(float("inf"), float("nan"))
            worst = g.loc[d.abs().idxmax()]
            out.append(
                f"  {name} [{col}]: {len(g)} of {int((both[keys[2]] == name).sum())} rows "
                f"moved; largest {worst[f'{col}_old']:.6g} -> {worst[f'{col}_new']:.6g} "
                f"(replication {worst['replication']}, {worst['fy']}); mean change "
                f"{d.mean():+.4g}, largest relative {100 * rel.max():.3g}%")
    if not out:  # same values, different text (formatting, order)
        out.append("  same values, but the text differs (formatting or row order)")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="print what would change only")
    args = ap.parse_args(argv)
    changed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in SCENARIOS:
            out = produce(name, Path(tmp) / name)
            for file in FILES:
                dest = GOLDEN / name / file
                old = dest.read_text() if dest.is_file() else ""
                new = (out / file).read_text()
                lines = describe(file, old, new)
                if not lines:
                    print(f"{name}/{file}: unchanged")
                    continue
                changed += 1
                print(f"{name}/{file}: changed")
                print("\n".join(lines))
                if not args.dry_run:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(out / file, dest)
    if changed and not args.dry_run:
        print(f"\nrewrote {changed} file(s) in {GOLDEN.relative_to(ROOT)}/: commit them "
              "with a message that says why the results moved")
    elif changed:
        print(f"\n{changed} file(s) would change (--dry-run: nothing written)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
