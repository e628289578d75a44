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
from sim.outputs.comparison import DRIVER_METRICS, Comparison
from sim.outputs.plots import (
    write_comparison_series,
    write_differences,
    write_plots,
    write_tornado,
    write_weekly_differences,
)
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


class OutputError(Exception):
    """The results cannot be written where asked; the message says why in one line."""


MARKERS = ("run.json", "comparison.json")


def check_output_dir(out: Path) -> Path:
    """Refuse a destination that is not a directory sim wrote: results replace only
    results, never a directory of the user's."""
    out = Path(out).absolute()
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a results directory")
    if out.is_dir() and any(out.iterdir()) and not any((out / m).is_file() for m in MARKERS):
        raise OutputError(f"{out} exists and holds files that sim did not write; choose "
                          "another --out")
    if out == Path.cwd() or out in Path.cwd().parents or out.parent == out:
        raise OutputError(f"{out} is the working directory or above it; choose another --out")
    return out


def _atomically(out: Path, fill) -> Path:
    """Create ``out`` by filling a temporary directory beside it, then renaming it."""
    out = check_output_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        fill(tmp)
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


def write_results(results: Results, out: Path) -> Path:
    """Write a run's results to ``out`` atomically, replacing what was there."""
    return _atomically(out, lambda tmp: write_into(results, tmp))


COMPARISON_FILES = ("comparison.csv", "drivers.csv", "parameters.csv", "comparison.json",
                    "compare_caseload.png", "compare_unallocated.png", "compare_workforce.png",
                    "compare_open_cases.png", "compare_differences.png",
                    "compare_differences_weekly.png")


def write_comparison(comp: Comparison, out: Path, labels: dict[str, str],
                     headline: list[str], drivers_fy: str | None = None,
                     precision: str | None = None) -> Path:
    """Write a comparison: each scenario's own results under ``<out>/<scenario>/``, the
    comparison table, drivers, and plots. All at once, like ``write_results``."""

    def fill(tmp: Path) -> None:
        for name, res in comp.results.items():
            (tmp / name).mkdir()
            write_into(res, tmp / name)
        comp.table.to_csv(tmp / "comparison.csv", index=False)
        comp.drivers.to_csv(tmp / "drivers.csv", index=False)
        comp.parameters.to_csv(tmp / "parameters.csv", index=False)
        base = comp.results[comp.base]
        meta = {
            "scenarios": comp.names, "base": comp.base, "seed": base.seed,
            "replications": comp.replications, "fixed_parameters": base.fixed_parameters,
            "precision": precision, "drivers_fy": drivers_fy or "the clearest year of each",
            "sim_version": __version__,
            "wall_seconds": round(base.wall_seconds, 3),
        }
        (tmp / "comparison.json").write_text(json.dumps(meta, indent=2) + "\n")
        write_comparison_series({k: r.weekly for k, r in comp.results.items()}, tmp)
        write_differences(comp.table, headline, labels, tmp)
        write_weekly_differences({k: r.weekly for k, r in comp.results.items()}, comp.base,
                                 tmp)
        for name in comp.names:
            if name != comp.base:
                write_tornado(comp.drivers, name, comp.base, DRIVER_METRICS[:4], labels, tmp,
                              comp.table, drivers_fy)

    return _atomically(out, fill)
