"""The Python API checks its arguments before any work, in one line naming the argument and
what is allowed, in the command line's words (issue 17, case 11): no traceback from deep in
the process pool, and nothing silently accepted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import sim
from sim.experiment.executors import ExecutorSpec

from .conftest import SCENARIOS
from .test_cli import sim as cli

BASE = SCENARIOS / "baseline.yaml"
OTHER = SCENARIOS / "retention.yaml"


@pytest.mark.parametrize("kwargs, error, message", [
    ({"replications": 0}, ValueError,
     "replications: expected a whole number from 1 to 100000 (found 0)"),
    ({"replications": 2.5}, TypeError,
     "replications: expected a whole number from 1 to 100000 (found 2.5)"),
    ({"replications": "4"}, TypeError,
     "replications: expected a whole number from 1 to 100000 (found '4')"),
    ({"jobs": -3}, ValueError, "jobs: expected a whole number from 1 to 1024 (found -3)"),
    ({"jobs": 0}, ValueError, "jobs: expected a whole number from 1 to 1024 (found 0)"),
    ({"jobs": True}, TypeError, "jobs: expected a whole number from 1 to 1024 (found True)"),
    ({"seed": -1}, ValueError,
     "seed: expected a whole number from 0 to 9223372036854775807 (found -1)"),
    ({"seed": 2**63}, ValueError,
     "seed: expected a whole number from 0 to 9223372036854775807 (found 9223372036854775808)"),
    ({"seed": "1"}, TypeError,
     "seed: expected a whole number from 0 to 9223372036854775807 (found '1')"),
    ({"overrides": ["run.horizon_years", 2]}, TypeError,
     "overrides: expected a mapping of dotted paths to values, e.g. {'run.horizon_years': 2} "
     "(found a list)"),
    ({"overrides": "run.horizon_years=2"}, TypeError, "(found a string)"),
    ({"overrides": {("run", "horizon_years"): 2}}, TypeError,
     "(found the key ('run', 'horizon_years'))"),
    ({"fixed_parameters": "no"}, TypeError, "fixed_parameters: expected True or False "
                                            "(found 'no')"),
    ({"executor": "spark"}, ValueError, "executor: expected process or dask (found 'spark')"),
    ({"executor": ExecutorSpec("process", "tcp://h:1")}, ValueError,
     "executor: an address applies only with the dask executor"),
    ({"executor": ExecutorSpec("dask", "not a url")}, ValueError,
     "executor: expected a scheduler address like tcp://host:8786 (found 'not a url')"),
    ({"executor": 2}, TypeError, "executor: expected 'process', 'dask' or an ExecutorSpec"),
    ({"progress": "bar"}, TypeError,
     "progress: expected a function called as progress(done, total) (found 'bar')"),
])
def test_run_refuses_a_bad_argument_in_one_line(kwargs: dict[str, Any], error: type,
                                                message: str) -> None:
    with pytest.raises(error) as e:
        sim.run(BASE, **kwargs)
    assert message in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(error) as e:  # compare checks the same arguments the same way
        sim.compare(BASE, OTHER, **kwargs)
    assert message in str(e.value)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"precision": 5}, ValueError, "precision: expected a number from 0.001 to 1.0 (found 5)"),
    ({"precision": float("nan")}, ValueError, "precision: expected a number"),
    ({"precision": 0.05, "max_replications": 1}, ValueError,
     "max_replications: expected a whole number from 3 to 100000 (found 1)"),
    ({"precision": 0.05, "replications": 10}, ValueError,
     "precision: applies only without replications"),
])
def test_compare_refuses_a_bad_precision(kwargs: dict[str, Any], error: type,
                                         message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        sim.compare(BASE, OTHER, **kwargs)


def test_a_scenario_that_is_neither_a_path_nor_a_scenario() -> None:
    with pytest.raises(TypeError, match=r"^scenario: expected a scenario file's path or a "
                                        r"Scenario \(found 5\)$"):
        sim.run(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^scenarios\[1\]: expected a scenario file's path"):
        sim.compare(BASE, ["retention.yaml"])  # type: ignore[arg-type]


def test_load_scenario_checks_its_overrides() -> None:
    with pytest.raises(TypeError, match=r"^overrides: expected a mapping .*\(found a list\)$"):
        sim.load_scenario(BASE, [("run.horizon_years", 2)])  # type: ignore[arg-type]


def test_good_arguments_of_other_types_are_taken() -> None:
    """A numpy whole number, a Path, an executor named by its kind: all fine."""
    import numpy as np

    res = sim.run(Path(BASE), replications=np.int64(1), jobs=np.int32(1), seed=np.uint8(3),
                  executor="process", overrides={"run.horizon_years": 1})
    assert res.replications == [0] and res.seed == 3


@pytest.mark.parametrize("option, value, argument", [
    ("--jobs", "-3", {"jobs": -3}),
    ("--seed", "-1", {"seed": -1}),
    ("--replications", "0", {"replications": 0}),
])
def test_the_same_words_as_the_command_line(option: str, value: str,
                                            argument: dict[str, Any], tmp_path: Path) -> None:
    r = cli("run", str(BASE), option, value, "--out", "x", cwd=tmp_path)
    assert r.returncode == 2
    line = r.stderr.strip().removeprefix("error: ")
    with pytest.raises(ValueError) as e:
        sim.run(BASE, **argument)
    # '--jobs/-j: expected ... (found -3); see ...' and 'jobs: expected ... (found -3)'
    cli_words = re.sub(r"^--(\w+)(/-\w)?: ", r"\1: ", line.split("; see")[0])
    assert cli_words.replace(" or 'auto'", "") == str(e.value)


@pytest.mark.parametrize("stem", ["comparison.csv", "drivers.csv"])
def test_compare_refuses_a_name_that_cannot_name_its_directory(tmp_path: Path,
                                                                stem: str) -> None:
    """Each compared scenario gets a directory in the results, named as the file: as the
    command line, the API refuses a name that would clash with a results file (a name that
    would leave the directory, such as '..', is refused as the scenario's own name)."""
    import sim.api as api

    odd = tmp_path / f"{stem}.yaml"
    odd.write_text(f"extends: {BASE}\n")
    with pytest.raises(ValueError, match="names its results directory"):
        api.compare(BASE, odd, replications=2, jobs=1)
