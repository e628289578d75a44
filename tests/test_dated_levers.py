"""Dated changes of the caseload limit (``interventions.overflow_changes``) and of agency
cover (``interventions.agency_changes``), on the tiny service (tests/mechanism_scenarios.py),
where every event's time can be worked out by hand."""

from __future__ import annotations

import pytest

from sim.scenario import ScenarioError
from tests.mechanism_scenarios import EPS, run, state, tiny

ALL = ("assessment", "cin", "cp", "cla")


def _limit(x: float) -> dict[str, float]:
    return dict.fromkeys(ALL, x)


# --------------------------------------------------------------------------- the caseload limit


def test_a_looser_limit_from_its_date_allocates_the_waiting_cases_and_a_tighter_takes_none_back(
) -> None:
    # two workers with a cap of 2 and 6 open cases: 4 held, 2 waiting. From day 30 workers
    # may go to 1.5 x their cap (3): the 2 waiting are allocated; from day 60 the hard cap
    # again: nobody gives a case back, and a new case would wait
    s = tiny({"workforce.caps": {"experienced": 2, "newly_qualified": 2, "agency": 2},
              "initial_state.open_cases.cin": 6,
              "interventions.overflow_changes": [
                  {"date": "2020-05-01", "overflow": _limit(1.5)},
                  {"date": "2020-05-31", "overflow": _limit(1.0)}]})
    r = run(s, {30.0: state, 30.0 + EPS: state, 60.0 + EPS: state})
    assert (r.seen[30.0]["allocated"], r.seen[30.0]["waiting"]) == (4, 2)
    assert (r.seen[30 + EPS]["allocated"], r.seen[30 + EPS]["waiting"]) == (6, 0)
    assert (r.seen[60 + EPS]["allocated"], r.seen[60 + EPS]["waiting"]) == (6, 0)


def test_a_limit_change_applies_to_new_cases_from_its_date() -> None:
    # the hard cap from day 30 (the scenario allows 1.5 x before): of 6 cases, those open
    # at the start are allocated up to 1.5 x 2 = 3 each
    s = tiny({"workforce.caps": {"experienced": 2, "newly_qualified": 2, "agency": 2},
              "allocation.overflow": _limit(1.5),
              "initial_state.open_cases.cin": 6,
              "interventions.overflow_changes": [{"date": "2020-05-01",
                                                  "overflow": _limit(1.0)}]})
    r = run(s, {1.0: state, 31.0: state})
    assert (r.seen[1.0]["allocated"], r.seen[1.0]["waiting"]) == (6, 0)
    assert (r.seen[31.0]["allocated"], r.seen[31.0]["waiting"]) == (6, 0)


def test_a_limit_that_lets_a_later_case_type_further_over_is_refused() -> None:
    with pytest.raises(ScenarioError) as e:
        tiny({"interventions.overflow_changes": [
            {"date": "2020-05-01", "overflow": {"cla": 1, "cp": 1, "cin": 1,
                                                "assessment": 1.2}}]})
    assert "interventions.overflow_changes[0].overflow.assessment" in str(e.value)
    assert "may not go further over the cap than cin" in str(e.value)


# --------------------------------------------------------------------------- agency cover


def _vacancies(**agency) -> dict:
    """Posts 3 and 4 vacant from the start; agency staff engaged 5 days after a decision to
    cover and staying ``stay_days``."""
    return {"workforce.establishment.case_holding": 4,
            "workforce.agency.time_to_engage_days": 5, **{
                f"workforce.agency.{k}": v for k, v in agency.items()}}


def test_more_cover_from_a_date_covers_the_vacancies_open_then() -> None:
    s = tiny({**_vacancies(cover_share=0, stay_days=1000),
              "interventions.agency_changes": [{"date": "2020-05-01", "cover_share": 1}]})
    r = run(s, {35.0: state, 35.0 + EPS: state})
    assert (r.seen[35.0]["agency"], r.seen[35 + EPS]["agency"]) == (0, 2)


@pytest.mark.parametrize(("change", "agency_at_70"), [(None, 2), (0.0, 0)])
def test_less_cover_from_a_date_leaves_vacancies_uncovered_when_their_agency_staff_go(
        change: float | None, agency_at_70: int) -> None:
    # both vacancies covered from day 5 by agency staff who stay 50 days (to day 55); without
    # a change they are replaced on day 60; with cover cut to 0 on day 30 they are not
    changes = [] if change is None else [{"date": "2020-05-01", "cover_share": change}]
    s = tiny({**_vacancies(cover_share=1, stay_days=50),
              "interventions.agency_changes": changes})
    r = run(s, {31.0: state, 70.0: state})
    assert r.seen[31.0]["agency"] == 2  # those in post stay to the end of their stay
    assert r.seen[70.0]["agency"] == agency_at_70


def test_agency_staff_beyond_cover_are_engaged_and_released_from_their_dates() -> None:
    s = tiny({"workforce.agency.time_to_engage_days": 5, "workforce.agency.stay_days": 1000,
              "interventions.agency_changes": [
                  {"date": "2020-05-01", "additional": 3},
                  {"date": "2020-05-31", "additional": 1}]})
    r = run(s, {35.0: state, 35.0 + EPS: state, 60.0 + EPS: state})
    assert (r.seen[35.0]["agency"], r.seen[35 + EPS]["agency"]) == (0, 3)
    assert r.seen[60 + EPS]["agency"] == 1
    assert r.seen[60 + EPS]["case_holders"] == 3


def test_an_agency_change_must_change_something() -> None:
    with pytest.raises(ScenarioError) as e:
        tiny({"interventions.agency_changes": [{"date": "2020-05-01"}]})
    assert "interventions.agency_changes[0]" in str(e.value) or \
        "interventions.agency_changes.0" in str(e.value)
    assert "give cover_share, additional or both" in str(e.value)
