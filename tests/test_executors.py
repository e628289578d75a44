"""Executors: the same seed gives byte-identical results serially, in a process pool and on
a Dask cluster (a local one started by sim, and an existing one reached by address)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import SCENARIOS
from .test_cli import sim


@pytest.fixture
def short_file(tmp_path: Path) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(f"extends: {SCENARIOS / 'retention.yaml'}\nname: s\nrun: {{horizon_years: 1.2}}\n")
    return p


@pytest.mark.slow
def test_every_executor_gives_identical_results(short_file: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    from sim.experiment.executors import close_dask

    runs = {
        "serial": ["--jobs", "1"],
        "process": ["--jobs", "2"],
        "dask": ["--jobs", "2", "--executor", "dask"],
    }
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster:
        runs["dask-address"] = ["--executor", "dask", "--address", cluster.scheduler_address]
        try:
            for name, args in runs.items():
                r = sim("run", str(short_file), "-r", "3", "--out", name, *args, cwd=tmp_path)
                assert r.returncode == 0, (name, r.stderr)
        finally:
            close_dask()
    files = {name: (tmp_path / name / "annual.csv").read_bytes() for name in runs}
    assert len(set(files.values())) == 1, "annual.csv differs between executors"
    budgets = {name: (tmp_path / name / "budget.csv").read_bytes() for name in runs}
    assert len(set(budgets.values())) == 1


@pytest.mark.parametrize("args, fragment", [
    (["--executor", "spark"], "--executor: expected process or dask"),
    (["--address", "tcp://127.0.0.1:8786"], "--address: applies only with --executor dask"),
    (["--executor", "dask", "--address", "not a url"], "expected a scheduler address"),
])
def test_bad_executor_options(args, fragment, short_file: Path, tmp_path: Path) -> None:
    r = sim("run", str(short_file), *args, cwd=tmp_path)
    assert r.returncode == 2 and fragment in r.stderr
    assert not (tmp_path / "results").exists()


def test_an_existing_cluster_is_kept_busy_whatever_the_local_cores() -> None:
    from sim.experiment.executors import ExecutorSpec, in_flight_limit

    class Cluster:  # what Client.nthreads() reports: threads by worker
        def nthreads(self) -> dict[str, int]:
            return {f"tcp://10.0.0.{i}:4000": 1 for i in range(64)}

    assert in_flight_limit(ExecutorSpec("dask", "tcp://10.0.0.1:8786"), 2, Cluster()) == 128
    assert in_flight_limit(ExecutorSpec("dask"), 2, Cluster()) == 4  # sim's own cluster
    assert in_flight_limit(ExecutorSpec("process"), 3) == 6


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (psutil if installed, else Linux's /proc)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with distributed
        kids = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            kids += [int(k) for k in (task / "children").read_text().split()]
        return kids
    return [c.pid for c in psutil.Process(pid).children()]


def _alive(pid: int) -> bool:
    """Running, not ended nor a zombie (ended, waiting for whichever process adopted it to
    collect its status: its memory is already freed)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return fields[0] not in ("Z", "X")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")
def test_workers_die_with_a_parent_killed_by_sigkill(tmp_path: Path) -> None:
    """Issue 17, case 8: SIGKILL leaves the parent no chance to stop its pool. Its workers
    (a few hundred MB each) and multiprocessing's resource tracker must not stay behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "HOME": str(tmp_path)}
    parent = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(SCENARIOS / "baseline.yaml"),
         "--jobs", "2", "-r", "8", "--out", "out"], cwd=tmp_path, env=env,
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kids: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and parent.poll() is None:
            kids = _children(parent.pid)
            cmds = [Path(f"/proc/{k}/cmdline").read_bytes() for k in kids if _alive(k)]
            if sum(b"spawn_main" in c for c in cmds) == 2 and \
                    any(b"resource_tracker" in c for c in cmds):
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"no pool of two workers appeared (parent status {parent.poll()})")
        time.sleep(2)  # the workers at work on replications
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        gone_by = time.monotonic() + 5
        while any(_alive(k) for k in kids) and time.monotonic() < gone_by:
            time.sleep(0.1)
        left = [k for k in kids if _alive(k)]
        assert not left, f"still running 5 s after the parent's SIGKILL: {left}"
    finally:
        for k in kids:  # whatever the outcome, leave nothing behind
            if _alive(k):
                os.kill(k, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
            parent.wait()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")
def test_ctrl_c_as_the_pool_starts_stops_at_once_without_a_traceback(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group, the workers too, while they are still
    importing numpy: one line, status 130, within seconds (the workers are ended, not
    waited for while they finish a replication), and no worker left behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "HOME": str(tmp_path)}
    parent = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(SCENARIOS / "baseline.yaml"),
         "--jobs", "2", "-r", "4", "--out", "out"], cwd=tmp_path, env=env,
        start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    kids: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and parent.poll() is None:
            kids = [k for k in _children(parent.pid) if _alive(k)
                    and b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes()]
            if kids:
                break
            time.sleep(0.02)
        assert kids, f"no worker appeared (parent status {parent.poll()})"
        os.killpg(parent.pid, signal.SIGINT)
        sent = time.monotonic()
        _, err = parent.communicate(timeout=60)
        took = time.monotonic() - sent
        assert parent.returncode == 130, err
        assert "Traceback" not in err and "Error" not in err, err
        assert "interrupted" in err
        assert took < 10, f"{took:.1f} s from Ctrl-C to exit"
        assert not [k for k in kids if _alive(k)]
    finally:
        for k in kids:
            if _alive(k):
                os.kill(k, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
            parent.communicate()


def test_only_sims_workers_start_without_the_callers_main(monkeypatch) -> None:
    """A spawned process is told how to import ``__main__`` (a script is run again there);
    sim's workers are not, and every other process still is."""
    import multiprocessing.spawn
    import sys
    import types

    from sim.experiment.executors import WORKER_PREFIX, WorkerProcess, worker_context

    script = types.ModuleType("__main__")
    script.__file__ = "/somewhere/analysis.py"
    script.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", script)
    ctx = worker_context()
    worker = ctx.Process(target=print)
    assert isinstance(worker, WorkerProcess) and worker.name.startswith(f"{WORKER_PREFIX}-")
    told = multiprocessing.spawn.get_preparation_data(worker.name)
    assert "init_main_from_path" not in told and "init_main_from_name" not in told
    assert told["sys_path"] == multiprocessing.spawn.get_preparation_data("x")["sys_path"]
    other = multiprocessing.spawn.get_preparation_data("SpawnProcess-1")
    assert other["init_main_from_path"] == "/somewhere/analysis.py"


def test_a_worker_ends_itself_when_its_parent_is_gone() -> None:
    """The watchdog: a parent that is not this process's parent counts as gone."""
    import os
    import subprocess
    import sys

    code = ("import os\nfrom sim.experiment.executors import watch_parent\n"
            f"watch_parent({os.getpid() + 10**6}, every=0.01)\nprint('not reached')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and "not reached" not in r.stdout
