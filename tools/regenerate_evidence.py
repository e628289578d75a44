"""Rewrite the committed evidence from the data shipped in sim/data: docs/evidence.md,
docs/evidence.csv, the figures in docs/evidence/ and sim/data/effect_ranges.yaml (which
`sim init` reads). Run after a change to sim/data or to the evidence code (`make evidence`);
tests/test_evidence.py fails while they differ from what this writes.

    python tools/regenerate_evidence.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sim.data.sources import studies  # noqa: E402
from sim.evidence import estimate_evidence  # noqa: E402
from sim.outputs.evidence import FIGURES, write_evidence  # noqa: E402


def main() -> None:
    ev = estimate_evidence()
    docs = ROOT / "docs"
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        write_evidence(t, ev.panel, ev.estimates, ev.ranges, studies())
        shutil.copyfile(t / "evidence.md", docs / "evidence.md")
        shutil.copyfile(t / "evidence.csv", docs / "evidence.csv")
        shutil.copyfile(t / "effect_ranges.yaml", ROOT / "sim" / "data" / "effect_ranges.yaml")
        (docs / FIGURES).mkdir(exist_ok=True)
        for png in (t / FIGURES).glob("*.png"):
            shutil.copyfile(png, docs / FIGURES / png.name)
    print(f"{len(ev.estimates)} estimates -> docs/evidence.md, docs/evidence.csv, "
          f"docs/{FIGURES}/, sim/data/effect_ranges.yaml")


if __name__ == "__main__":
    main()
