"""The files a planner takes away: the scenario (YAML, extending the baseline), the results
(a zip of what `sim compare --xlsx --report` writes), the report and the workbook.

They are written with the outputs layer's own ``write_comparison`` into a private temporary
directory, read into memory for the page's download buttons, and the directory removed: the
page never names a path, so it cannot make the app write where it chooses.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sim.app.sources import Source
from sim.model.measures import HEADLINE_METRICS
from sim.outputs.comparison import Comparison
from sim.outputs.files import write_comparison
from sim.outputs.report import LABELS

RESULTS_DIR = "results"


@dataclass(frozen=True)
class Downloads:
    results_zip: bytes
    report_html: bytes
    workbook: bytes


def _zip(directory: Path, extra: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(directory.rglob("*")):
            if p.is_file():
                z.write(p, f"{RESULTS_DIR}/{p.relative_to(directory)}")
        for name, text in extra.items():
            z.writestr(f"{RESULTS_DIR}/{name}", text)
    return buf.getvalue()


def build_downloads(comp: Comparison, src: Source, scenario_yaml: str, name: str
                    ) -> Downloads:
    """Everything to download for a comparison, in memory. The zip holds the scenario
    files too (the baseline and the levers' scenario), so its results can be reproduced."""
    command = (f"sim compare {src.file_name} {name}.yaml --replications "
               f"{comp.replications} --seed {comp.results[comp.base].seed} --xlsx --report")
    with tempfile.TemporaryDirectory(prefix="sim-app-") as tmp:
        out = write_comparison(comp, Path(tmp) / RESULTS_DIR, LABELS, list(HEADLINE_METRICS),
                               xlsx=True, report=True, command=command)
        scenarios = {src.file_name: src.yaml, f"{name}.yaml": scenario_yaml}
        return Downloads(_zip(out, scenarios), (out / "report.html").read_bytes(),
                         (out / "comparison.xlsx").read_bytes())
