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
