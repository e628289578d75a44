"""The caseload on the workforce census's definition: cases held by the social workers who
hold one or more cases, over those workers' FTE (agency included), at 30 September, in the
census's cases (``measurement.census_cases_per_case``); and ``sim init``'s case-holding
workforce taken from the census rather than back-solved from the children in need."""

from __future__ import annotations

import math

import pytest
import yaml

from sim.data import dfe
from sim.scenario import Scenario
from sim.scenario.council import council_scenario
from sim.scenario.council_rates import (
    AGENCY_ENGAGE_DAYS,
    AGENCY_STAY_DAYS,
    CAP_ABOVE_CASELOAD,
    MIN_CAP,
    estimate_rates,
)

from . import test_mechanisms_cases
from .test_mechanisms_cases import FY1, LONG, ref, tiny

play = test_mechanisms_cases.play  # the fixture that scripts the referrals


@pytest.mark.parametrize("per_case", [1.0, 0.8, 2.0])
def test_caseload_is_cases_held_over_the_workers_holding_any(play, per_case: float) -> None:
    """Three experienced case holders, caps 5, each case to the worker with most room. R1
    (day 10, open for good) goes to a worker X; R2 (day 20, assessed for 80 days) to
    another, Y (X has less room); R3 (day 30, for good) to the third, Z. R2 closes on day
    100, so on 30 September (day 183) X and Z hold one case each and Y none: the census
    counts 2 cases over the 2 workers holding any, 1.0 (2 / 3 if Y counted), times the
    census cases per case."""
    s = tiny({"workforce.establishment.case_holding": 3,
              "initial_state.workforce.case_holding.experienced": 3,
              "measurement.census_cases_per_case": per_case})
    refs = [ref(10, "assessment", LONG), ref(20, "assessment", 80), ref(30, "assessment", LONG)]
    r = play(s, refs, {183.0: lambda svc: sorted(len(w.cases) for w in
                                                 svc.workforce.case_holders.values())})
    assert r.seen[183.0] == [0, 1, 1]
    assert r.annual[(FY1, "caseload_per_fte")] == pytest.approx(per_case)
    assert r.annual[(FY1, "over_cap_share")] == 0


def test_no_worker_holding_cases_gives_no_caseload(play) -> None:
    got = play(tiny(), []).annual
    assert math.isnan(got[(FY1, "caseload_per_fte")])


@pytest.mark.parametrize("council", ["West Sussex", "Barnsley", "Kent", "Halton", "Somerset"])
def test_init_takes_the_case_holders_from_the_census(council: str) -> None:
    """The case-holding workers in post (permanent and agency) on the start date are the
    census's case holders at 30 September of the start year; the posts and workers in post
    are still the census's; the census cases per case are its cases over the model's open
    cases; and the caps, in the model's cases, leave 10% room over the census caseload."""
    r = estimate_rates(council, 2019)
    fig = lambda m: dfe.figure(r.council, m, "2019").value  # noqa: E731
    w = r.workforce
    assert sum(w.case_holding.values()) == round(fig("case_holders_fte"))
    posts = w.posts_case_holding.value + w.posts_non_case_holding.value
    assert posts == round(fig("inpost_fte") + fig("vacancy_fte"))
    in_post = w.case_holding["experienced"] + w.case_holding["newly_qualified"] \
        + w.non_case_holding["experienced"]
    assert in_post == round(fig("inpost_fte"))
    assert w.case_holding["agency"] + w.non_case_holding["agency"] <= round(fig("agency_fte"))
    # and in the steady state: permanent workers in case-holding posts at the council's
    # vacancy rate, agency covering every role's vacancies alike, the agency beyond
    # vacancies (in post 180 of every 201 days) holding cases
    i, v, a = fig("inpost_fte"), fig("vacancy_fte"), fig("agency_fte")
    extra = w.additional_agency * AGENCY_STAY_DAYS / (AGENCY_STAY_DAYS + AGENCY_ENGAGE_DAYS)
    ch = w.posts_case_holding.value
    steady = ch * i / (i + v) + (a - extra) * ch / (i + v) + extra
    assert steady == pytest.approx(fig("case_holders_fte"), abs=1.5)
    s = r.start
    open_cases = s.assessments.value + s.cin_plans.value + s.cp_plans.value \
        + s.looked_after.value
    assert w.census_cases_per_case.value == round(fig("cases") / open_cases, 4)
    room = w.caseload_cap * w.census_cases_per_case.value
    assert room >= max(MIN_CAP, CAP_ABOVE_CASELOAD * fig("caseload_per_fte")) - 1e-6
    assert room < max(MIN_CAP, CAP_ABOVE_CASELOAD * fig("caseload_per_fte")) \
        + w.census_cases_per_case.value


def test_init_writes_the_measurement_with_its_source() -> None:
    """West Sussex 2019: 3,770 cases held (csww, 30 September 2019) over the 4,699 children
    in need open in the model at the start: 0.8023; 225 FTE case holders."""
    built = council_scenario("West Sussex", 2019)
    s = Scenario.model_validate(yaml.safe_load(built.yaml))
    assert s.measurement.census_cases_per_case == 0.8023
    assert "3770 cases held (csww_indicators_2017_to_2025.csv, West Sussex, time_period " \
        "2019, cases) / 4699 cases open" in built.yaml
    ch = s.initial_state.workforce.case_holding
    assert ch.experienced + ch.newly_qualified + ch.agency == 225
    assert s.workforce.caps.experienced == math.ceil(16.8 * 1.1 / 0.8023)


def test_a_scenario_without_measurement_counts_the_model_s_cases() -> None:
    assert tiny().measurement.census_cases_per_case == 1.0
