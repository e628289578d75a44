"""Scenario files: the shipped ones load, extends merges, and bad input gets one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario
from sim.scenario.distributions import Fixed, Lognormal, Triangular

from .conftest import SCENARIOS


@pytest.mark.parametrize("name", ["baseline", "retention", "ipeh_cuts",
                                  "retention_and_ipeh_cuts"])
def test_shipped_scenarios_load(name: str) -> None:
    s = load_scenario(SCENARIOS / f"{name}.yaml")
    assert s.name == name


def test_extends_changes_only_what_it_states(baseline) -> None:
    r = load_scenario(SCENARIOS / "retention.yaml")
    assert r.interventions.retention.annual_spend == 2_500_000
    assert baseline.interventions.retention.annual_spend == 0
    assert r.demand == baseline.demand
    assert r.workforce == baseline.workforce
    both = load_scenario(SCENARIOS / "retention_and_ipeh_cuts.yaml")
    assert both.interventions.retention == r.interventions.retention
    assert [c.annual_change for c in both.interventions.early_help.changes] == [-3e6, -4.9e6]


def test_numbers_and_distributions_both_accepted(baseline) -> None:
    assert isinstance(baseline.demand.durations.cp, Lognormal)
    assert isinstance(baseline.interventions.early_help.elasticity, Triangular)
    assert baseline.workforce.agency.cover_share == Fixed(value=0.9)
    assert baseline.workforce.agency.stay_days.multiplier == 1.0


def test_number_becomes_fixed_distribution(write_scenario) -> None:
    s = load_scenario(write_scenario({"interventions": {"retention": {"hazard_ratio": 0.8}}}))
    assert s.interventions.retention.hazard_ratio == Fixed(value=0.8)


def _err(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


BAD = {
    "unknown key, with a suggestion": (
        {"demand": {"referals_per_year": 100}}, "demand.referals_per_year",
        "did you mean 'referrals_per_year'"),
    "wrong type": ({"demand": {"referrals_per_year": "lots"}}, "demand.referrals_per_year",
                   "expected a number, not text"),
    # a number written as text is text: strict types, no coercion (issue 17)
    "a number in quotes": ({"run": {"replications": "4"}}, "run.replications",
                           "expected a number, not text (found '4')"),
    "a number tagged as text": ({"run": {"horizon_years": "2"}}, "run.horizon_years",
                                "expected a number, not text (found '2')"),
    "negative rate": ({"demand": {"referrals_per_year": -5}}, "demand.referrals_per_year",
                      "greater than 0"),
    "probability above one": ({"demand": {"returns": {"chance": 1.5}}},
                              "demand.returns.chance", "less than or equal to 1"),
    "shares that do not add up": (
        {"demand": {"assessment_outcomes": {"not_in_need": 0.5}}},
        "demand.assessment_outcomes", "must add up to 1"),
    "unknown distribution": (
        {"demand": {"durations": {"cp": {"dist": "lognormall", "mean": 1, "sd": 1}}}},
        "demand.durations.cp.dist", "unknown distribution 'lognormall'"),
    "distribution parameter missing": (
        {"demand": {"durations": {"cp": {"dist": "lognormal", "mean": 1}}}},
        "demand.durations.cp.sd", "required"),
    "negative duration": (
        {"demand": {"durations": {"cp": {"dist": "normal", "mean": 100, "sd": 10}}}},
        "demand.durations.cp", "cannot be negative"),
    "dates out of order": (
        {"interventions": {"retention": {"start": "2021-01-01", "end": "2020-01-01"}}},
        "interventions.retention.end", "must be after start"),
    "twelve months of seasonality": ({"demand": {"seasonality": [1, 1, 1]}},
                                     "demand.seasonality", "12 monthly values"),
    "more staff than posts": (
        {"workforce": {"establishment": {"case_holding": 10}}},
        "initial_state.workforce.case_holding", "funded posts"),
    "not a number at all": ({"run": {"horizon_years": ".inf"}}, "run.horizon_years", ""),
    "uncertain probability that can leave [0, 1]": (
        {"workforce": {"recruitment": {"fill_probability": {"dist": "normal", "mean": 0.5,
                                                              "sd": 0.1}}}},
        "workforce.recruitment.fill_probability", "must be between 0 and 1"),
    "hazard ratio that can be zero": (
        {"interventions": {"retention": {"hazard_ratio": {"dist": "uniform", "low": -0.1,
                                                            "high": 1}}}},
        "interventions.retention.hazard_ratio", "must be above 0"),
    "negative duration multiplier": (
        {"workforce": {"agency": {"stay_days": {"dist": "exponential", "mean": 9,
                                                 "multiplier": -1}}}},
        "workforce.agency.stay_days.multiplier", "must be above 0"),
    "boolean for a number": ({"run": {"replications": True}}, "run.replications",
                             "expected a number"),
    "unsafe name": ({"name": "../elsewhere"}, "name", "letters, digits"),
    "start date out of range": ({"run": {"start_date": "1900-01-01"}}, "run.start_date",
                                "greater than or equal to 1990"),
    "lower priority further over the cap": (
        {"allocation": {"overflow": {"assessment": 2}}}, "allocation.overflow.assessment",
        "may not go further over the cap than cin"),
    "early help effect beyond what the model allows": (
        {"interventions": {"early_help": {"elasticity": 8, "changes": [
            {"start": "2019-04-01", "annual_change": -20_000_000}]}}},
        "interventions.early_help", "the model allows at most 2"),
    "priority must list every type": (
        {"allocation": {"priority": ["cla", "cp"]}}, "allocation.priority", "each case type"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_field_gets_one_line_naming_file_and_field(case, write_scenario) -> None:
    overrides, field, fragment = BAD[case]
    e = _err(write_scenario(overrides))
    text = str(e)
    assert "\n" not in text
    assert e.field == field, text
    assert "bad.yaml" in e.file, text
    assert fragment in text


def test_error_points_at_line(write_scenario) -> None:
    path = write_scenario("extends: " + str(SCENARIOS / "baseline.yaml") +
                          "\ndemand:\n  referrals_per_year: -1\n")
    e = _err(path)
    assert e.line == 3
    assert str(e).startswith(f"{path}:3: demand.referrals_per_year:")


def test_error_in_parent_names_the_parent(tmp_path: Path) -> None:
    (tmp_path / "parent.yaml").write_text(
        "extends: " + str(SCENARIOS / "baseline.yaml") + "\ndemand:\n  returns:\n    chance: 2\n")
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\nname: child\n")
    e = _err(tmp_path / "child.yaml")
    assert e.file.endswith("parent.yaml")
    assert e.field == "demand.returns.chance"


@pytest.mark.parametrize("text, fragment", [
    ("", "is empty"),
    ("- 1\n- 2\n", "must be a mapping"),
    ("demand: [1, 2\n", "YAML error"),
    ("a: 1\na: 2\n", "duplicate key"),
    ("!!python/object/apply:os.system ['echo hi']\n", "not allowed"),
    ("extends: nowhere.yaml\n", "does not exist"),
    ("run: {start_date: 2019-02-30}\n", "run.start_date: Input should be a valid date"),
    ("? [a, b]\n: 1\n", "a key must be a name"),
    ("a: &x [*x]\n", "unknown key"),
])
def test_bad_files(text: str, fragment: str, write_scenario) -> None:
    e = _err(write_scenario(text))
    assert fragment in str(e)
    assert "\n" not in str(e)


def test_extends_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    e = _err(tmp_path / "a.yaml")
    assert "cycle" in str(e) and e.field == "extends"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "no such file" in str(_err(tmp_path / "nope.yaml"))
    assert "directory" in str(_err(tmp_path))


def test_binary_and_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "bin.yaml").write_bytes(b"\x00\x01\x02")
    assert "binary" in str(_err(tmp_path / "bin.yaml"))
    (tmp_path / "latin.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    assert "UTF-8" in str(_err(tmp_path / "latin.yaml"))


def test_name_defaults_to_file_stem(write_scenario) -> None:
    s = load_scenario(write_scenario({}, name="my_option.yaml"))
    assert s.name == "my_option"


def test_error_in_parent_section_that_child_also_touches(tmp_path: Path) -> None:
    """A child that sets one demand field must not take the blame for another."""
    (tmp_path / "parent.yaml").write_text(
        "extends: " + str(SCENARIOS / "baseline.yaml") + "\ndemand:\n  trend_pct_per_year: -99\n")
    (tmp_path / "child.yaml").write_text(
        "extends: parent.yaml\ndemand:\n  returns:\n    chance: 0.2\n")
    e = _err(tmp_path / "child.yaml")
    assert e.file.endswith("parent.yaml") and e.line == 3


def test_distribution_is_replaced_not_merged(write_scenario) -> None:
    s = load_scenario(write_scenario(
        {"demand": {"durations": {"cp": {"dist": "weibull", "shape": 1.5, "scale": 300}}}}))
    assert s.demand.durations.cp.dist == "weibull"


@pytest.mark.parametrize("dist, mean", [
    ({"dist": "fixed", "value": 7}, 7),
    ({"dist": "exponential", "mean": 30}, 30),
    ({"dist": "lognormal", "mean": 55, "sd": 35}, 55),
    ({"dist": "gamma", "mean": 80, "sd": 20}, 80),
    ({"dist": "weibull", "shape": 1.5, "scale": 100}, 100 * 0.9027452929509336),
    ({"dist": "uniform", "low": 10, "high": 30}, 20),
    ({"dist": "triangular", "low": 0, "mode": 3, "high": 9}, 4),
    ({"dist": "normal", "mean": -2, "sd": 1}, -2),
])
def test_distributions_draw_what_they_say(dist, mean) -> None:
    """Inverse-CDF draws match each distribution's mean, and its CDF inverts its ppf."""
    import numpy as np
    from pydantic import TypeAdapter

    from sim.scenario.distributions import Distribution

    d = TypeAdapter(Distribution).validate_python(dist)
    u = (np.arange(200_000) + 0.5) / 200_000
    x = d.ppf(u)
    assert np.mean(x) == pytest.approx(mean, rel=2e-3, abs=1e-3)
    assert d.mean_value() == pytest.approx(mean, rel=1e-9)
    if dist["dist"] != "fixed":
        assert np.allclose(d.cdf(d.ppf(np.array([0.1, 0.5, 0.9]))), [0.1, 0.5, 0.9])
    if "mean" in dist and dist["dist"] in ("lognormal", "gamma"):
        assert np.std(x) == pytest.approx(dist["sd"], rel=5e-3)
