"""The command line: a run writes every result file; bad input is one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.outputs.files import RESULT_FILES

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
    assert sorted(p.name for p in out.iterdir()) == sorted(RESULT_FILES)
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
    bad.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\ndemand:\n  rereferral_share: 7\n")
    r = sim("run", str(bad), cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "bad.yaml:3: demand.rereferral_share:" in lines[0]
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
