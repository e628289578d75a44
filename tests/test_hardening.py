"""Issue 17's cases, each reproduced as an adversarial tester found it: never touch what is
not ours, never hang, never read without bound. Numbered as in the issue."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario
from sim.scenario.yaml_reader import MAX_ALIASES, read_yaml

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def _sandbox_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {**os.environ, "HOME": str(home), "PYTHONPATH": str(ROOT)}


# --------------------------------------------------------------- 3. special files as scenarios


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null"])
def test_3_a_device_is_refused_without_reading_it(special: str) -> None:
    t0 = time.monotonic()
    with pytest.raises(ScenarioError) as e:
        read_yaml(Path(special))
    assert "is not a regular file" in str(e.value)
    assert time.monotonic() - t0 < 5  # /dev/zero was read until memory ran out


def test_3_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    with pytest.raises(ScenarioError) as e:
        read_yaml(fifo)  # blocked for ever before
    assert "is not a regular file" in str(e.value)
    assert time.monotonic() - t0 < 5


@pytest.mark.slow  # in make test, not in the quick set (a minute)
def test_3_standard_input_as_a_pipe_is_refused_in_one_line(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "sim.cli", "validate", "/dev/stdin"],
                       input="name: x\n", capture_output=True, text=True, timeout=120,
                       cwd=tmp_path, env=_sandbox_env(tmp_path))
    assert r.returncode == 2
    assert r.stderr.strip() == ("error: /dev/stdin: is not a regular file (a device, pipe or "
                                "socket); give the path of a scenario file")


def test_3_a_regular_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    calls = []
    real = os.open

    def counting(path, *a, **k):  # type: ignore[no-untyped-def]
        calls.append(str(path))
        return real(path, *a, **k)

    monkeypatch.setattr(os, "open", counting)
    path = tmp_path / "s.yaml"
    path.write_text("a: 1\n")
    assert read_yaml(path)[0] == {"a": 1}
    assert calls.count(str(path)) == 1


# --------------------------------------------------------------- 11. smaller


def test_11_many_aliases_are_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text("a: &a [1]\nb: [" + ", ".join(["*a"] * 200_000) + "]\n")
    t0 = time.monotonic()
    with pytest.raises(ScenarioError) as e:
        read_yaml(path)
    assert f"more than {MAX_ALIASES:,} aliases" in str(e.value)
    assert time.monotonic() - t0 < 10  # 54 s and 450 MB before


def test_11_a_few_aliases_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text("a: &a [1]\nb: [" + ", ".join(["*a"] * MAX_ALIASES) + "]\n")
    assert len(read_yaml(path)[0]["b"]) == MAX_ALIASES


def test_11_a_merge_key_is_refused_saying_what_to_do_instead(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text(f"extends: {BASELINE}\nname: x\nshared: &s {{horizon_years: 2}}\n"
                    "run:\n  <<: *s\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    text = str(e.value)
    assert "merge keys (<<: *name) are not supported" in text and "extends" in text
    assert "never code or objects" not in text  # the old, misleading message


# --------------------------------------------------------------- 4. time that stands still


@pytest.mark.parametrize(("field", "value"), [
    ("workforce.agency.stay_days", 0), ("workforce.agency.stay_days", 1e-9),
    ("workforce.agency.stay_days", {"dist": "exponential", "mean": 0.01}),
    ("demand.returns.delay", 0), ("workforce.recruitment.round_interval_days", 1e-6),
])
def test_4_a_duration_that_repeats_has_a_minimum(field: str, value: object) -> None:
    from sim.scenario.loader import with_overrides

    with pytest.raises(ScenarioError) as e:
        with_overrides(load_scenario(BASELINE), {field: value}, "test")
    assert field in str(e.value)


def _stalling() -> object:
    """The baseline with agency staff who stay no time and are replaced at once: the schema
    refuses it, so it is built past the schema, as a future mistake might be."""
    from sim.scenario.distributions import Fixed

    s = load_scenario(BASELINE)
    agency = s.workforce.agency.model_copy(update={"stay_days": Fixed(value=0.0),
                                                   "time_to_engage_days": Fixed(value=0.0)})
    return s.model_copy(update={"workforce": s.workforce.model_copy(
        update={"agency": agency})})


def test_4_a_run_whose_time_stands_still_ends_naming_the_likely_field(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.model import scheduling
    from sim.model.simulation import StalledRun, simulate

    # the guard reads the clock every STALL_EVENTS events; fewer between looks find the
    # same stall sooner (a real run's first look is as far from day 0 as it was)
    monkeypatch.setattr(scheduling, "STALL_EVENTS", 20_000)
    t0 = time.monotonic()
    with pytest.raises(StalledRun) as e:
        simulate(_stalling(), 0)  # type: ignore[arg-type]
    text = str(e.value)
    assert "simulated time stood still on 2019-04-01" in text
    # both agency durations are zero here: either is the field to name
    assert ("workforce.agency.stay_days" in text
            or "workforce.agency.time_to_engage_days" in text) and "\n" not in text
    assert time.monotonic() - t0 < 60  # ran, growing, for ever before


def test_4_a_stalled_run_crosses_from_a_worker_process_intact() -> None:
    import pickle

    from sim.model.stalls import StalledRun

    e = StalledRun(3, __import__("datetime").date(2020, 1, 1), 275.0, "demand.durations")
    back = pickle.loads(pickle.dumps(e))
    assert str(back) == str(e) and back.fields == "demand.durations"


def test_4_the_command_line_reports_a_stalled_run_in_one_line_with_status_2(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    from sim.cli import entry
    from sim.model.stalls import StalledRun

    def stall() -> None:
        raise StalledRun(0, dt.date(2019, 4, 1), 0.0, "workforce.agency.stay_days")

    monkeypatch.setattr(entry, "app", stall)
    with pytest.raises(SystemExit) as e:
        entry.main()
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: simulated time stood still") and "\n" not in err
    assert "internal error" not in err


# --------------------------------------------------------------- 7. nobody holds cases

NO_CASE_HOLDERS = f"""extends: {BASELINE}
name: nocase
run: {{horizon_years: 1, replications: 2}}
workforce:
  establishment: {{case_holding: 0, non_case_holding: 266}}
  agency: {{additional: 0}}
initial_state:
  workforce:
    case_holding: {{experienced: 0, newly_qualified: 0, agency: 0}}
strain:
  agency: {{enabled: false}}
"""


@pytest.mark.slow
def test_7_and_11_compare_without_case_holders_writes_everything_and_warns_of_nothing(
        tmp_path: Path) -> None:
    (tmp_path / "nocase.yaml").write_text(NO_CASE_HOLDERS)
    (tmp_path / "paid.yaml").write_text(
        "extends: nocase.yaml\nname: paid\ninterventions:\n  retention: "
        "{annual_spend: 1000000}\n")
    r = subprocess.run([sys.executable, "-m", "sim.cli", "compare", "nocase.yaml",
                        "paid.yaml", "-r", "2", "-j", "1", "--out", "out", "--report",
                        "--xlsx"], capture_output=True, text=True, timeout=600,
                       cwd=tmp_path, env=_sandbox_env(tmp_path))
    assert r.returncode == 0, r.stderr  # rc 70, KeyError 'caseload_mean', before
    out = tmp_path / "out"
    assert {"comparison.csv", "compare_differences_weekly.png", "report.html",
            "comparison.xlsx"} <= {p.name for p in out.iterdir()}
    assert "Warning" not in r.stderr  # numpy's RuntimeWarnings, before
