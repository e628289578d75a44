"""The app's levers: what each changes in the scenario, errors in one line, and the
scenario file they make (it extends the baseline and passes `sim validate`)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.app.levers import Campaign, Recruits, apply, changes, levers_from
from sim.app.scenario_file import nested, scenario_yaml
from sim.app.session import early_help_rows, read_levers
from sim.app.sources import from_council, from_shipped
from sim.cli import app as cli
from sim.scenario import ScenarioError, load_scenario

D = dt.date


@pytest.fixture(scope="module")
def baseline():
    return from_shipped("baseline.yaml")


def test_untouched_levers_change_nothing(baseline):
    assert changes(levers_from(baseline.scenario), baseline.scenario) == {}


def test_each_lever_sets_its_field(baseline):
    sc = baseline.scenario
    lv = levers_from(sc).with_(
        retention_annual=2.5e6, retention_start=D(2019, 6, 1), retention_end=D(2021, 5, 31),
        retention_effect=(0.8, 0.9), early_help=((D(2019, 4, 1), -3e6),),
        posts_change=10, posts_date=D(2020, 4, 1), caps=(16, 10, 18), caps_date=D(2020, 1, 1),
        agency_cover=0.5, agency_additional=30,
        campaign=Campaign(D(2020, 1, 1), D(2020, 6, 30), 0.4, 0.8),
        recruits=Recruits(30, D(2020, 1, 6), 8000.0),
        strain={**levers_from(sc).strain, "agency": False})
    alt = apply(lv, sc, "your_changes")
    r, eh, wf = alt.interventions.retention, alt.interventions.early_help, alt.workforce
    assert (alt.name, r.annual_spend, r.start, r.end) == ("your_changes", 2.5e6, D(2019, 6, 1),
                                                         D(2021, 5, 31))
    assert (r.hazard_ratio.ppf(0.0), r.hazard_ratio.ppf(1.0)) == pytest.approx((0.8, 0.9))
    assert [(c.start, c.annual_change) for c in eh.changes] == [(D(2019, 4, 1), -3e6)]
    [post] = alt.interventions.establishment_changes
    assert (post.date, post.role, post.change) == (D(2020, 4, 1), "case_holding", 10)
    [cap] = alt.interventions.cap_changes  # only the cap that moved
    assert (cap.date, cap.worker_type, cap.cap) == (D(2020, 1, 1), "experienced", 16)
    assert (wf.agency.cover_share.central(), wf.agency.additional) == (0.5, 30)
    [camp] = alt.interventions.recruitment_campaigns
    assert (camp.start, camp.fill_probability, camp.time_to_hire_scale) == (D(2020, 1, 1),
                                                                            0.4, 0.8)
    [hire] = alt.interventions.hires
    assert (hire.date, hire.number, hire.kind, hire.into, hire.cost_per_hire) == (
        D(2020, 1, 6), 30, "experienced", "new_posts", 8000.0)
    assert not alt.strain.on("agency") and alt.strain.on("thresholds")
    assert sc.interventions.retention.annual_spend == 0  # the baseline is unchanged


@pytest.mark.parametrize(("lever", "message"), [
    ({"retention_annual": 1e6, "retention_end": D(2018, 1, 1)},
     "levers: interventions.retention.end: must be after start (2019-04-01) (found "
     "2018-01-01)"),
    ({"agency_cover": 1.5}, "levers: workforce.agency.cover_share: must be between 0 and 1 "
     "(found 1.5)"),
    ({"early_help": ((D(2019, 4, 1), -30e6),)}, "levers: interventions.early_help: a change "
     "of -30,000,000 leaves no early help budget"),
    ({"replications": 0}, "levers: replications: must be from 1 to 200 (found 0)"),
])
def test_a_bad_lever_is_one_line_naming_the_field(baseline, lever, message):
    with pytest.raises(ScenarioError) as e:
        apply(levers_from(baseline.scenario).with_(**lever), baseline.scenario, "x")
    assert str(e.value).startswith(message)
    assert "\n" not in str(e.value)


def test_page_values_read_into_levers(baseline):
    base = levers_from(baseline.scenario, 20)
    lv = read_levers({"retention_m": 2.5, "retention_end": D(2021, 3, 31), "hr_low": 0.8,
                      "cap_experienced": 15, "campaign_on": True, "campaign_fill": 0.3,
                      "strain_agency": False, "recruits_on": True, "recruits_number": 30,
                      "recruits_date": D(2020, 1, 6), "recruits_cost": 8000.0,
                      "early_help": pd.DataFrame(
                          {"from": [D(2020, 4, 1), None], "£m a year": [-1.5, -2.0]})}, base)
    assert lv.retention_annual == 2.5e6 and lv.retention_effect == (0.8, 1.0)
    assert lv.caps == (15, 10, 18) and lv.campaign is not None
    assert lv.campaign.fill_probability == 0.3
    assert lv.recruits == Recruits(30, D(2020, 1, 6), 8000.0)
    assert lv.strain["agency"] is False and lv.strain["thresholds"] is True
    assert lv.early_help == ((D(2020, 4, 1), -1.5e6),)  # the half-typed row left out
    assert read_levers({}, base) == base


def test_early_help_rows_skip_half_typed_rows():
    rows = pd.DataFrame({"from": [pd.Timestamp("2020-04-01"), pd.NaT, pd.Timestamp(
        "2019-04-01")], "£m a year": [-2.0, -1.0, float("nan")]})
    assert early_help_rows(rows) == ((D(2020, 4, 1), -2e6),)


def test_nested():
    assert nested({"a.b": 1, "a.c": 2, "d": 3}) == {"a": {"b": 1, "c": 2}, "d": 3}


@pytest.mark.parametrize("council", [False, True])
def test_the_scenario_file_extends_the_baseline_and_validates(baseline, tmp_path, council):
    src = from_council("West Sussex", 2019) if council else baseline
    lv = levers_from(src.scenario).with_(
        retention_annual=2.5e6, retention_effect=(0.8, 0.8), caps=(16, 10, 18),
        early_help=((D(2019, 4, 1), -3e6), (D(2020, 4, 1), -4.9e6)),
        strain={**levers_from(src.scenario).strain, "thresholds": False})
    expected = apply(lv, src.scenario, "your_changes")
    (tmp_path / src.file_name).write_text(src.yaml)
    text = scenario_yaml(src.file_name, changes(lv, src.scenario), "your_changes", "words")
    assert f"extends: {src.file_name}" in text
    path = tmp_path / "your_changes.yaml"
    path.write_text(text)
    got = CliRunner().invoke(cli, ["validate", str(path)])
    assert got.exit_code == 0, got.output
    assert got.output.startswith(f"ok: {path}: your_changes")
    loaded = load_scenario(path)
    assert loaded.model_dump(exclude={"description"}) == \
        expected.model_dump(exclude={"description"})
