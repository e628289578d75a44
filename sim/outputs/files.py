"""Writing a run's results to a directory, all or nothing.

Files are written into a temporary directory next to the destination and moved into place
only when every file is complete, so a run that fails or is interrupted never leaves a
half-written results directory behind.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim import __version__
from sim.experiment.runner import Results
from sim.outputs.assumptions import scenario_yaml
from sim.outputs.comparison import Comparison
from sim.outputs.excel import comparison_workbook, run_workbook, sweep_workbook
from sim.outputs.narrative import headline as comparison_headline
from sim.outputs.narrative import run_headline, sweep_headline
from sim.outputs.ownership import (
    PARTIAL_MARK,
    OutputError,
    check_destination,
    clear_leftovers,
    is_sim_results,
    locked,
    read_manifest,
    resolved,
    write_manifest,
)
from sim.outputs.plots import (
    Source,
    backtest_charts,
    comparison_charts,
    save_charts,
    sweep_charts,
    write_plots,
)
from sim.outputs.published import league_markdown
from sim.outputs.report_html import write_report
from sim.outputs.sweep import option_names
from sim.outputs.tables import summarise

if TYPE_CHECKING:
    from sim.experiment.backtest import Backtest
    from sim.experiment.calibration import Fit

RESULT_FILES = ("annual.csv", "summary.csv", "weekly.parquet", "parameters.csv", "budget.csv",
                "budget_summary.csv", "run.json", "scenario.yaml", "caseload.png",
                "unallocated.png", "workforce.png")


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
        "command": results.extra.get("command"),  # as typed, for the report's "reproduce"
    }


def write_weekly_parquet(results: Results, path: Path) -> None:
    """``replication, week, metric, value``, written a replication at a time (row groups),
    so a long run never builds the whole long table in memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.model.measures import WEEKLY_METRICS

    n_w = len(results.weeks)
    n_m = len(WEEKLY_METRICS)
    metric = pa.DictionaryArray.from_arrays(
        pa.array(np.tile(np.arange(n_m, dtype=np.int32), n_w)), pa.array(WEEKLY_METRICS))
    week = pa.array(np.repeat(results.weeks, n_m).astype("datetime64[s]"))
    schema = pa.schema([("replication", pa.int64()), ("week", pa.timestamp("s")),
                        ("metric", metric.type), ("value", pa.float64())])
    with pq.ParquetWriter(path, schema) as w:
        for i, rep in enumerate(results.replications):
            w.write_table(pa.table({
                "replication": pa.array(np.full(n_w * n_m, rep, dtype=np.int64)),
                "week": week, "metric": metric,
                "value": pa.array(results.weekly_values[i].reshape(-1)),
            }, schema=schema))


def write_into(results: Results, out: Path, yaml_text: str | None = None) -> None:
    """Write every result file of a run into an existing directory. ``scenario.yaml`` is
    ``yaml_text`` (the resolved scenario with its sources, ``assumptions.scenario_yaml``),
    else the resolved scenario without comments: either reruns the same results."""
    results.annual.to_csv(out / "annual.csv", index=False)
    summarise(results.annual).to_csv(out / "summary.csv", index=False)
    write_weekly_parquet(results, out / "weekly.parquet")
    results.parameters.to_csv(out / "parameters.csv", index=False)
    results.budget.to_csv(out / "budget.csv", index=False)
    results.budget_summary().to_csv(out / "budget_summary.csv", index=False)
    (out / "run.json").write_text(json.dumps(run_metadata(results), indent=2) + "\n")
    (out / "scenario.yaml").write_text(yaml_text or scenario_yaml(results.scenario))
    write_plots(results, out)


def has_results(out: Path) -> bool:
    """Whether ``out`` holds results sim wrote (its manifest is there)."""
    return read_manifest(resolved(out)) is not None


def checkpoint_dir(out: Path) -> Path:
    """Where a run into ``out`` saves its replications until it is complete."""
    out = resolved(out)
    return out.parent / f".{out.name}.unfinished"


def check_files(paths: list[Path], force: bool) -> None:
    """Before any work, refuse (``OutputError``) to replace an existing file of results
    without ``force`` (for the tools that write single tables), and create the directory
    that will hold them."""
    for p in paths:
        if p.exists() and not force:
            raise OutputError(f"{p} exists; add --force to replace it, or choose another "
                              "--out")
        p.parent.mkdir(parents=True, exist_ok=True)


