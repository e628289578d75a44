"""Issue 17, case 5: one set of pre-run checks (``guards.pre_run``) made by every command that
simulates, before it simulates. Before, ``sweep``, ``check-published``, ``check-costs``,
``calibrate`` and ``backtest`` skipped some: a run with no whole financial year simulated
every replication, then failed with "internal error"; a scenario ``run`` refuses for memory
started and died of MemoryError; ``sweep --set run.horizon_years=…`` ran, though ``compare``
refuses scenarios of different lengths.

Each command runs in a sandbox (its own working directory, HOME redirected) with the model
replaced by one that fails the test if called: a refusal must come before any simulating.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim.experiment.runner as runner
from sim.experiment import guards
from sim.scenario import ScenarioError

from .conftest import SCENARIOS, variant
from .test_cli import sim

PAIRED = "must start on the same date and run as long"


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a home of its own, and a model that must not run."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))

    def no_simulation(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated before the pre-run checks refused the run")

    monkeypatch.setattr(runner, "simulate", no_simulation)
    return tmp_path


def _scenario(where: Path, name: str, run: str, body: str = "") -> Path:
    p = where / f"{name}.yaml"
    p.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: {name}\nrun: {run}\n{body}")
    return p


def _commands(path: str) -> dict[str, list[str]]:
    """Every command that simulates, on the scenario at ``path``, one process."""
    return {
        "run": ["run", path, "-r", "2", "-j", "1", "--out", "out"],
        "compare": ["compare", path, "other.yaml", "-r", "2", "-j", "1", "--out", "out"],
        "sweep": ["sweep", path, "--set", "interventions.retention.annual_spend=0,1000000",
                  "-r", "2", "-j", "1", "--out", "out"],
        "check-published": ["check-published", path, "-r", "2", "-j", "1", "--out", "t/x"],
        "check-costs": ["check-costs", path, "-r", "2", "-j", "1", "--out", "t/x"],
        "calibrate": ["calibrate", path, "-r", "2", "-j", "1", "--out", "fit.yaml"],
    }


def _refused(r, sandbox: Path, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: "), r.stderr
    for f in fragments:
        assert f in r.stderr, r.stderr
    assert not (sandbox / "out").exists() and not (sandbox / "t").exists()
    assert not (sandbox / "fit.yaml").exists()


@pytest.mark.parametrize("command", list(_commands("")))
def test_5_no_whole_financial_year_is_refused_before_simulating(command: str,
                                                                sandbox: Path) -> None:
    _scenario(sandbox, "half", "{horizon_years: 0.5, replications: 2}")
    _scenario(sandbox, "other", "{horizon_years: 0.5, replications: 2}")
    r = sim(*_commands("half.yaml")[command], cwd=sandbox)
    where = "half.yaml with interventions.retention.annual_spend=0: " if command == "sweep" \
        else "half.yaml: "
    _refused(r, sandbox, f"{where}run.horizon_years: 0.5 years from 2019-04-01 cover no "
             "whole financial year")


@pytest.mark.parametrize("command", [*_commands(""), "backtest"])
def test_5_a_run_beyond_memory_is_refused_before_simulating(
        command: str, sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's memory made small: every command refuses as ``run`` does, naming the
    file (the council, for a back-test) and the memory needed."""
    monkeypatch.setattr(guards, "physical_memory_mb", lambda: 100.0)
    _scenario(sandbox, "big", "{horizon_years: 1.6, replications: 2}")
    _scenario(sandbox, "other", "{horizon_years: 1.6, replications: 2}")
    args = (["backtest", "--la", "West Sussex", "--from", "2019", "--years", "1", "-r", "2",
             "-j", "1", "--out", "out"] if command == "backtest"
            else _commands("big.yaml")[command])
    r = sim(*args, cwd=sandbox)
    where = {"backtest": "West Sussex: ", "sweep": "big.yaml with interventions.retention"
             ".annual_spend="}.get(command, "big.yaml: ")
    _refused(r, sandbox, where, "GB of memory in each of 1 process(es), more than this "
             "machine's 0 GB allow")


@pytest.mark.parametrize("setting, fragment", [
    ("run.horizon_years=1.6,2", f"--set: run.horizon_years: 2 differs from 1.6; scenarios "
                                f"compared replication by replication {PAIRED}"),
    ("run.start_date=2019-04-01,2020-04-01", f"--set: run.start_date: 2020-04-01 differs "
                                             f"from 2019-04-01; scenarios compared "
                                             f"replication by replication {PAIRED}"),
    ("run.seed=1,2", "--set: run.seed: every option runs on the same seed and replications"),
    ("run.replications=5", "give --replications instead"),
])
def test_5_sweep_refuses_run_settings_compare_refuses(setting: str, fragment: str,
                                                      sandbox: Path) -> None:
    _scenario(sandbox, "s", "{horizon_years: 1.6, replications: 2}")
    r = sim("sweep", "s.yaml", "--set", setting, "-r", "2", "-j", "1", "--out", "out",
            cwd=sandbox)
    _refused(r, sandbox, fragment)


