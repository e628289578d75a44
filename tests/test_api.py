"""The Python API (``sim.api``): each function's results object has its tables, figures by
the names of the PNGs the command writes, and ``save`` writes what the command writes.
Notebooks use the public API only."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from sim import api
from sim.outputs.files import BACKTEST_FILES, COMPARISON_FILES, RESULT_FILES, SWEEP_FILES
from sim.outputs.ownership import MANIFEST

from .conftest import ROOT, SCENARIOS

ONE_YEAR = {"run.horizon_years": 1}


def stems(files: tuple[str, ...]) -> set[str]:
    return {Path(f).stem for f in files if f.endswith(".png")}


def entries(d: Path) -> set[str]:
    return {p.name for p in d.iterdir()}


@pytest.fixture(scope="module")
def run() -> api.RunResults:
    return sim.run(SCENARIOS / "retention.yaml", replications=2, jobs=1, overrides=ONE_YEAR)


@pytest.fixture(scope="module")
def comp() -> api.ComparisonResults:
    return sim.compare(SCENARIOS / "baseline.yaml", SCENARIOS / "retention.yaml",
                       replications=2, jobs=1, overrides=ONE_YEAR)


@pytest.fixture(scope="module")
def sweep() -> api.SweepResults:
    return api.sweep(SCENARIOS / "retention.yaml",
                     {"interventions.retention.annual_spend": [0, 2_500_000]},
                     replications=2, jobs=1, overrides=ONE_YEAR)


# --- run


def test_run_tables(run: api.RunResults) -> None:
    assert list(run.annual.columns) == ["replication", "fy", "metric", "value"]
    assert list(run.summary().columns) == ["fy", "metric", "mean", "ci_low", "ci_high",
                                           "p05", "p95"]
    assert run.replications == [0, 1]
    assert "total" in set(run.budget_by_year().line)


def test_run_figures_are_the_pngs_of_sim_run(run: api.RunResults) -> None:
    figs = run.figures()
    assert set(figs) == stems(RESULT_FILES) == {"caseload", "unallocated", "workforce"}
    assert all(isinstance(f, Figure) for f in figs.values())
    assert all(c.title and c.alt for c in run.charts().values())
    assert isinstance(run.series_chart(["open_cin"], "Children in need").figure, Figure)


@pytest.mark.slow  # in make test, not in the quick set (a minute)
def test_run_save_writes_what_sim_run_writes(run: api.RunResults, tmp_path: Path) -> None:
    from .test_cli import sim as cli

    out = run.save(tmp_path / "api")
    assert entries(out) == {*RESULT_FILES, MANIFEST}
    assert json.loads((out / MANIFEST).read_text())["kind"] == "run"
    # the same files as the command, with the same numbers
    (tmp_path / "one_year.yaml").write_text("extends: " + str(SCENARIOS / "retention.yaml")
                                            + "\nname: retention\nrun:\n  horizon_years: 1\n")
    r = cli("run", "one_year.yaml", "-r", "2", "-j", "1", "-o", "cli", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert entries(tmp_path / "cli") == entries(out)
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"),
                                  pd.read_csv(tmp_path / "cli" / "summary.csv"))
    # the scenario file keeps its sources, as the command's does
    assert "# " in (out / "scenario.yaml").read_text().split("interventions:")[1]


def test_save_replaces_earlier_results_only_with_force(run: api.RunResults,
                                                       tmp_path: Path) -> None:
    from sim.outputs.ownership import OutputError

    out = run.save(tmp_path / "r")
    with pytest.raises(FileExistsError, match="force=True"):
        run.save(out)
    assert run.save(out, force=True) == out
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(OutputError):
        run.save(mine, force=True)
    assert (mine / "notes.txt").read_text() == "mine"


def test_load_results_reads_back_a_run(run: api.RunResults, tmp_path: Path) -> None:
    back = api.load_results(run.save(tmp_path / "r"))
    assert isinstance(back, api.RunResults)
    pd.testing.assert_frame_equal(back.summary(), run.summary())
    assert set(back.figures()) == set(run.figures())


# --- compare


def test_compare_tables(comp: api.ComparisonResults) -> None:
    assert comp.names == ["baseline", "retention"]
    assert comp.summary() is comp.table
    assert {"diff_mean", "diff_ci_low", "diff_ci_high"} <= set(comp.table.columns)
    assert all(isinstance(r, api.RunResults) for r in comp.results.values())
    assert not comp.costs.empty and not comp.cost_effectiveness.empty


def test_compare_figures_are_the_pngs_of_sim_compare(comp: api.ComparisonResults) -> None:
    figs = comp.figures()
    drivers = {k for k in figs if k.startswith("drivers_")}
    assert set(figs) - drivers == stems(COMPARISON_FILES)
    assert drivers <= {"drivers_retention"}
    assert all(isinstance(f, Figure) for f in figs.values())
    assert isinstance(comp.differences_chart(["inpost_fte"]).figure, Figure)
    assert isinstance(comp.series_chart(["caseload_mean"], "Caseload").figure, Figure)


@pytest.mark.slow  # in make test, not in the quick set (a minute)
def test_compare_save_writes_what_sim_compare_writes(comp: api.ComparisonResults,
                                                     tmp_path: Path) -> None:
    out = comp.save(tmp_path / "c")
    pngs = {f"{k}.png" for k in comp.figures() if k.startswith("drivers_")}
    assert entries(out) == {*COMPARISON_FILES, *pngs, MANIFEST, "baseline", "retention"}
    for name in comp.names:
        assert entries(out / name) == set(RESULT_FILES)
    assert json.loads((out / "comparison.json").read_text())["scenarios"] == comp.names
    back = api.load_results(out)
    assert isinstance(back, api.ComparisonResults)
    pd.testing.assert_frame_equal(back.table, comp.table)


# --- sweep


def test_sweep_tables_figures_and_files(sweep: api.SweepResults, tmp_path: Path) -> None:
    assert list(sweep.summary().option) == ["annual_spend=0", "annual_spend=2,500,000"]
    assert set(sweep.table.point) == {"p0", "p1"}
    figs = sweep.figures()
    assert set(figs) == stems(SWEEP_FILES) and isinstance(figs["sweep_frontier"], Figure)
    out = sweep.save(tmp_path / "s")
    assert entries(out) == {*SWEEP_FILES, MANIFEST}
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["replications"] == 2 and meta["outcome"] == "worker_changes"
    with pytest.raises(ValueError, match="outcome"):
        api.sweep(SCENARIOS / "retention.yaml", ["run.seed=1,2"], outcome="happiness")


def test_sweep_takes_set_options_as_the_command_does() -> None:
    sw = api.sweep(SCENARIOS / "retention.yaml",
                   ["interventions.retention.annual_spend=0,1000000"], replications=1,
                   jobs=1, overrides=ONE_YEAR)
    assert [p.values for p in sw.points] == [
        {"interventions.retention.annual_spend": 0},
        {"interventions.retention.annual_spend": 1_000_000}]


# --- councils


def test_init_council_and_save(tmp_path: Path) -> None:
    west = api.init_council("West Sussex", 2019)
    assert west.scenario.council == "West Sussex"
    path = west.save(tmp_path / "west.yaml")
    assert sim.load_scenario(path).name == west.name
    with pytest.raises(FileExistsError):
        west.save(path)
    assert "Halton" in api.councils()


def test_backtest_needs_one_council_or_all() -> None:
    with pytest.raises(ValueError, match="either"):
        api.backtest()
    with pytest.raises(ValueError, match="published figures end"):
        api.backtest("Halton", from_year=2024, years=3)


@pytest.mark.slow
def test_backtest_of_one_council(tmp_path: Path) -> None:
    bt = api.backtest("West Sussex", from_year=2019, years=1, replications=2, jobs=1)
    assert set(bt.table.council) == {"West Sussex"}
    assert {"median_error", "naive_median_error"} <= set(bt.summary().columns)
    assert list(bt.figures()) == ["backtest"]
    out = bt.save(tmp_path / "bt")
    assert entries(out) == {*BACKTEST_FILES, MANIFEST}
    assert "sim backtest --la 'West Sussex' --from 2019 --years 1" in \
        (out / "league_table.md").read_text()


@pytest.mark.slow
def test_calibrate_and_save(tmp_path: Path) -> None:
    west = api.init_council("West Sussex", 2019).save(tmp_path / "west.yaml")
    fit = api.calibrate(west, 2019, replications=2, jobs=1, final_replications=2)
    assert {"indicator", "published", "simulated", "error"} <= set(fit.table.columns)
    out = fit.save()
    assert out == tmp_path / "west_calibrated.yaml"
    assert (tmp_path / "west_calibrated.fit.csv").is_file()
    assert sim.load_scenario(out).name == "west_sussex_2019_calibrated"
    with pytest.raises(FileExistsError):
        fit.save()


@pytest.mark.slow
def test_report_of_saved_results(run: api.RunResults, tmp_path: Path) -> None:
    out = run.save(tmp_path / "r")
    assert api.report(out) == [out / "report.html"]


# --- notebooks use the public API only

PUBLIC = {"sim", "sim.api"}


def sim_imports(source: str) -> list[str]:
    """Every module of sim a cell imports (``import sim.x``, ``from sim.x import y``)."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    found = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "sim"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sim":
            found += [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names
                                            if node.module == "sim" and a.name != "api"
                                            and not hasattr(api, a.name)]
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_notebooks_import_only_the_public_api(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    private = [m for c in nb.cells if c.cell_type == "code" for m in sim_imports(c.source)
               if m not in PUBLIC]
    assert not private, f"{path.name} imports {private}: use `import sim` or sim.api"


def test_the_notebook_check_finds_internals() -> None:
    assert sim_imports("import sim\nfrom sim.api import run") == ["sim", "sim.api"]
    assert sim_imports("from sim.outputs import plots") == ["sim.outputs"]
    assert sim_imports("import sim.experiment.runner") == ["sim.experiment.runner"]
    assert sim_imports("%matplotlib inline\nfrom sim import plots") == ["sim", "sim.plots"]


def test_the_api_names_everything_it_exports() -> None:
    assert sorted(api.__all__) == sorted(n for n in dir(api) if not n.startswith("_")
                                         and n not in {"results", "runs", "studies"})
    for name in sim.API:
        assert getattr(sim, name) is getattr(api, name)
