"""The command line: a run writes every result file; bad input is one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.outputs.files import RESULT_FILES
from sim.outputs.ownership import MANIFEST

from .conftest import SCENARIOS


def sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the command line in this process (fast); see test_real_process for a real one."""
    import os

    from typer.testing import CliRunner

    from sim.cli import app

    old = Path.cwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(app, list(args), env={"COLUMNS": "100"})
    finally:
        os.chdir(old)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return subprocess.CompletedProcess(args, r.exit_code, r.stdout, r.stderr)


@pytest.mark.slow  # in make test, not in the quick set (a minute)
def test_real_process_reports_bad_input_without_traceback(tmp_path: Path) -> None:
    """The installed command, in its own process: one line on stderr, exit status 2."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nrun: {{seed: -1}}\n")
    r = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(bad)], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "run.seed" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert not (tmp_path / "results").exists()


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.yaml"
    p.write_text(f"extends: {SCENARIOS / 'retention.yaml'}\nname: tiny\n"
                 "run: {horizon_years: 1.6, replications: 2}\n")
    return p


def test_run_writes_every_result(tiny: Path, tmp_path: Path) -> None:
    r = sim("run", str(tiny), "--jobs", "1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "results" / "tiny"
    assert sorted(p.name for p in out.iterdir()) == sorted((*RESULT_FILES, MANIFEST))
    annual = pd.read_csv(out / "annual.csv")
    assert list(annual.columns) == ["replication", "fy", "metric", "value"]
    assert set(annual.replication) == {0, 1}
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["fy", "metric", "mean", "ci_low", "ci_high", "p05", "p95"]
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert list(weekly.columns) == ["replication", "week", "metric", "value"]
    meta = json.loads((out / "run.json").read_text())
    assert meta["replications"] == 2 and meta["seed"] == 20190401
    assert meta["scenario"]["interventions"]["retention"]["annual_spend"] == 2500000
    assert meta["wall_seconds"] > 0 and meta["sim_version"]
    assert "Referrals" in r.stdout and "CLA at 31 Mar" in r.stdout
    assert not list(tmp_path.glob("results/.*"))  # no temporary directory left behind


def test_options_override_scenario(tiny: Path, tmp_path: Path) -> None:
    r = sim("run", str(tiny), "-r", "1", "--seed", "9", "--out", "elsewhere", "-j", "1",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    meta = json.loads((tmp_path / "elsewhere" / "run.json").read_text())
    assert meta["replications"] == 1 and meta["seed"] == 9


def test_broken_scenario_is_one_line_exit_2_nothing_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\ndemand:\n  returns:\n    chance: 7\n")
    r = sim("run", str(bad), cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "bad.yaml:4: demand.returns.chance:" in lines[0]
    assert "less than or equal to 1" in lines[0]
    assert "Traceback" not in r.stderr + r.stdout
    assert not (tmp_path / "results").exists()


def test_missing_scenario_file(tmp_path: Path) -> None:
    r = sim("run", "nope.yaml", cwd=tmp_path)
    assert r.returncode == 2
    assert "nope.yaml: no such file" in r.stderr
    assert not (tmp_path / "results").exists()


def test_never_replaces_a_directory_sim_did_not_write(tiny: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("precious")
    for out in ("mine", ".", "mine/keep.txt"):
        r = sim("run", str(tiny), "--out", out, "-j", "1", cwd=tmp_path)
        assert r.returncode == 2 and "--out" in r.stderr, (out, r.stderr)
    assert (mine / "keep.txt").read_text() == "precious"
    assert sorted(p.name for p in mine.iterdir()) == ["keep.txt"]


# --- check-costs: the published figures and the note are the scenario's council's


def test_published_costs_are_the_shipped_west_sussex_figures() -> None:
    """The figures check-costs takes from the DfE table are those it once read from the
    West Sussex file."""
    from sim.outputs.published import load_published_costs
    from sim.outputs.published_costs import published_costs

    shipped = load_published_costs("west_sussex").set_index("item").published
    ours = published_costs("West Sussex", "2019-20").set_index("item").published
    assert ours.to_dict() == shipped.to_dict()


def _costs(tmp_path: Path, extends: Path | str) -> tuple[str, pd.Series]:
    (tmp_path / "tiny.yaml").write_text(
        f"extends: {extends}\nname: tiny\nrun: {{horizon_years: 1.6, replications: 1}}\n")
    r = sim("check-costs", "tiny.yaml", "-j", "1", "--out", "costs", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(tmp_path / "costs" / "comparison.csv").set_index("item")
    return (tmp_path / "costs" / "comparison.md").read_text(), table.published


def test_check_costs_names_west_sussex_and_its_figures(tmp_path: Path) -> None:
    md, _ = _costs(tmp_path, SCENARIOS / "baseline.yaml")
    assert md.startswith("# tiny: spending in 2019-20 against published figures "
                         "(West Sussex)\n")
    text = " ".join(md.split())  # the note is wrapped
    for fact in ("from West Sussex's own S251 figures", "the rest of the £66.7m",
                 "unit cost of £1,585 a week", "which were more than the year's average",
                 "starts from the published 705", "(published: 806)",
                 "the 95 West Sussex had", "against the published 13.3% and 15.9%"):
        assert fact in text, fact


def test_check_costs_names_the_scenarios_council(tmp_path: Path) -> None:
    """Another council's scenario is compared with that council's figures, not West
    Sussex's."""
    from sim.data import dfe

    r = sim("init", "--la", "Barnsley", "--year", "2019", "--out", "barnsley.yaml",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    md, published = _costs(tmp_path, "barnsley.yaml")
    assert md.startswith("# tiny: spending in 2019-20 against published figures (Barnsley)\n")
    assert "West Sussex" not in md
    text = " ".join(md.split())
    weekly = dfe.figure("Barnsley", "looked_after_weekly", "2019-20").value
    cla = dfe.figure("Barnsley", "cla_31mar", "2019").value
    assert "from Barnsley's own S251 figures" in text
    assert f"unit cost of £{weekly:,.0f} a week" in text
    assert f"starts from the published {cla:,.0f}" in text
    spend = dfe.figure("Barnsley", "looked_after_spend", "2019-20").value
    # the table is written to 6 significant figures
    assert published["looked-after spend (placements + other looked-after)"] == \
        pytest.approx(spend, rel=1e-5)


@pytest.mark.parametrize("body, args, fragment", [
    ("", ["--fy", "2024-25"], "--fy: '2024-25' is not a whole financial year of the run "
                              "(allowed: 2019-20)"),
    ("council: null\n", [], "council: the scenario does not say which council"),
    ("", ["--area", "Atlantis"], "--area: no English council called 'Atlantis'"),
])
def test_check_costs_bad_input_is_one_line(body: str, args: list[str], fragment: str,
                                           tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\n{body}"
                                     "run: {horizon_years: 1.6}\n")
    r = sim("check-costs", "s.yaml", *args, "--out", "costs", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and fragment in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


# --- what the commands print (sim/outputs/console.py)


def _text(renderable: object) -> str:
    import io

    from rich.console import Console

    console = Console(width=120, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_backtest_table_of_one_council_and_of_all() -> None:
    from sim.outputs.console import backtest_table

    league = pd.DataFrame({"indicator": ["referrals", "agency_rate"], "years_ahead": [1, 2],
                           "unit": ["pct", "points"], "median_error": [4.44, 1.26],
                           "naive_median_error": [6.0, 0.5], "inside_90_pct": [88.9, 50.0]})
    one = _text(backtest_table(league, "Halton"))
    assert one.splitlines()[0].rstrip() == "Halton: simulated against published"
    assert "4.4%" in one and "6.0%" in one and "89%" in one
    assert "1.3 pts" in one and "0.5 pts" in one and "50%" in one
    every = " ".join(_text(backtest_table(league, None)).split())  # the title wraps
    assert every.startswith("every council: error of the simulated forecast against the naive "
                            "forecast (median across councils)")


def test_calibration_table() -> None:
    from sim.outputs.console import calibration_table

    fit = pd.DataFrame({"indicator": ["referrals", "agency_rate"], "fy": ["2019-20"] * 2,
                        "published": [9993, 13.3], "simulated": [9800, 15.0],
                        "p05": [9500, 12.0], "p95": [10100, 18.0], "error": [-1.93, 1.7],
                        "error_unit": ["pct", "points"]})
    text = _text(calibration_table("West Sussex", fit))
    assert text.splitlines()[0].rstrip() == "West Sussex: first year after calibration"
    assert "9,993" in text and "-1.9%" in text and "+1.7 pts" in text and "12–18" in text


def test_tolerance_and_cost_lines() -> None:
    from sim.outputs.console import cost_lines, tolerance_lines

    checked = pd.DataFrame({"metric": ["referrals", "cla_31mar", "cp_31mar"],
                            "fy": ["2019-20"] * 3, "published": [9993, 806, 816],
                            "simulated": [10100.0, 900.0, 700.0], "tolerance": ["±10%"] * 3,
                            "within_tolerance": [True, False, pd.NA]})
    assert tolerance_lines(checked, Path("t.md")) == [
        "1 of 2 figures within tolerance; table: t.md",
        "  outside: cla_31mar 2019-20: published 806, simulated 900 (±10%)"]
    costs = pd.DataFrame({"item": ["staff", "context"], "published": [1000.0, 5.0],
                          "simulated": [900.0, float("nan")],
                          "difference_pct": [-10.0, float("nan")]})
    assert cost_lines(costs) == ["staff: published 1,000.0, simulated 900.0 (-10.0%)",
                                 "context: published 5.0, simulated nan"]


def test_option_labels_name_each_value_by_the_last_part_of_its_path() -> None:
    from sim.experiment.sweep import GridPoint
    from sim.outputs.console import option_labels
    from sim.scenario import load_scenario

    base = load_scenario(SCENARIOS / "baseline.yaml")
    points = [GridPoint("p0", {"interventions.retention.annual_spend": 1000000,
                               "run.flag": True, "costs.name": "x"}, base)]
    assert option_labels(points) == {"p0": "annual_spend=1,000,000, flag=True, name=x"}
