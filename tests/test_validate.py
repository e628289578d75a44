"""`sim validate` (the checks without a run, and the resolved scenario) and `sim schema`
(the JSON Schema editors use, kept current in docs/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sim.scenario import load_scenario

from .conftest import ROOT, SCENARIOS
from .test_bad_input import invoke

SHIPPED = sorted(SCENARIOS.rglob("*.yaml"))
SCHEMA_COPY = ROOT / "docs" / "scenario.schema.json"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_validate(path: Path) -> None:
    sc = load_scenario(path)
    code, out = invoke("validate", str(path))
    assert code == 0, out
    assert out.count("\n") == 1 and out.startswith(f"ok: {path}: {sc.name}, ")
    reps = sc.run.replications
    assert f"{sc.run.horizon_years:g} years from {sc.run.start_date}" in out
    assert f"{reps} replication{'s' if reps != 1 else ''}" in out and "referrals a" in out


def test_show_prints_the_resolved_scenario(tmp_path: Path) -> None:
    code, out = invoke("validate", str(SCENARIOS / "retention.yaml"), "--show")
    assert code == 0
    assert out.startswith("# ok: ")  # a YAML comment: the output is YAML throughout
    data = yaml.safe_load(out)
    assert "extends" not in data and data["name"] == "retention"
    assert data["interventions"]["retention"]["annual_spend"] == 2_500_000
    assert data["demand"]["referrals_per_year"] == 9490  # from the baseline it extends
    # and it is a scenario in its own right, the same one
    (tmp_path / "resolved.yaml").write_text(out)
    assert load_scenario(tmp_path / "resolved.yaml") == load_scenario(
        SCENARIOS / "retention.yaml")


def test_show_keeps_keys_in_the_order_of_the_format() -> None:
    code, out = invoke("validate", str(SCENARIOS / "baseline.yaml"), "--show")
    assert code == 0
    tops = [ln.split(":")[0] for ln in out.splitlines() if ln and ln[0].isalpha()]
    assert tops == ["name", "description", "council", "run", "demand", "initial_state",
                    "workforce", "allocation", "interventions", "strain", "costs",
                    "measurement"]


def test_validate_does_not_run(tmp_path: Path, monkeypatch) -> None:
    import sim.cli.common

    def boom(*a, **k):  # pragma: no cover - failing is the point
        raise AssertionError("validate ran the model")

    monkeypatch.setattr(sim.cli.common, "run_many", boom)
    monkeypatch.setattr(sim.cli.common, "run_until_precise", boom)
    monkeypatch.chdir(tmp_path)
    assert invoke("validate", str(SCENARIOS / "baseline.yaml"))[0] == 0
    assert list(tmp_path.iterdir()) == []


# --- sim schema


def test_schema_copy_is_current() -> None:
    code, out = invoke("schema")
    assert code == 0
    assert SCHEMA_COPY.read_text(encoding="utf-8") == out, (
        "docs/scenario.schema.json is out of date with the scenario format; regenerate it "
        "with `sim schema --out docs/scenario.schema.json` and commit it")


def test_schema_out_writes_the_same(tmp_path: Path) -> None:
    code, out = invoke("schema", "--out", str(tmp_path / "s.json"))
    assert code == 0 and "wrote" in out
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == invoke("schema")[1]
    code, out = invoke("schema", "--out", str(tmp_path / "no" / "such" / "dir.json"))
    assert code == 2 and out.startswith("error: --out: cannot write")


def test_schema_describes_the_format() -> None:
    s = json.loads(invoke("schema")[1])
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema" and s["title"]
    full = s["$defs"]["Scenario"]
    assert "name" not in full["required"] and "run" in full["required"]
    assert "extends" in full["properties"]
    # an uncertain effect, or a duration: a number, or a distribution
    trend = s["$defs"]["Demand"]["properties"]["trend_pct_per_year"]
    kinds = trend["anyOf"]
    assert {"type": "number", "minimum": -50, "maximum": 100} in kinds
    assert any("oneOf" in k for k in kinds)
    cp = s["$defs"]["StageDurations"]["properties"]["cp"]["anyOf"]
    assert {"type": "number", "minimum": 0} in cp


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_COPY.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _as_json(text: str) -> dict:
    # as an editor sees the file: dates are text
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_match_the_json_schema(path: Path, validator) -> None:
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(
        _as_json(path.read_text()))]
    assert errors == []


def test_resolved_scenario_matches_the_json_schema(validator) -> None:
    out = invoke("validate", str(SCENARIOS / "retention_and_ipeh_cuts.yaml"), "--show")[1]
    assert list(validator.iter_errors(_as_json(out))) == []


BASE = SCENARIOS / "baseline.yaml"


@pytest.mark.parametrize("text, ok", [
    (f"extends: {BASE}\ninterventions:\n  retention:\n    hazard_ratio: 0.8\n", True),
    (f"extends: {BASE}\ninterventions:\n  retention:\n    hazard_ratio: "
     "{dist: uniform, low: 0.6, high: 0.9}\n", True),
    # a distribution without dist changes the parent's parameters only
    (f"extends: {BASE}\ndemand:\n  durations:\n    cp: {{sd: 150}}\n", True),
    (f"extends: {BASE}\ndemand:\n  durations:\n    cp: {{dist: lognormal, mean: 1}}\n", False),
    (f"extends: {BASE}\ndemand:\n  referals_per_year: 100\n", False),
    (f"extends: {BASE}\ndemand:\n  returns:\n    chance: 1.5\n", False),
    (f"extends: {BASE}\ndemand:\n  durations:\n    cp: -5\n", False),
    (f"extends: {BASE}\ncosts:\n  pay_award_pct:\n    by_year: {{2020/21: 2}}\n", False),
    # a list replaces the parent's: its items must be whole
    (f"extends: {BASE}\ninterventions:\n  early_help:\n    changes: [{{start: 2020-04-01}}]\n",
     False),
    # without extends, everything the model needs
    ("name: alone\nrun: {start_date: 2019-04-01, horizon_years: 1, seed: 1, replications: 1}\n",
     False),
])
def test_json_schema_accepts_and_refuses(text: str, ok: bool, validator) -> None:
    assert validator.is_valid(_as_json(text)) == ok


def test_validate_lists_every_problem_one_line_each(tmp_path: Path) -> None:
    """Three mistakes in a file that extends the baseline: three error lines, each naming
    the file, its line and the field, and saying what is allowed; exit status 2."""
    bad = tmp_path / "three.yaml"
    bad.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\n"
                   "run:\n  horizon_yeers: 2\n  replications: -1\n"
                   "demand:\n  referrals_per_year: lots\n")
    code, out = invoke("validate", str(bad))
    assert code == 2, out
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 3, out
    assert all(ln.startswith(f"error: {bad}:") for ln in lines), out
    assert "more problem" not in out
    text = "\n".join(lines)
    assert f"{bad}:3: run.horizon_yeers: unknown key; did you mean 'horizon_years'?" in text
    assert f"{bad}:4: run.replications:" in text and "(found -1)" in text
    assert f"{bad}:6: demand.referrals_per_year:" in text and "'lots'" in text


def test_validate_lists_at_most_twenty_then_counts(tmp_path: Path) -> None:
    from sim.scenario.errors import MAX_PROBLEMS

    bad = tmp_path / "many.yaml"
    bad.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nrun:\n" +
                   "".join(f"  typo_{i}: 1\n" for i in range(MAX_PROBLEMS + 5)))
    code, out = invoke("validate", str(bad))
    assert code == 2
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == MAX_PROBLEMS + 1, out
    assert lines[-1] == f"error: {bad}: and 5 more problems (the first {MAX_PROBLEMS} are above)"


def test_scenario_error_keeps_every_problem(tmp_path: Path) -> None:
    """The API's error: its message is the first problem and a count; ``problems`` each."""
    from sim.scenario import ScenarioError

    bad = tmp_path / "two.yaml"
    bad.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\n"
                   "run:\n  replications: 0\n  seed: -3\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(bad)
    assert sorted(p.field or "" for p in e.value.problems) == ["run.replications", "run.seed"]
    assert str(e.value).endswith("(and 1 more problem)")
    assert all("\n" not in p.text for p in e.value.problems)
