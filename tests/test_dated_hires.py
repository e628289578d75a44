"""A dated hire of N workers (``interventions.hires``): international recruits, a one-off
campaign. Each mechanism on the tiny service (tests/mechanism_scenarios.py), where every
event's time can be worked out by hand."""

from __future__ import annotations

import pytest

from sim.scenario import ScenarioError
from tests.mechanism_scenarios import EPS, run, state, tiny, workers

PRICES = {"costs.inflation_pct": {"default": 10}}
HIRE = {"date": "2020-05-02", "number": 3}  # day 31 of the tiny run


def _hire(**more) -> dict:
    return {**HIRE, **more}


def test_recruits_start_in_posts_of_their_own_after_their_time_to_start() -> None:
    s = tiny({"interventions.hires": [_hire(time_to_start_days=10)]})
    r = run(s, {41.0: state, 41.0 + EPS: state})
    before, after = r.seen[41.0], r.seen[41 + EPS]
    assert (before["experienced"], before["posts"]) == (2, 2)
    assert (after["experienced"], after["posts"], after["vacancies"]) == (5, 5, 0)
    assert r.service.rec.starters == [41.0, 41.0, 41.0]
    # the recruits take cases from the start: three more case holders
    assert after["case_holders"] == 5


def test_each_recruit_draws_their_own_time_to_start() -> None:
    s = tiny({"interventions.hires": [_hire(
        time_to_start_days={"dist": "uniform", "low": 10, "high": 90})]})
    starts = run(s).service.rec.starters
    assert len(starts) == 3 and len(set(starts)) == 3
    assert all(41.0 <= t <= 121.0 for t in starts)
    # the same draws in a scenario that differs elsewhere (common random numbers)
    s2 = tiny({"interventions.hires": [_hire(
        time_to_start_days={"dist": "uniform", "low": 10, "high": 90})],
        "workforce.caps.experienced": 7})
    assert run(s2).service.rec.starters == starts


def test_recruits_into_vacancies_fill_vacant_posts_first_and_end_their_agency_cover() -> None:
    # posts 3 and 4 vacant, covered by agency from day 5; three recruits on day 31: two take
    # the vacancies (their agency workers go), the third comes with a post of their own
    s = tiny({"workforce.establishment.case_holding": 4,
              "workforce.agency.cover_share": 1, "workforce.agency.time_to_engage_days": 5,
              "workforce.agency.stay_days": 1000,
              "interventions.hires": [_hire(into="vacancies")]})
    r = run(s, {31.0: state, 31.0 + EPS: state})
    assert (r.seen[31.0]["agency"], r.seen[31.0]["vacancies"]) == (2, 2)
    after = r.seen[31 + EPS]
    assert (after["experienced"], after["agency"], after["vacancies"], after["posts"]) == \
        (5, 0, 0, 5)


def test_newly_qualified_recruits_ramp_up_through_their_first_year() -> None:
    s = tiny({"interventions.hires": [_hire(number=1, kind="newly_qualified")],
              "workforce.caps.newly_qualified": 10,
              "workforce.newly_qualified": {"asye_months": 12, "ramp_up_months": 6,
                                            "ramp_up_start_share": 0.5}})
    r = run(s, {31.0 + EPS: workers})
    recruit = [w for w in r.seen[31 + EPS] if w["start"] == 31.0]
    assert [(w["kind"], w["cap"]) for w in recruit] == [("newly_qualified", 5)]


@pytest.mark.parametrize(("hazard", "left"), [(None, 0), (0.0, 0), (50.0, 3)])
def test_recruits_leave_at_their_own_rate(hazard: float | None, left: int) -> None:
    # the tiny service's own leaving rate is 0: recruits given a rate of 50 a year all give
    # notice within weeks and leave after the notice period (their posts stay, vacant:
    # the tiny service recruits nobody); the others never leave
    hire = _hire() if hazard is None else _hire(annual_hazard=hazard)
    r = run(tiny({"interventions.hires": [hire], "workforce.leaving.notice_days": 10}))
    assert len(r.service.rec.leavers) == left
    assert r.service.workforce.counts()[0] == 5 - left
    assert r.service.workforce.vacancies() == left


def test_each_recruit_costs_their_own_price_once_in_the_recruitment_line() -> None:
    # three recruits at £8,000 each (prices of 2020-21): £24,000 in 2020-21, not the usual
    # cost per hire; a second hire in 2021-22 is uprated by that year's inflation (10%)
    s = tiny({**PRICES, "costs.recruitment_per_hire": 3000, "interventions.hires": [
        _hire(cost_per_hire=8000), {"date": "2021-06-01", "number": 1, "cost_per_hire": 8000}]})
    b = run(s).budget
    assert b[("2020-21", "recruitment")] == pytest.approx(24000.0, rel=1e-12)
    assert b[("2021-22", "recruitment")] == pytest.approx(8000.0 * 1.10, rel=1e-12)


def test_a_hire_outside_the_run_changes_nothing() -> None:
    s = tiny({"interventions.hires": [{"date": "2030-01-01", "number": 5}]})
    assert run(s).service.workforce.counts() == (2, 0, 0)


@pytest.mark.parametrize(("hire", "field"), [
    ({"date": "2020-05-02", "number": 0}, "number"),
    ({"date": "2020-05-02", "number": 2, "kind": "agency"}, "kind"),
    ({"date": "2020-05-02", "number": 2, "into": "somewhere"}, "into"),
    ({"date": "2020-05-02", "number": 2, "cost_per_hire": -1}, "cost_per_hire"),
    ({"date": "2020-05-02", "number": 2, "time_to_start_days": -5}, "time_to_start_days"),
    ({"date": "2020-05-02", "number": 2, "workers": 3}, "workers"),
])
def test_a_bad_hire_is_refused_naming_its_field(hire: dict, field: str) -> None:
    with pytest.raises(ScenarioError) as e:
        tiny({"interventions.hires": [hire]})
    assert f"interventions.hires[0].{field}" in str(e.value) or \
        f"interventions.hires.0.{field}" in str(e.value)
