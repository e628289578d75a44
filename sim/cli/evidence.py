"""``sim evidence``: estimate the model's uncertain effects from every council's published
figures and write the report (evidence.csv, evidence.md, a figure per effect, and the
scenarios' ranges)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import ForceOpt, out_console, results_dir


def evidence(
    out: Annotated[Path, typer.Option("--out", "-o", help="results directory")] = Path(
        "results/evidence"),
    force: ForceOpt = False,
) -> None:
    """Estimate, from every council's published figures, the effects the scenarios' ranges
    rest on: early help, workload, caseload and turnover, changes of social worker."""
    from sim import __version__
    from sim.data.sources import studies
    from sim.evidence import estimate_evidence
    from sim.outputs.evidence import write_evidence
    from sim.outputs.files import atomically

    results_dir(out, force)
    with out_console.status("estimating from the published panel…"):
        ev = estimate_evidence()

    def fill(tmp: Path) -> None:
        write_evidence(tmp, ev.panel, ev.estimates, ev.ranges, studies())
        (tmp / "evidence.json").write_text(json.dumps(
            {"sim_version": __version__, "command": "sim evidence",
             "estimates": len(ev.estimates)}, indent=2) + "\n")

    done = atomically(out, fill, "evidence")
    out_console.print(f"{len(ev.estimates)} estimates of "
                      f"{ev.estimates.effect.nunique()} effects written to {done}: "
                      "evidence.md, evidence.csv, effect_ranges.yaml, figures in evidence/",
                      highlight=False, soft_wrap=True)
