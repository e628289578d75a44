"""Ctrl-C stops a run with one line, "interrupted" (and what was saved), exit status 130:
never a traceback from the command or its pool of workers, however early it comes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import SCENARIOS


def _ctrl_c(args: list[str], cwd: Path, after: float, started: str | None = None
            ) -> subprocess.CompletedProcess:
    """Run ``sim ARGS`` in its own process group and press Ctrl-C ``after`` seconds after
    it starts, or after it prints a line containing ``started``: SIGINT to the whole group,
    the command and its workers, as a terminal sends it."""
    # a pytest-xdist worker may ignore SIGINT, and a child inherits that: restore the
    # default, so the command gets Ctrl-C as it would from a terminal
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stderr is not None
    before = ""
    try:
        if started is not None:
            while started not in before:
                line = proc.stderr.readline()
                assert line, before  # ended before it started its run
                before += line
        time.sleep(after)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:  # pragma: no cover - a hang is the failure
            os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(args, proc.returncode, out, before + err)


def _check(r: subprocess.CompletedProcess) -> str:
    """The one line about the interruption, checked; it is the last word."""
    assert r.returncode == 130, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    said = [ln for ln in lines if "interrupted" in ln]
    assert len(said) == 1 and said[0].startswith("interrupted"), r.stderr
    assert lines[-1] == said[0], r.stderr
    return said[0]


@pytest.fixture
def longer(tmp_path: Path) -> Path:
    p = tmp_path / "longer.yaml"
    p.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: longer\n"
                 "run: {replications: 40}\n")
    return p


@pytest.mark.slow
@pytest.mark.parametrize("after", [1.0, 2.5])
def test_ctrl_c_while_loading(after: float, longer: Path, tmp_path: Path) -> None:
    """In the first seconds the command is still loading (its imports take seconds)."""
    r = _ctrl_c(["run", str(longer), "--jobs", "2", "--out", str(tmp_path / "out")],
                tmp_path, after)
    _check(r)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.3, 2.0, 6.0])
def test_ctrl_c_while_the_pool_starts_or_runs(after: float, longer: Path,
                                              tmp_path: Path) -> None:
    """Once the run is announced, its two workers start (each importing for a second or
    more) and run: the workers ignore Ctrl-C and the parent says what it saved."""
    r = _ctrl_c(["run", str(longer), "--jobs", "2", "--out", str(tmp_path / "out")],
                tmp_path, after, started="replications on up to 2 process(es)")
    line = _check(r)
    assert "saved in" in line and "--resume" in line, line
    assert not (tmp_path / "out").exists()  # nothing half-written


@pytest.mark.slow
def test_ctrl_c_in_compare_is_one_line(tmp_path: Path) -> None:
    """compare saves its replications as run does: one line, what it saved and how to
    finish, status 130."""
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(
            f"extends: {SCENARIOS / 'baseline.yaml'}\nrun: {{replications: 40}}\n")
    r = _ctrl_c(["compare", "a.yaml", "b.yaml", "--jobs", "2"], tmp_path, 1.0,
                started="comparing a, b")
    line = _check(r)
    assert line.startswith("interrupted: ") and "a_vs_b.unfinished" in line, line
    assert "--resume" in line and not (tmp_path / "results" / "a_vs_b").exists()
