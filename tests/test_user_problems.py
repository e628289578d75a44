"""Issue 17, case 9: every problem of the user's input or of the machine is one line with
exit status 2 (the input) or 1 (the machine: a scheduler that does not answer, a full disk,
a killed worker, memory run out), saying what to do; status 70 ("internal error … a bug in
sim") only for real bugs. Before, each case here was reported as a bug (or after a long
wait, or after simulating).

Each command runs in a sandbox (its own working directory, HOME redirected).
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd
import pytest

import sim.experiment.runner as runner

from .conftest import ROOT, SCENARIOS
from .test_cli import sim

LONG = "a" * 300


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name, years in (("a", 1.6), ("b", 1.6), ("long", 12)):
        (tmp_path / f"{name}.yaml").write_text(
            f"extends: {SCENARIOS / 'retention.yaml'}\nname: {name}\n"
            f"run: {{horizon_years: {years}, replications: 2}}\n")
    return tmp_path


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated before the problem was reported")

    monkeypatch.setattr(runner, "simulate", refuse)


def _one_line(r, status: int, *fragments: str, after_work: bool = False
              ) -> None:  # type: ignore[no-untyped-def]
    """The command ended with ``status`` and one line of error, holding ``fragments``: its
    only output, or (``after_work``) the last line after the announcement and progress."""
    assert r.returncode == status, r.stderr
    lines = r.stderr.splitlines()
    if not after_work:
        assert len(lines) == 1, r.stderr
    assert lines[-1].startswith("error: ") and "internal error" not in r.stderr, r.stderr
    assert sum("error" in ln for ln in lines) == 1, r.stderr
    for f in fragments:
        assert f in lines[-1], r.stderr


def _left(sandbox: Path) -> list[str]:
    """What the command left in the sandbox beside the scenario files."""
    return sorted(p.name for p in sandbox.iterdir()
                  if p.name not in ("home", "a.yaml", "b.yaml", "long.yaml"))


# ------------------------------------------------------------------ --address (Dask)


@pytest.mark.parametrize("address, fragment", [
    ("inproc://x", "sim connects to tcp:// schedulers only"),
    ("tls://x", "sim connects to tcp:// schedulers only"),
    ("tcp://127.0.0.1", "(found 'tcp://127.0.0.1')"),  # no port
    ("tcp://127.0.0.1:99999", "(found 'tcp://127.0.0.1:99999')"),
])
def test_9_a_malformed_address_is_exit_2(address: str, fragment: str, sandbox: Path,
                                         no_simulation: None) -> None:
    r = sim("run", "a.yaml", "--executor", "dask", "--address", address, "--out", "out",
            cwd=sandbox)
    _one_line(r, 2, "--address: expected a scheduler address like tcp://host:8786", fragment)
    assert _left(sandbox) == []


def test_9_an_unreachable_scheduler_is_exit_1_within_seconds(sandbox: Path,
                                                             no_simulation: None) -> None:
    """Before: 20 s, then "cannot save a replication", and an empty saved run left."""
    t0 = time.monotonic()
    r = sim("run", "a.yaml", "--executor", "dask", "--address", "tcp://127.0.0.1:1",
            "--out", "out", cwd=sandbox)
    assert time.monotonic() - t0 < 10
    _one_line(r, 1, "--address: no Dask scheduler answers at tcp://127.0.0.1:1",
              "start one (`dask scheduler`) or check the address")
    assert _left(sandbox) == []


def test_9_a_scheduler_that_never_answers_is_given_up_after_a_timeout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from sim.experiment import guards

    asked = []

    def silent(address: tuple[str, int], timeout: float) -> None:
        asked.append((address, timeout))
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", silent)
    with pytest.raises(guards.PreRunError) as e:
        guards.check_scheduler("tcp://10.0.0.5:8786")
    assert asked == [(("10.0.0.5", 8786), 3.0)] and e.value.status == 1
    assert "no Dask scheduler answers at tcp://10.0.0.5:8786 (no answer within 3 s)" in \
        str(e.value)


# ------------------------------------------------------------------ check-costs, check-published


@pytest.mark.parametrize("args, fragments", [
    (["a.yaml", "--fy", "2030-31"], ["--fy: '2030-31' is not a whole financial year of the "
                                     "run (allowed: 2019-20)"]),
    (["long.yaml", "--fy", "2030-31"], ["no published looked_after_spend for 2030-31",
                                        "years of the run with figures: 2019-20, 2020-21"]),
    (["a.yaml", "--area", "nowhere"], ["--area: no English council called 'nowhere'"]),
])
def test_9_check_costs_refuses_a_year_or_area_before_simulating(
        args: list[str], fragments: list[str], sandbox: Path, no_simulation: None) -> None:
    r = sim("check-costs", *args, "-j", "1", "--out", "t/costs", cwd=sandbox)
    _one_line(r, 2, *fragments)
    assert _left(sandbox) == []


def test_9_check_published_refuses_an_area_before_simulating(sandbox: Path,
                                                             no_simulation: None) -> None:
    r = sim("check-published", "a.yaml", "--area", "nowhere", "-j", "1", "--out", "t/x",
            cwd=sandbox)
    _one_line(r, 2, "--area: no published figures with tolerances for 'nowhere' (allowed: "
              "west_sussex")
    assert _left(sandbox) == []


# ------------------------------------------------------------------ init --out DIR --force


def test_9_init_into_a_directory_is_refused_and_the_directory_untouched(sandbox: Path
                                                                        ) -> None:
    d = sandbox / "mine"
    d.mkdir()
    (d / "keep.txt").write_text("mine\n")
    r = sim("init", "--la", "West Sussex", "--year", "2019", "--out", "mine", "--force",
            cwd=sandbox)
    _one_line(r, 2, "--out: mine is a directory; give the name of the file to write in it")
    assert _left(sandbox) == ["mine"] and sorted(os.listdir(d)) == ["keep.txt"]


def test_9_calibrate_into_a_directory_is_refused_before_simulating(
        sandbox: Path, no_simulation: None) -> None:
    (sandbox / "mine").mkdir()
    r = sim("calibrate", "a.yaml", "-j", "1", "--out", "mine", "--force", cwd=sandbox)
    _one_line(r, 2, "--out: mine is a directory")
    assert _left(sandbox) == ["mine"] and not os.listdir(sandbox / "mine")


# ------------------------------------------------------------------ a name too long


@pytest.mark.parametrize("args", [
    ["run", "a.yaml", "-j", "1", "--out", LONG],
    ["compare", "a.yaml", "b.yaml", "-j", "1", "--out", LONG],
    ["sweep", "a.yaml", "--set", "interventions.retention.annual_spend=0,1", "-j", "1",
     "--out", LONG],
    ["check-published", "a.yaml", "-j", "1", "--out", f"{LONG}/x"],
    ["check-costs", "a.yaml", "-j", "1", "--out", f"{LONG}/x"],
    ["init", "--la", "West Sussex", "--year", "2019", "--out", f"{LONG}.yaml"],
])
def test_9_an_over_long_out_is_exit_2_before_any_work(args: list[str], sandbox: Path,
                                                      no_simulation: None) -> None:
    r = sim(*args, cwd=sandbox)
    _one_line(r, 2, "--out: ")
    assert "shorter" in r.stderr
    assert _left(sandbox) == []


# ------------------------------------------------------------------ a full disk


@pytest.mark.parametrize("command", [
    ["compare", "a.yaml", "b.yaml"],
    ["sweep", "a.yaml", "--set", "interventions.retention.annual_spend=0,1000000"],
    ["check-published", "a.yaml"],
    ["backtest", "--la", "Halton", "--from", "2019", "--years", "1"],
])
@pytest.mark.slow  # in make test, not in the quick set (a minute)
def test_9_a_full_disk_while_writing_is_exit_1_and_nothing_half_written(
        command: list[str], sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: object, path: object = None, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    r = sim(*command, "-r", "2", "-j", "1", "--out", "out", cwd=sandbox)
    if command[0] == "check-published":  # its simulation is not saved
        _one_line(r, 1, "cannot write the results to", "no space left on device",
                  "free some space and run the same command again", after_work=True)
        assert _left(sandbox) == []  # no results, no .out.*.partial, no lock
        return
    # the replications are kept to write the results from, once there is room
    _one_line(r, 1, "cannot write the results to", "no space left on device",
              "the finished replications are kept in", "free some space and run the same "
              "command with --resume", after_work=True)
    assert _left(sandbox) == [".out.unfinished"]  # no results, no .out.*.partial, no lock


# ------------------------------------------------------------------ a killed worker


def test_9_a_broken_pool_during_run_is_exit_1_and_says_resume(
        sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.cli.common as common

    def broken(*args: object, **kwargs: object) -> None:
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr(common, "run_many", broken)
    r = sim("run", "a.yaml", "-j", "2", "--out", "out", cwd=sandbox)
    _one_line(r, 1, "a worker process died (killed, perhaps for lack of memory?)",
              "run the same command with --resume", after_work=True)


@pytest.mark.parametrize("error, status, fragment", [
    (BrokenProcessPool("terminated abruptly"), 1, "a worker process died"),
    (MemoryError(), 1, "this machine ran out of memory"),
    (OSError(errno.ENOSPC, "No space left on device", "/x/y.csv"), 1,
     "cannot use /x/y.csv: No space left on device"),
    (PermissionError(errno.EACCES, "Permission denied", "/x"), 1, "Permission denied"),
    (OSError(errno.ENAMETOOLONG, "File name too long", "/x"), 2, "File name too long"),
    (OSError("Timed out trying to connect to tcp://10.0.0.5:8786 after 20 s"), 1,
     "lost the Dask scheduler"),
    (KeyError("a bug"), 70, "internal error: KeyError"),
])
def test_9_the_last_resort_tells_the_machine_from_a_bug(
        error: BaseException, status: int, fragment: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Whatever command meets them: the machine's problems in one line with status 1 (2
    for a name too long); anything else is a bug (70)."""
    from sim.cli import entry

    def boom() -> None:
        raise error

    monkeypatch.setattr(entry, "app", boom)
    monkeypatch.delenv("SIM_DEBUG", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the crash file of the bug
    with pytest.raises(SystemExit) as e:
        entry.main()
    assert e.value.code == status
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err, err


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.slow
def test_9_a_killed_worker_is_exit_1_in_one_line(sandbox: Path) -> None:
    """A real worker killed with SIGKILL (as the kernel's out-of-memory killer does)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", "long.yaml", "-r", "4", "-j", "2",
         "--out", "out"], cwd=sandbox, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "HOME": str(sandbox / "home"), "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.5)  # the pool's workers: children that are not the resource tracker
            workers = [c for c in _children(proc.pid)
                       if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]
        assert workers, "no worker started"
        time.sleep(3)  # each has its task
        os.kill(workers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    lines = [ln for ln in err.splitlines() if "replications" not in ln or "error" in ln]
    assert proc.returncode == 1, err
    assert len(lines) == 1 and "a worker process died" in lines[0], err
    assert "--resume" in lines[0]
