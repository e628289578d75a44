"""The app's runs: off the caller's thread, the baseline run once and reused (paired with
any later alternative on the same seed), each session's results its own, a replaced run
stopped, and every failure one line."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from sim.app import jobs
from sim.app.cache import BaselineCache, BaselineKey
from sim.app.jobs import Job, Service, key_for
from sim.app.levers import levers_from
from sim.app.session import start_comparison
from sim.app.sources import adjusted, from_shipped
from sim.scenario import ScenarioError

# a year of a service a sixth of West Sussex's: a replication takes about a quarter second
TINY = {"run.horizon_years": 1, "demand.referrals_per_year": 1500,
        "initial_state.open_cases": {"assessment": 150, "cin": 350, "cp": 90, "cla": 100}}


def wait(job: Job, attr: str, timeout: float = 120) -> Job:
    t0 = time.monotonic()
    while getattr(job, attr) is None and job.error is None and not job.finished:
        assert time.monotonic() - t0 < timeout, f"{job.kind} still {job.status()}"
        time.sleep(0.02)
    return job


@pytest.fixture(scope="module")
def src():
    return adjusted(from_shipped("baseline.yaml"), TINY)


@pytest.fixture
def service():
    s = Service(jobs=1, charts=False)
    yield s
    s.shutdown()


def test_the_baseline_runs_once_and_pairs_with_a_lever_change(src):
    service = Service(jobs=1)  # with its charts
    outlook = wait(service.outlook(src, 2), "baseline")
    assert outlook.error is None and service.cache.runs == 1
    assert [p.title for p in outlook.charts] == ["Cases per case-holding social worker"]
    base = levers_from(src.scenario, 2)
    s = start_comparison(service, src, base.with_(retention_annual=2.5e6))
    job = wait(s.job, "comparison")
    assert job.error is None and job.headline  # the answer, before the charts
    job.future.result(timeout=120)
    assert job.baseline is outlook.baseline  # from the cache, not run again
    assert service.cache.runs == 1
    # common random numbers: the same children arrive in both
    t = job.comparison.table
    assert (t[(t.metric == "referrals") & (t.scenario == s.name)].diff_mean == 0).all()
    assert job.headline[0].startswith("Your changes, against Baseline.")
    assert next(p.title for p in job.charts).startswith("Difference from Baseline")
    assert all(p.png.startswith(b"\x89PNG") and p.alt for p in job.charts)
    # another number of replications, or seed, or baseline is another key
    assert len({key_for(src, 2, 1), key_for(src, 3, 1), key_for(src, 2, 2),
                key_for(from_shipped("retention.yaml"), 2, 1)}) == 4
    service.shutdown()


def test_two_sessions_keep_their_own_results(service, src):
    base = levers_from(src.scenario, 2)
    one = start_comparison(service, src, base.with_(retention_annual=2.5e6))
    two = start_comparison(service, src, base.with_(retention_annual=9e6))
    for s, spend in ((one, 2.5e6), (two, 9e6)):
        comp = wait(s.job, "comparison").comparison
        assert comp.results[s.name].scenario.interventions.retention.annual_spend == spend
        assert f"Retention £{spend / 1e6:.1f}m a year" in s.yaml  # labels.option_name
    costs = [s.job.comparison.costs for s in (one, two)]
    assert not costs[0].equals(costs[1])
    assert service.cache.runs == 1  # the second waited for the first's baseline


def test_a_replaced_run_stops(service, src):
    job = service.outlook(src, 40)
    while job.status()[1] < 1:  # its first replication is done
        time.sleep(0.02)
    job.cancel()
    wait(job, "baseline")
    job.future.result(timeout=60)
    assert job.error == "stopped: a newer run replaced it" and job.baseline is None
    assert service.cache.runs == 0


def test_failures_are_one_line(service, src, monkeypatch):
    def refuse(*args, **kwargs):
        raise ScenarioError("levers", "scenarios compared must run as long", "run.horizon_years")

    monkeypatch.setattr(jobs, "run_many", refuse)
    job = wait(service.outlook(src, 2), "baseline")
    job.future.result(timeout=60)
    assert job.error == "levers: run.horizon_years: scenarios compared must run as long"

    def bug(*args, **kwargs):
        raise KeyError("weekly")

    monkeypatch.setattr(jobs, "run_many", bug)
    job = wait(service.outlook(src, 2), "baseline")
    job.future.result(timeout=60)
    assert job.error.startswith("internal error: KeyError: 'weekly'. This is a bug in sim, "
                                "not in your levers; the details are in ")
    assert "\n" not in job.error
    log = Path(job.error.rsplit(" ", 1)[1])
    assert "Traceback" in log.read_text()
    log.unlink()


def test_the_cache_keeps_the_most_recent_and_runs_each_key_once():
    cache = BaselineCache(size=2)
    keys = [BaselineKey("x", 2019, 1, 2, str(i)) for i in range(3)]
    calls = []

    def run(i: int):
        calls.append(i)
        return f"results {i}"

    assert cache.get_or_run(keys[0], lambda: run(0)) == "results 0"
    assert cache.get_or_run(keys[0], lambda: run(9)) == "results 0"
    cache.get_or_run(keys[1], lambda: run(1))
    cache.get(keys[0])  # used: kept over keys[1]
    cache.get_or_run(keys[2], lambda: run(2))
    assert calls == [0, 1, 2] and keys[0] in cache and keys[1] not in cache
    threads = [threading.Thread(target=cache.get, args=(keys[0],)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.runs == 3
