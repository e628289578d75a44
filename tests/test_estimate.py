"""The time a long run is announced with: the work of a replication, spread over the
processes that run it, each with the share of a core the machine can give it now; a run of
more than a minute is announced. (``benchmarks/estimate.py`` sets it beside real runs.)"""

from __future__ import annotations

import time

import pytest

from sim.experiment import guards
from sim.experiment.machine import cores, cores_for, other_work

from .conftest import SCENARIOS, variant


def test_a_run_gets_the_cores_the_other_work_leaves() -> None:
    """The scheduler shares the cores between groups (sessions, with autogroup) fairly;
    a group wanting less than its part leaves the rest to the others."""
    assert cores_for(2, [], 2) == 2
    assert cores_for(2, [2.0], 2) == 1  # another run of two processes: a core each
    assert cores_for(1, [3.0], 2) == 1  # one group of three: it gets one core, not 3/4
    assert cores_for(2, [0.5], 2) == 1.5  # a light load leaves the rest
    assert cores_for(1, [1.0, 1.0, 1.0], 2) == pytest.approx(0.5)
    assert cores_for(4, [], 2) == 2  # more processes than cores


def test_the_estimate_follows_cores_other_work_and_processes(baseline) -> None:
    idle = guards.estimate(baseline, 20, 2, n_cores=2, others=())
    busy = guards.estimate(baseline, 20, 2, n_cores=2, others=(2.0,))
    one = guards.estimate(baseline, 20, 1, n_cores=2, others=())
    assert busy.seconds == pytest.approx(2 * idle.seconds)
    assert one.seconds > 1.8 * (idle.seconds - guards.WORKER_START_SECONDS)
    assert (idle.cores, busy.load) == (2, 2.0)
    assert idle.typical_referrals <= idle.referrals  # the time, of the typical draw
    cpu = guards.cpu_seconds(baseline, idle.typical_referrals)
    assert idle.seconds == pytest.approx(10 * cpu + guards.WORKER_START_SECONDS)


def test_other_work_is_measured_without_this_run() -> None:
    """A thread of this process spinning is this run's, not other work."""
    import threading

    stop = threading.Event()
    spin = threading.Thread(target=lambda: [None for _ in iter(stop.is_set, True)])
    spin.start()
    try:
        others = other_work(samples=3, interval=0.01)
    finally:
        stop.set()
        spin.join()
    assert all(w >= 0 for w in others) and sum(others) < 1000
    assert cores() >= 1


def test_more_than_a_minute_is_announced_with_what_it_rests_on() -> None:
    quick = guards.Estimate(5e4, 59, 300, 2, 2, 0.0)
    slow = guards.Estimate(5e4, 61, 300, 2, 2, 3.2)
    assert guards.long_run(quick) is None
    note = guards.long_run(slow)
    assert note is not None and "about 61 s" in note and "2 process(es)" in note
    assert "2 core(s), other work wanting 3.2 of them" in note


def test_a_long_run_is_announced_by_the_command(tmp_path, monkeypatch) -> None:
    """`sim validate` makes run's checks: the announcement of a run of more than a minute."""
    from .test_bad_input import invoke

    monkeypatch.setattr(guards.machine, "other_work", lambda: ())
    long = tmp_path / "long.yaml"
    long.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nrun: {{replications: 2000}}\n")
    code, out = invoke("validate", str(long))
    assert code == 0, out
    assert "note: this run will take about" in out and "--resume" in out


@pytest.mark.slow
def test_a_replications_cpu_time_is_within_a_factor_of_two(baseline) -> None:
    """The measured cost of the model (CPU-seconds, in this process) against the constants
    the estimate rests on."""
    from sim.experiment.runner import run_many

    sc = variant(baseline, run__horizon_years=2.0)
    est = guards.estimate(sc, 2, 1, n_cores=1, others=())
    t0 = time.process_time()
    run_many({"s": sc}, 2, sc.run.seed, 1)
    cpu = time.process_time() - t0
    assert 0.5 < 2 * guards.cpu_seconds(sc, est.typical_referrals) / cpu < 2.0