def atomically(out: Path, fill: Callable[[Path], None], kind: str = "results") -> Path:
    """Create ``out`` by filling a temporary directory beside it, then renaming it, holding
    the lock on ``out`` throughout; what a killed writer of ``out`` left is cleared first.
    The directory's manifest lists what ``fill`` wrote."""
    out = check_destination(out)
    with locked(out):
        clear_leftovers(out)
        out = check_destination(out)  # again, now that no other run can change it
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial",
                                    dir=out.parent))
        (tmp / PARTIAL_MARK).touch()
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        try:
            fill(tmp)
            (tmp / PARTIAL_MARK).unlink()
            write_manifest(tmp, kind)
            os.chmod(tmp, 0o755)
            if out.exists():
                out.rename(old)
                # a file put into ``out`` while ``fill`` ran is the user's: keep it all
                if not is_sim_results(old):
                    old.rename(out)
                    raise OutputError(f"{out} was changed while sim was writing (it now "
                                      f"holds files that sim did not write); nothing was "
                                      "replaced: choose another --out")
                tmp.rename(out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                tmp.rename(out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if old.exists() and not out.exists():  # stopped between the two renames
                old.rename(out)
            raise
    return out


def write_results(results: Results, out: Path, xlsx: bool = False, report: bool = False,
                  sentences: list[str] | None = None, yaml_text: str | None = None) -> Path:
    """Write a run's results to ``out`` atomically, replacing what was there; with ``xlsx``
    also ``results.xlsx`` (its Summary led by the headline ``sentences``; by default the
    narrative's), with ``report`` also ``report.html``. ``yaml_text``: the scenario with its
    sources, kept as ``scenario.yaml``."""
    def fill(tmp: Path) -> None:
        write_into(results, tmp, yaml_text)
        if xlsx:
            headline = sentences if sentences is not None else run_headline(
                results.summary(), results.budget_summary(),
                results.scenario.council or "the council")
            run_workbook(tmp / "results.xlsx", results, headline,
                         (tmp / "scenario.yaml").read_text())
        if report:  # from the files just written, as `sim report` would
            write_report(tmp)

    return atomically(out, fill, "run")


COMPARISON_FILES = ("comparison.csv", "drivers.csv", "parameters.csv", "comparison.json",
                    "budget_comparison.csv", "cost_effectiveness.csv",
                    "compare_caseload.png", "compare_unallocated.png", "compare_workforce.png",
                    "compare_open_cases.png", "compare_differences.png",
                    "compare_differences_weekly.png")


def names_a_directory(name: str) -> bool:
    """Whether a scenario's name can name its own directory in a comparison's results:
    letters, digits, '_', '.' or '-' (no path, no '..'), and not a results file's name."""
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", name)) \
        and name not in COMPARISON_FILES


def write_comparison(comp: Comparison, out: Path, labels: dict[str, str],
                     headline: list[str], drivers_fy: str | None = None,
                     precision: str | None = None, xlsx: bool = False, report: bool = False,
                     command: str | None = None, sentences: list[str] | None = None,
                     yaml_texts: dict[str, str] | None = None) -> Path:
    """Write a comparison: each scenario's own results under ``<out>/<scenario>/``, the
    comparison table, drivers, and plots. All at once, like ``write_results``. ``headline``
    is the measures the differences plot shows; ``sentences`` lead the workbook's Summary
    (by default the narrative's headline); ``yaml_texts`` each scenario's
    ``scenario.yaml``."""

    def fill(tmp: Path) -> None:
        for name, res in comp.results.items():
            (tmp / name).mkdir()
            write_into(res, tmp / name, (yaml_texts or {}).get(name))
        comp.table.to_csv(tmp / "comparison.csv", index=False)
        comp.drivers.to_csv(tmp / "drivers.csv", index=False)
        comp.costs.to_csv(tmp / "budget_comparison.csv", index=False)
        comp.cost_effectiveness.to_csv(tmp / "cost_effectiveness.csv", index=False)
        comp.parameters.to_csv(tmp / "parameters.csv", index=False)
        base = comp.results[comp.base]
        meta = {
            "scenarios": comp.names, "base": comp.base, "seed": base.seed,
            "replications": comp.replications, "fixed_parameters": base.fixed_parameters,
            "precision": precision, "drivers_fy": drivers_fy or "the clearest year of each",
            "sim_version": __version__,
            "wall_seconds": round(base.wall_seconds, 3),
            "command": command,
        }
        (tmp / "comparison.json").write_text(json.dumps(meta, indent=2) + "\n")
        save_charts(comparison_charts(comp, headline, drivers_fy), tmp)
        if xlsx:
            comparison_workbook(
                tmp / "comparison.xlsx", comp,
                sentences if sentences is not None else comparison_headline(comp),
                {k: (tmp / k / "scenario.yaml").read_text() for k in comp.names})
        if report:
            write_report(tmp)

    return atomically(out, fill, "comparison")


SWEEP_FILES = ("sweep.csv", "frontier.csv", "sweep.json", "scenario.yaml", "sweep_frontier.png")


def write_sweep(table, front, points, out: Path, labels: dict[str, str], outcome_label: str,
                meta: dict, xlsx: bool = False, report: bool = False,
                sentences: list[str] | None = None, scenario=None,
                yaml_text: str | None = None) -> Path:
    """Write a sweep: the tidy table, the frontier and its plot (and a workbook, its
    Summary led by ``sentences``; its Assumptions those of ``scenario``, the base, read
    with the sources in ``yaml_text``, kept as ``scenario.yaml``)."""
    def fill(tmp: Path) -> None:
        table.to_csv(tmp / "sweep.csv", index=False)
        front.to_csv(tmp / "frontier.csv", index=False)
        (tmp / "sweep.json").write_text(json.dumps(
            {**meta, "points": {p.label: p.values for p in points},
             "sim_version": __version__}, indent=2, default=str) + "\n")
        save_charts(sweep_charts(front, {p.label: p.values for p in points}, meta["outcome"],
                                 Source(points[0].scenario.council, meta["replications"],
                                        meta["seed"]), meta.get("scenario")), tmp)
        if scenario is not None:  # the base the options change: with sweep.json, a rerun
            (tmp / "scenario.yaml").write_text(yaml_text or scenario_yaml(scenario))
        if xlsx:
            options = option_names(points)
            sweep_workbook(
                tmp / "sweep.xlsx", table, front, options, outcome_label,
                sentences if sentences is not None else
                sweep_headline(front, options, outcome_label),
                scenario, yaml_text, list(points[0].values) if points else [])
        if report:
            write_report(tmp)

    return atomically(out, fill, "sweep")


BACKTEST_FILES = ("backtest.csv", "league_table.csv", "league_table.md", "backtest.png")


def write_backtest(bt: Backtest, out: Path, council: str | None, from_year: int, years: int,
                   seed: int, command: str) -> Path:
    """Write a back-test: every council's comparison with what was published
    (``backtest.csv``), the league table (``.csv`` and ``.md``, which gives ``command`` to
    regenerate it) and, for one ``council``, its chart. All at once, like
    ``write_results``."""
    from sim.experiment.backtest import league_table

    league = league_table(bt.table)

    def fill(tmp: Path) -> None:
        bt.table.to_csv(tmp / "backtest.csv", index=False, float_format="%.6g")
        league.to_csv(tmp / "league_table.csv", index=False, float_format="%.4g")
        (tmp / "league_table.md").write_text(league_markdown(
            league, from_year, years, bt.replications, bt.table.council.nunique(),
            bt.skipped, command, bt.wall_seconds))
        if council is not None:
            save_charts(backtest_charts(bt.table, council, from_year, years,
                                        Source(council, bt.replications, seed)), tmp)

    return atomically(out, fill, "backtest")


def backtest_command(council: str | None, from_year: int, years: int,
                     replications: int) -> str:
    """The command that regenerates a back-test, as ``league_table.md`` gives it."""
    return (f"sim backtest {'--all' if council is None else '--la ' + repr(council)} --from "
            f"{from_year} --years {years} --replications {replications}")


def write_scenario_file(text: str, out: Path) -> Path:
    """Write a scenario file that must validate: written beside ``out``, read back, and
    only then put in place (``ScenarioError`` if it does not validate; ``out`` is then left
    as it was)."""
    from sim.scenario import load_scenario

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    try:
        tmp.write_text(text)
        load_scenario(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return out


def write_calibration(fit: Fit, scenario: Path, out: Path, council: str, year: int) -> Path:
    """Write a calibrated scenario, a file at ``out`` that extends ``scenario`` (by a path
    relative to ``out`` where it can) with the fitted rates, and its fit table beside it
    (``<out>.fit.csv``); ``out``."""
    from sim.experiment.calibration import calibrated_yaml

    src = Path(scenario).resolve()
    rel = src.relative_to(out.resolve().parent) if src.is_relative_to(out.resolve().parent) \
        else src
    out.write_text(calibrated_yaml(str(rel), fit, council, year))
    fit.table.to_csv(out.with_suffix(".fit.csv"), index=False, float_format="%.6g")
    return out