def test_5_sweep_names_the_option_beyond_memory(sandbox: Path) -> None:
    _scenario(sandbox, "s", "{horizon_years: 1.6, replications: 2}")
    r = sim("sweep", "s.yaml", "--set", "demand.referrals_per_year=9490,365000000", "-r", "2",
            "-j", "1", "--out", "out", cwd=sandbox)
    _refused(r, sandbox, "s.yaml with demand.referrals_per_year=365000000: about ",
             "GB of memory")


def test_5_compare_refuses_different_horizons_with_the_same_words(sandbox: Path) -> None:
    _scenario(sandbox, "a", "{horizon_years: 1.6, replications: 2}")
    _scenario(sandbox, "b", "{horizon_years: 2, replications: 2}")
    r = sim("compare", "a.yaml", "b.yaml", "-j", "1", "--out", "out", cwd=sandbox)
    _refused(r, sandbox, f"b: run.horizon_years is 2.0 but a's is 1.6; scenarios compared "
             f"replication by replication {PAIRED}")


def test_5_one_value_of_a_run_setting_is_a_shorter_sweep() -> None:
    from sim.experiment.sweep import check_run_settings

    check_run_settings([("run.horizon_years", [2]), ("a.b", [1, 2])])
    with pytest.raises(ScenarioError, match=PAIRED):
        check_run_settings([("run.horizon_years", [2, 3])])


def test_5_pre_run_is_one_function_for_every_caller(short) -> None:  # type: ignore[no-untyped-def]
    """What the API and the app can call: the scenario at fault is named by its key."""
    half = variant(short, run__horizon_years=0.5)
    with pytest.raises(guards.PreRunError) as e:
        guards.pre_run({"base": short, "half": half}, 2, 1)
    assert e.value.key == "half" and e.value.status == 2
    assert "cover no whole financial year" in str(e.value)
    longer = variant(short, run__horizon_years=3)
    with pytest.raises(guards.PreRunError, match=PAIRED):
        guards.pre_run({"base": short, "longer": longer}, 2, 1)
    assert guards.pre_run({"base": short, "longer": longer}, 2, 1, paired=False) is None
    with pytest.raises(guards.PreRunError, match="more than this machine's") as e:
        guards.pre_run({"base": short}, 2, 1, memory_mb=100.0)
    assert e.value.key == "base"
    assert guards.pre_run({"base": short}, 2, 1) is None  # quick: nothing to announce


def test_5_the_app_makes_the_same_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's runs are refused in the job's one line, before anything runs."""
    from sim.app import jobs
    from sim.app.sources import adjusted, from_shipped

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("ran before the pre-run checks refused the run")

    monkeypatch.setattr(jobs, "run_many", no_run)
    service = jobs.Service(jobs=1, charts=False)
    try:
        half = adjusted(from_shipped("baseline.yaml"), {"run.horizon_years": 0.5})
        job = service.outlook(half, 2)
        assert job.future is not None
        job.future.result(timeout=60)
        assert job.error is not None and job.error.startswith(
            "run.horizon_years: 0.5 years from 2019-04-01 cover no whole financial year")
        monkeypatch.setattr(guards, "physical_memory_mb", lambda: 100.0)
        src = from_shipped("baseline.yaml")
        job = service.compare(src, src.scenario, 2, "")
        assert job.future is not None
        job.future.result(timeout=60)
        assert job.error is not None and "GB of memory" in job.error
    finally:
        service.shutdown()


@pytest.mark.parametrize("call", ["run", "compare", "sweep"])
def test_5_the_api_makes_the_same_checks(call: str, sandbox: Path) -> None:
    """The Python API refuses what the command line refuses, before simulating."""
    import sim.api as api

    half = {"run.horizon_years": 0.5}
    base = SCENARIOS / "baseline.yaml"
    calls = {
        "run": lambda: api.run(base, replications=2, jobs=1, overrides=half),
        "compare": lambda: api.compare(base, SCENARIOS / "retention.yaml", replications=2,
                                       jobs=1, overrides=half),
        "sweep": lambda: api.sweep(base, {"interventions.retention.annual_spend": [0, 1]},
                                   replications=2, jobs=1, overrides=half),
    }
    with pytest.raises(ValueError, match="cover no whole financial year"):
        calls[call]()
