"""Every long job resumes (issue 17): ``compare``, ``sweep`` and ``backtest`` killed with
SIGKILL mid-run finish with ``--resume`` to the very files an uninterrupted run writes, as
``run`` does (tests/test_resume.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.outputs.files import checkpoint_dir

from .conftest import SCENARIOS
from .test_cli import sim


def write_pair(d: Path) -> list[str]:
    """Two small scenarios to compare (about 0.3 s a replication each), 4 replications."""
    head = "run: {horizon_years: 1.3, replications: 4}\n"
    (d / "base.yaml").write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\n{head}")
    (d / "alt.yaml").write_text(f"extends: {SCENARIOS / 'retention.yaml'}\n{head}")
    return [str(d / "base.yaml"), str(d / "alt.yaml")]


COMMANDS = {
    "compare": lambda d: ["compare", *write_pair(d)],
    "sweep": lambda d: ["sweep", write_pair(d)[1], "--set",
                        "interventions.retention.annual_spend=0,2500000", "-r", "4"],
    # 4 replications with the effects drawn and 8 at their centre
    "backtest": lambda d: ["backtest", "--la", "Halton", "--from", "2019", "--years", "1",
                           "-r", "4"],
}


def tables(d: Path) -> dict[str, bytes]:
    """Every table a job wrote (the .json files hold its timing, so differ run to run)."""
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.suffix in (".csv", ".parquet")}


def kill_when_saved(cmd: list[str], cwd: Path, saved: Path, at_least: int) -> int:
    """Start ``cmd``, SIGKILL it and its workers once ``at_least`` replications are saved;
    how many were."""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and p.poll() is None:
            if saved.is_dir() and len(list(saved.rglob("r*.npz"))) >= at_least:
                break
            time.sleep(0.05)
        assert p.poll() is None, "the job ended before it could be killed"
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    return len(list(saved.rglob("r*.npz")))


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_sigkill_then_resume_gives_the_uninterrupted_results(command: str,
                                                              tmp_path: Path) -> None:
    args = COMMANDS[command](tmp_path)
    ref = sim(*args, "--jobs", "1", "--out", "ref", cwd=tmp_path)
    assert ref.returncode == 0, ref.stderr
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", *args, "--jobs", "2", "--out", str(out)]
    n = kill_when_saved(cmd, tmp_path, checkpoint_dir(out), 2)
    assert 2 <= n < 12 and not out.exists()
    again = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 2 and "--resume" in again.stderr  # not silently restarted
    r = subprocess.run([*cmd, "--resume"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"resuming: {n} replication(s)" in r.stderr
    got, want = tables(out), tables(tmp_path / "ref")
    assert got.keys() == want.keys() and len(got) >= 2
    assert got == want
    assert not checkpoint_dir(out).exists()


def test_a_changed_scenario_is_not_resumed(tmp_path: Path) -> None:
    """The saves are per scenario, in order: change one and the resume is refused, naming
    the field."""
    args = COMMANDS["compare"](tmp_path)
    from sim.cli.saving import open_checkpoints
    from sim.scenario import load_scenario

    loaded = {Path(a).stem: load_scenario(a) for a in args[1:]}
    open_checkpoints(tmp_path / "out", loaded, loaded["base"].run.seed, False, False, False)
    saved = checkpoint_dir(tmp_path / "out")
    assert sorted(p.name for p in saved.iterdir()) == ["000", "001"]
    (tmp_path / "alt.yaml").write_text((tmp_path / "alt.yaml").read_text()
                                       + "costs: {discount_rate_pct: 2.0}\n")
    r = sim(*args, "--jobs", "1", "--out", "out", "--resume", cwd=tmp_path)
    assert r.returncode == 2 and "discount_rate_pct" in r.stderr, r.stderr
    r = sim(*args, "--jobs", "1", "--out", "out", cwd=tmp_path)
    assert r.returncode == 2 and "add --resume to finish it" in r.stderr


def test_calibrate_keeps_an_unfinished_fit_until_told(tmp_path: Path) -> None:
    """An interrupted `sim calibrate` left its rounds beside the file it was to write: the
    same command refuses to drop them without --resume (which reads them back, see
    tests/test_calibration.py) or --force."""
    out = tmp_path / "fit.yaml"
    (checkpoint_dir(out) / "0123456789abcdef" / "replications").mkdir(parents=True)
    r = sim("calibrate", str(SCENARIOS / "baseline.yaml"), "--out", str(out), cwd=tmp_path)
    assert r.returncode == 2 and "add --resume to finish it" in r.stderr, r.stderr
    assert checkpoint_dir(out).is_dir() and not out.exists()
