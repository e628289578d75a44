"""Writing a run's results to a directory, all or nothing.

Files are written into a temporary directory next to the destination and moved into place
only when every file is complete, so a run that fails or is interrupted never leaves a
half-written results directory behind.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

from sim import __version__
from sim.experiment.runner import Results
from sim.outputs.plots import write_plots
from sim.outputs.tables import summarise

RESULT_FILES = ("annual.csv", "summary.csv", "weekly.parquet", "parameters.csv", "run.json",
                "caseload.png", "unallocated.png", "workforce.png")


def run_metadata(results: Results) -> dict:
    return {
        "scenario": results.scenario.model_dump(mode="json"),
        "seed": results.seed,
        "replications": len(results.replications),
        "fixed_parameters": results.fixed_parameters,
        "jobs": results.jobs,
        "sim_version": __version__,
        "python": platform.python_version(),
        "wall_seconds": round(results.wall_seconds, 3),
    }


def write_into(results: Results, out: Path) -> None:
    """Write every result file of a run into an existing directory."""
    results.annual.to_csv(out / "annual.csv", index=False)
    summarise(results.annual).to_csv(out / "summary.csv", index=False)
    results.weekly.to_parquet(out / "weekly.parquet", index=False)
    results.parameters.to_csv(out / "parameters.csv", index=False)
    (out / "run.json").write_text(json.dumps(run_metadata(results), indent=2) + "\n")
    write_plots(results.weekly, out, results.scenario.name)


def write_results(results: Results, out: Path) -> Path:
    """Write a run's results to ``out`` atomically, replacing what was there."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        write_into(results, tmp)
        os.chmod(tmp, 0o755)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
