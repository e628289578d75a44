"""Mechanism tests for the workforce and the money: each rule of the model watched in a tiny
deterministic service (tests/mechanism_scenarios.py), with numbers worked out by hand.

Every duration is fixed, so events fall on days a test can name. A worker's leaving is the
one draw: a permanent worker gives notice when their accumulated hazard reaches the
"exhaustion" they drew when hired. The hazard is read every four weeks from day 7 (the end
of the first week), so with a hazard h a year that stays the same, a worker of exhaustion E
gives notice on day 7 + 365 E / h exactly. The tests read E from the worker and choose h
to put the notice on a round day.
"""

from __future__ import annotations

import pytest

from sim.model.calendar import Calendar
from sim.model.interventions import RetentionScheme
from sim.model.simulation import Service
from sim.scenario import Scenario, ScenarioError
from sim.scenario.distributions import param_value
from sim.scenario.loader import with_overrides

from .mechanism_scenarios import EPS, at, budget, day, run, state, tiny, weekly, workers

FIRST_LOOK = 7.0  # the first reading of the leaving hazard (end of week 1)
NOTICE = 30.0


PRICES = {
    "costs.salary": {"experienced": 50000, "newly_qualified": 30000},
    "costs.on_cost_share": 0.25,
    "costs.agency_weekly": 1000,
    "costs.recruitment_per_hire": 3000,
    "costs.pay_award_pct": {"default": 3},
    "costs.inflation_pct": {"default": 10},
    "costs.placement_inflation_pct": {"default": 5},
}
"""Pay, inflation and placement inflation all differ, so a line uprated by the wrong index
shows. The financial years from 1 April 2020 have 365 days each (no 29 February)."""
WEEKS = 365 / 7


# --------------------------------------------------------------------------- helpers


def exhaustion(s: Scenario, post: int = 1) -> float:
    """The exhaustion drawn by the worker in post ``post`` at the start (it does not depend
    on any hazard, so it is the same in every variant of ``s`` with the same seed)."""
    def look(svc: Service) -> float:
        occupant = next(p for p in svc.workforce.posts if p.id == post).occupant
        assert occupant is not None, f"post {post} is vacant at the start"
        return occupant.exhaustion

    return at(s, 0.5, look)


def hazard_for(e: float, notice_day: float, multiplier: float = 1.0) -> float:
    """The base annual hazard that makes a worker of exhaustion ``e`` give notice on
    ``notice_day`` when their hazard is ``multiplier`` times the base throughout."""
    return 365.0 * e / ((notice_day - FIRST_LOOK) * multiplier)


def leaver(notice_day: float = 100.0, **updates) -> Scenario:
    """One experienced worker (post 1) who gives notice on ``notice_day`` and leaves
    NOTICE days later, and one newly qualified worker (post 2) who never leaves (no hazard,
    and their ASYE year outlasts the run)."""
    base = {
        "initial_state.workforce.case_holding": {"experienced": 1, "newly_qualified": 1,
                                                 "agency": 0},
        "workforce.newly_qualified.asye_months": 36,
        "workforce.leaving.notice_days": NOTICE,
    }
    base.update({k.replace("__", "."): v for k, v in updates.items()})
    e = exhaustion(tiny(base))
    base["workforce.leaving.annual_hazard"] = {"experienced": hazard_for(e, notice_day),
                                               "newly_qualified": 0}
    return tiny(base)


# --------------------------------------------------------------------------- notice, vacancy


def test_notice_period_keeps_the_leaver_in_post_with_their_cases() -> None:
    # 4 open cases shared 2 and 2; the experienced worker gives notice on day 100 and goes
    # on day 130, when the newly qualified worker (cap 5) takes both of their cases
    s = leaver(100.0, **{"initial_state.open_cases.cin": 4})
    r = run(s, {
        99.0: workers,
        100.0 + EPS: workers,
        130.0: workers,
        130.0 + EPS: workers,
        130.0 + 2 * EPS: state,
    })
    before, noticed, last, gone = (r.seen[t] for t in (99.0, 100 + EPS, 130.0, 130 + EPS))
    assert [(w["kind"], w["cases"], w["leaving"]) for w in before] == [
        ("experienced", 2, False), ("newly_qualified", 2, False)]
    assert [(w["kind"], w["cases"], w["leaving"]) for w in noticed] == [
        ("experienced", 2, True), ("newly_qualified", 2, False)]
    # in post, with their cases, to the last moment of the notice period
    assert [(w["kind"], w["cases"], w["leaving"]) for w in last] == [
        ("experienced", 2, True), ("newly_qualified", 2, False)]
    assert [(w["kind"], w["cases"]) for w in gone] == [("newly_qualified", 4)]
    after = r.seen[130.0 + 2 * EPS]
    assert (after["allocated"], after["waiting"], after["open"]) == (4, 0, 4)
    assert r.service.rec.leavers == [pytest.approx(130.0, abs=1e-6)]
    # the two children whose worker left each had a change of social worker
    assert r.annual[("2020-21", "worker_changes")] == 2


def test_a_worker_on_notice_takes_no_new_cases() -> None:
    # caps 5 and 2: 7 of the 8 cases are allocated, 1 waits; on day 110, while the
    # experienced worker is on notice, their cap rises to 8, but the waiting case stays
    # waiting; when they go (day 130) their 5 cases join it
    s = leaver(100.0, **{
        "initial_state.open_cases.cin": 8,
        "workforce.caps": {"experienced": 5, "newly_qualified": 2, "agency": 5},
        "interventions.cap_changes": [
            {"date": "2020-07-20", "worker_type": "experienced", "cap": 8}]})
    look = {110.0 + EPS: workers, 110.0 + 2 * EPS: state, 130.0 + EPS: state}
    r = run(s, look)
    assert [(w["kind"], w["cap"], w["cases"], w["leaving"]) for w in r.seen[110 + EPS]] == [
        ("experienced", 8, 5, True), ("newly_qualified", 2, 2, False)]
    assert r.seen[110 + 2 * EPS]["waiting"] == 1
    assert (r.seen[130 + EPS]["waiting"], r.seen[130 + EPS]["allocated"]) == (6, 2)


@pytest.mark.parametrize("notice", [0.0, 45.0])
def test_departure_is_exactly_the_notice_period_after_notice(notice: float) -> None:
    s = leaver(100.0, **{"workforce.leaving.notice_days": notice})
    assert run(s).service.rec.leavers == [pytest.approx(100.0 + notice, abs=1e-6)]


@pytest.mark.parametrize(("multiplier", "notice"), [(2.0, 60.0), (0.5, 15.0)])
def test_a_durations_multiplier_scales_what_is_drawn(multiplier: float, notice: float) -> None:
    # a notice period of 30 days (uniform over 30 to 30.000001: a distribution, as a plain
    # number has no multiplier) times the multiplier
    s = leaver(100.0, **{"workforce.leaving.notice_days": {
        "dist": "uniform", "low": 30, "high": 30.000001, "multiplier": multiplier}})
    assert run(s).service.rec.leavers == [pytest.approx(100.0 + notice, abs=1e-5)]


def test_departure_leaves_an_uncovered_vacancy_without_agency_cover() -> None:
    s = leaver(100.0, **{"workforce.agency.cover_share": 0})
    r = run(s, {130.0: state, 130.0 + EPS: state, 200.0: state})
    assert (r.seen[130.0]["vacancies"], r.seen[130.0]["experienced"]) == (0, 1)
    assert (r.seen[130 + EPS]["vacancies"], r.seen[130 + EPS]["experienced"]) == (1, 0)
    assert (r.seen[200.0]["vacancies"], r.seen[200.0]["agency"]) == (1, 0)
    # 30 September 2020: one worker in post, one vacancy, no agency
    a = r.annual
    assert a[("2020-21", "vacancy_rate")] == 50.0
    assert a[("2020-21", "agency_rate")] == 0.0
    assert a[("2020-21", "inpost_fte")] == 1.0


def test_departure_vacancy_is_covered_by_agency_after_the_time_to_engage() -> None:
    s = leaver(100.0, **{"workforce.agency.cover_share": 1,
                         "workforce.agency.time_to_engage_days": 5,
                         "workforce.agency.stay_days": 1000})
    r = run(s, {130.0 + EPS: state, 135.0: state, 135.0 + EPS: workers, 136.0: state})
    assert (r.seen[130 + EPS]["vacancies"], r.seen[130 + EPS]["agency"]) == (1, 0)
    assert r.seen[135.0]["agency"] == 0
    assert [(w["kind"], w["post"], w["start"]) for w in r.seen[135 + EPS]] == [
        ("newly_qualified", 2, 0.0), ("agency", 1, 135.0)]
    # agency cover does not fill the post: it is still a vacancy
    assert (r.seen[136.0]["vacancies"], r.seen[136.0]["agency"]) == (1, 1)
    a = r.annual
    assert (a[("2020-21", "vacancy_rate")], a[("2020-21", "agency_rate")]) == (50.0, 50.0)
    assert a[("2020-21", "agency_fte")] == 1.0


def test_permanent_hire_releases_the_agency_worker_and_takes_their_cases() -> None:
    # caps 2: the leaver's 2 cases wait (the other worker is full) until the agency worker
    # comes on day 135 and takes them; the round of day 150 advertises the post, a newly
    # qualified worker starts on day 190, the agency worker goes, and the new worker takes
    # the agency worker's cases
    s = leaver(100.0, **{
        "initial_state.open_cases.cin": 4,
        "workforce.caps": {"experienced": 2, "newly_qualified": 2, "agency": 5},
        "workforce.agency.cover_share": 1,
        "workforce.agency.time_to_engage_days": 5,
        "workforce.agency.stay_days": 1000,
        "workforce.recruitment.round_interval_days": 30,
        "workforce.recruitment.time_to_hire_days": 40,
        "workforce.recruitment.fill_probability": 1,
        "workforce.recruitment.newly_qualified_share": 1,
    })
    r = run(s, {130.0 + EPS: state, 135.0 + EPS: workers, 190.0: workers,
                190.0 + EPS: workers, 190.0 + 2 * EPS: state})
    assert (r.seen[130 + EPS]["waiting"], r.seen[130 + EPS]["allocated"]) == (2, 2)
    assert [(w["kind"], w["cases"]) for w in r.seen[135 + EPS]] == [
        ("newly_qualified", 2), ("agency", 2)]
    assert [(w["kind"], w["cases"]) for w in r.seen[190.0]] == [
        ("newly_qualified", 2), ("agency", 2)]
    assert [(w["kind"], w["post"], w["cases"], w["start"]) for w in r.seen[190 + EPS]] == [
        ("newly_qualified", 2, 2, 0.0), ("newly_qualified", 1, 2, 190.0)]
    after = r.seen[190 + 2 * EPS]
    assert (after["agency"], after["vacancies"], after["waiting"], after["allocated"]) == (
        0, 0, 0, 4)
    assert r.service.rec.starters == [190.0]
    # the released agency worker is not replaced by another
    assert r.service.workforce.counts() == (0, 2, 0)


def test_agency_stay_ends_hands_over_and_a_new_agency_worker_covers() -> None:
    # one experienced worker (cap 2) and one additional agency post: the agency worker
    # comes on day 5 and takes the 2 waiting cases, stays 50 days, and another comes on
    # day 60 (5 days to engage) and takes the cases back from the queue
    s = tiny({
        "initial_state.workforce.case_holding": {"experienced": 1, "newly_qualified": 0,
                                                 "agency": 0},
        "workforce.establishment.case_holding": 1,
        "initial_state.open_cases.cin": 4,
        "workforce.caps": {"experienced": 2, "newly_qualified": 2, "agency": 5},
        "workforce.agency.additional": 1,
        "workforce.agency.time_to_engage_days": 5,
        "workforce.agency.stay_days": 50,
    })
    r = run(s, {1.0: state, 5.0 + EPS: workers, 55.0: workers, 55.0 + EPS: state,
                60.0 + EPS: workers, 115.0 + EPS: workers})
    assert (r.seen[1.0]["allocated"], r.seen[1.0]["waiting"]) == (2, 2)
    assert [(w["kind"], w["cases"]) for w in r.seen[5 + EPS]] == [
        ("experienced", 2), ("agency", 2)]
    assert [(w["kind"], w["cases"]) for w in r.seen[55.0]] == [
        ("experienced", 2), ("agency", 2)]
    gap = r.seen[55 + EPS]
    assert (gap["agency"], gap["waiting"], gap["allocated"], gap["open"]) == (0, 2, 2, 4)
    first, second = r.seen[5 + EPS][1], r.seen[60 + EPS][1]
    assert (second["kind"], second["cases"], second["start"]) == ("agency", 2, 60.0)
    assert second["id"] != first["id"]
    third = r.seen[115 + EPS][1]
    assert (third["start"], third["cases"]) == (115.0, 2)
    # agency workers leave on days 55, 110, ..., 715 (13 stays end in the 730-day run),
    # and each hand-over is a change of worker for both children
    assert r.result is not None and r.result.totals["worker_changes"] == 2 * 13


# --------------------------------------------------------------------------- newly qualified


@pytest.mark.parametrize(("months_in_post", "becomes"), [(0, 189.0), (3, 98.0)])
def test_newly_qualified_become_experienced_after_the_asye_period(months_in_post: float,
                                                                  becomes: float) -> None:
    # ASYE 6 months = 182.625 days; checked weekly: the first week end at or after
    # (6 - months in post) months: 189 from 0 months, 98 (>= 91.3125) from 3 months
    s = tiny({
        "initial_state.workforce.case_holding": {"experienced": 1, "newly_qualified": 1,
                                                 "agency": 0},
        "initial_state.workforce.newly_qualified_months_in_post": months_in_post,
        "workforce.newly_qualified.asye_months": 6,
    })
    r = run(s, {becomes - 7: state, becomes: state, becomes + EPS: workers})
    assert (r.seen[becomes - 7]["experienced"], r.seen[becomes - 7]["newly_qualified"]) == (1, 1)
    assert (r.seen[becomes]["experienced"], r.seen[becomes]["newly_qualified"]) == (1, 1)
    assert [w["kind"] for w in r.seen[becomes + EPS]] == ["experienced", "experienced"]
    w = weekly(r.result)
    assert list(w["fte_newly_qualified"].iloc[: int(becomes // 7) + 1]) == \
        [1.0] * int(becomes // 7) + [0.0]


def test_ramp_up_grows_a_new_workers_cap_to_the_full_cap() -> None:
    # cap 10, ramp-up over 4 months from half: cap = round(10 (0.5 + 0.5 m / 4)) at m
    # months, updated weekly. Day 28: m = 0.920, 6.15 -> 6; day 56: 7.30 -> 7; day 63:
    # 7.59 -> 8; day 105: 9.31 -> 9; day 119: 9.89 -> 10; from 4 months (day 121.75) 10.
    s = tiny({
        "initial_state.workforce.case_holding": {"experienced": 0, "newly_qualified": 1,
                                                 "agency": 0},
        "workforce.establishment.case_holding": 1,
        "initial_state.open_cases.cin": 12,
        "workforce.caps.newly_qualified": 10,
        "workforce.newly_qualified": {"asye_months": 12, "ramp_up_months": 4,
                                      "ramp_up_start_share": 0.5},
    })
    days = [0.5, 28 + EPS, 56 + EPS, 63 + EPS, 105 + EPS, 119 + EPS, 200.0]
    r = run(s, dict.fromkeys(days, lambda svc: (workers(svc)[0]["cap"],
                                                svc.alloc.n_allocated)))
    assert [r.seen[t] for t in days] == [(5, 5), (6, 6), (7, 7), (8, 8), (9, 9), (10, 10),
                                        (10, 10)]


# --------------------------------------------------------------------------- leaving hazard


def test_retention_payment_hazard_multiplier() -> None:
    # £12,000 a year shared by 2 workers is £6,000 each: twice the reference payment of
    # £3,000, so the hazard is 0.8 ** 2 = 0.64 while the scheme runs, 1 outside it
    s = tiny(interventions__retention={
        "annual_spend": 12000, "start": "2020-06-01", "end": "2020-12-31",
        "clawback": {"months": 0, "share": 0}, "reference_payment": 3000,
        "hazard_ratio": 0.8})
    cal = Calendar(s.run.start_date, s.run.horizon_years)
    scheme = RetentionScheme(s.interventions.retention, cal)
    june, jan = day(s, "2020-06-01"), day(s, "2021-01-01")
    assert scheme.hazard_multiplier(june, 2) == pytest.approx(0.64, rel=1e-12)
    assert scheme.hazard_multiplier(june, 4) == pytest.approx(0.8, rel=1e-12)
    assert scheme.hazard_multiplier(june - 1, 2) == 1.0
    assert scheme.hazard_multiplier(jan - 1, 2) == pytest.approx(0.64, rel=1e-12)  # 31 Dec
    assert scheme.hazard_multiplier(jan, 2) == 1.0
    assert scheme.hazard_multiplier(june, 0) == 1.0


def test_retention_payment_delays_leaving_by_its_hazard_ratio() -> None:
    # with the base hazard notice comes on day 100; the scheme pays the 2 permanent
    # workers £1,000 a year each, the reference payment, so the hazard is halved and the
    # worker takes twice as long to reach their exhaustion: notice on 7 + 2 x 93 = 193
    s = leaver(100.0)
    paid = with_overrides(s, {"interventions.retention": {
        "annual_spend": 2000, "start": "2020-04-01", "end": "2022-03-31",
        "clawback": {"months": 0, "share": 0}, "reference_payment": 1000,
        "hazard_ratio": 0.5}})
    assert run(s).service.rec.leavers == [pytest.approx(130.0, abs=1e-6)]
    assert run(paid).service.rec.leavers == [pytest.approx(193.0 + NOTICE, abs=1e-6)]


@pytest.mark.parametrize(("cases", "reference", "notice_day"), [
    (8, 5, 100.0),  # 3 cases above the reference: hazard x 1.1 ** 3
    (8, None, 100.0),  # null reference: the worker's own cap (5)
    (6, 3, 100.0),  # a reference below the cap: 3 cases above it
    (5, 5, 7 + 93 * 1.1 ** 3),  # at the reference: no effect
    (3, 5, 7 + 93 * 1.1 ** 3),  # below it: no effect either (no lowering)
])
def test_caseload_above_the_reference_raises_the_leaving_hazard(
        cases: int, reference: float | None, notice_day: float) -> None:
    # one worker (cap 5, who may go to twice the cap) holds every case; the base hazard is
    # set so that with 3 cases over the reference (x 1.1 ** 3) notice comes on day 100
    base = {
        "initial_state.workforce.case_holding": {"experienced": 1, "newly_qualified": 0,
                                                 "agency": 0},
        "workforce.establishment.case_holding": 1,
        "initial_state.open_cases.cin": cases,
        "allocation.overflow": {"cla": 2, "cp": 2, "cin": 2, "assessment": 1},
        "workforce.leaving.caseload_effect_per_case": 0.1,
        "workforce.leaving.caseload_reference": reference,
    }
    e = exhaustion(tiny(base))
    base["workforce.leaving.annual_hazard"] = {
        "experienced": hazard_for(e, 100.0, 1.1 ** 3), "newly_qualified": 0}
    r = run(tiny(base), {50.0: workers})
    assert r.seen[50.0][0]["cases"] == cases
    assert r.service.rec.leavers == [pytest.approx(notice_day + NOTICE, abs=1e-6)]


def test_a_leaving_hazard_below_zero_is_refused() -> None:
    # a hazard is a rate, at least 0: as a number, and for every value a distribution of it
    # can draw (uniform -0.1 to 0.2 could draw a negative rate)
    with pytest.raises(ScenarioError,
                       match=r"annual_hazard\.experienced: must be at least 0 \(found -0\.1\)$"):
        tiny(workforce__leaving__annual_hazard={"experienced": -0.1, "newly_qualified": 0})
    with pytest.raises(ScenarioError, match=r"must be at least 0 \(found -0\.1 to 0\.2\)$"):
        tiny(workforce__leaving__annual_hazard={
            "experienced": {"dist": "uniform", "low": -0.1, "high": 0.2},
            "newly_qualified": 0})
    zero = tiny(workforce__leaving__annual_hazard={"experienced": 0, "newly_qualified": 0})
    assert param_value(zero.workforce.leaving.annual_hazard.experienced) == 0  # 0 is a rate


# --------------------------------------------------------------------------- retention money


@pytest.mark.parametrize(("start", "first_year"), [("2020-04-01", 12000.0),
                                                  ("2020-04-02", 11000.0)])
def test_retention_payments_are_monthly_instalments_of_the_annual_spend(
        start: str, first_year: float) -> None:
    # £12,000 a year to 30 September 2021: £1,000 on the 1st of each month, twelve in
    # 2020-21 (eleven when the scheme starts on 2 April: the first waits for 1 May) and
    # six in 2021-22 (April to September), in cash as paid: not uprated by inflation
    s = tiny({**PRICES, "interventions.retention": {
        "annual_spend": 12000, "start": start, "end": "2021-09-30",
        "clawback": {"months": 0, "share": 0}, "reference_payment": 1000,
        "hazard_ratio": 1}})
    b = run(s).budget
    assert b[("2020-21", "retention")] == pytest.approx(first_year, abs=1e-9)
    assert b[("2021-22", "retention")] == pytest.approx(6000.0, abs=1e-9)
    assert b[("2020-21", "retention_clawback")] == 0.0


@pytest.mark.parametrize(("months", "share", "clawed"), [
    (3, 0.5, 500.0),  # window 91.31 days before day 130: the 1 June and 1 July £500s
    (4, 0.5, 750.0),  # 121.75 days: also 1 May (day 30)
    (5, 1.0, 2000.0),  # 152.19 days: all four, 1 April too, fully
    (0, 1.0, 0.0),  # no window, nothing back
])
def test_clawback_from_a_leaver_within_the_window(months: float, share: float,
                                                  clawed: float) -> None:
    # £12,000 a year, £1,000 a month shared by the 2 permanent workers (£500 each) on
    # days 0, 30, 61, 91 while both are eligible; the leaver gives notice on day 100 (no
    # more payments to them: the other worker gets the whole £1,000 from 1 August) and
    # leaves on day 130
    s = leaver(100.0, **{"interventions.retention": {
        "annual_spend": 12000, "start": "2020-04-01", "end": "2021-03-31",
        "clawback": {"months": months, "share": share}, "reference_payment": 1000,
        "hazard_ratio": 1}})
    r = run(s)
    assert r.service.rec.leavers == [pytest.approx(130.0, abs=1e-6)]
    b = r.budget
    assert b[("2020-21", "retention")] == pytest.approx(12000.0, abs=1e-9)
    assert b[("2020-21", "retention_clawback")] == pytest.approx(-clawed, abs=1e-9)
    assert b[("2021-22", "retention_clawback")] == 0.0


# --------------------------------------------------------------------------- establishment


def _two_filled(posts: int, **more) -> Scenario:
    """Two experienced workers (posts 1 and 2) in an establishment of ``posts``."""
    return tiny({"workforce.establishment.case_holding": posts, **more})


@pytest.mark.parametrize(("batch", "starts"), [(1, [100.0, 130.0]), (2, [100.0, 100.0]),
                                               (3, [100.0, 100.0])])
def test_new_posts_open_vacancies_advertised_in_batches(batch: int, starts: list[float]) -> None:
    # 2 posts added on 2 May 2020 (day 31); rounds every 30 days advertise up to ``batch``
    # vacancies, each filled 40 days later: the round of day 60 takes one (batch 1) or
    # both, the round of day 90 the other
    s = tiny({
        "interventions.establishment_changes": [
            {"date": "2020-05-02", "role": "case_holding", "change": 2}],
        "workforce.recruitment": {"round_interval_days": 30, "batch_size": batch,
                                  "time_to_hire_days": 40, "fill_probability": 1,
                                  "newly_qualified_share": 0},
    })
    r = run(s, {31.0: state, 31.0 + EPS: state})
    assert (r.seen[31.0]["posts"], r.seen[31.0]["vacancies"]) == (2, 0)
    assert (r.seen[31 + EPS]["posts"], r.seen[31 + EPS]["vacancies"]) == (4, 2)
    assert r.service.rec.starters == starts
    assert r.service.workforce.counts() == (4, 0, 0)


def test_new_posts_are_covered_by_agency_when_cover_is_given() -> None:
    s = tiny({
        "interventions.establishment_changes": [
            {"date": "2020-05-02", "role": "case_holding", "change": 2}],
        "workforce.agency.cover_share": 1, "workforce.agency.time_to_engage_days": 5,
        "workforce.agency.stay_days": 1000,
    })
    r = run(s, {36.0: state, 36.0 + EPS: state})
    assert (r.seen[36.0]["agency"], r.seen[36 + EPS]["agency"]) == (0, 2)
    assert r.seen[36 + EPS]["vacancies"] == 2


@pytest.mark.parametrize(("cut", "left", "agency"), [(1, [1, 2, 3], [3]), (2, [1, 2], [])])
def test_establishment_cut_removes_vacant_posts_newest_first_and_ends_their_cover(
        cut: int, left: list[int], agency: list[int]) -> None:
    # posts 3 and 4 are vacant, each covered by an agency worker (cap 2) from day 5 who
    # holds 2 of the 8 cases; a cut on 1 May 2020 (day 30) removes the newest vacant
    # post(s), and the agency worker there goes, handing their cases back to the queue
    s = _two_filled(4, **{
        "initial_state.open_cases.cin": 8,
        "workforce.caps": {"experienced": 2, "newly_qualified": 2, "agency": 2},
        "workforce.agency.cover_share": 1, "workforce.agency.time_to_engage_days": 5,
        "workforce.agency.stay_days": 1000,
        "interventions.establishment_changes": [
            {"date": "2020-05-01", "role": "case_holding", "change": -cut}],
    })

    def look(svc: Service) -> tuple:
        wf = svc.workforce
        return ([p.id for p in wf.posts], [w["post"] for w in workers(svc)
                                           if w["kind"] == "agency"],
                svc.alloc.n_waiting, svc.alloc.n_allocated)

    r = run(s, {30.0: look, 30.0 + EPS: look, 60.0: look})
    assert r.seen[30.0] == ([1, 2, 3, 4], [3, 4], 0, 8)
    assert r.seen[30 + EPS] == (left, agency, 2 * cut, 8 - 2 * cut)
    assert r.seen[60.0] == r.seen[30 + EPS]  # no new cover for a removed post
    assert r.annual[("2020-21", "vacancy_rate")] == pytest.approx(
        100 * (2 - cut) / (2 - cut + 2))


def test_establishment_cut_closes_the_newest_occupied_post_when_its_worker_leaves() -> None:
    # no vacancy to cut: the newest post (3, the newly qualified worker's) closes on
    # 1 May 2020; its worker carries on until they leave (notice day 100, gone day 130),
    # and then the post goes: no vacancy, no agency cover, nobody recruited
    base = {
        "workforce.establishment.case_holding": 3,
        "initial_state.workforce.case_holding": {"experienced": 2, "newly_qualified": 1,
                                                 "agency": 0},
        "initial_state.open_cases.cin": 6,
        "workforce.newly_qualified.asye_months": 36,
        "workforce.leaving.notice_days": NOTICE,
        "workforce.agency.cover_share": 1, "workforce.agency.time_to_engage_days": 5,
        "workforce.recruitment.fill_probability": 1,
        "interventions.establishment_changes": [
            {"date": "2020-05-01", "role": "case_holding", "change": -1}],
    }
    e = exhaustion(tiny(base), post=3)
    base["workforce.leaving.annual_hazard"] = {"experienced": 0,
                                               "newly_qualified": hazard_for(e, 100.0)}

    def look(svc: Service) -> tuple:
        wf = svc.workforce
        return ([(p.id, p.closing) for p in wf.posts], wf.vacancies(), wf.counts(),
                svc.alloc.n_allocated)

    r = run(tiny(base), {30.0 + EPS: look, 129.0: look, 130.0 + EPS: look, 200.0: look})
    assert r.seen[30 + EPS] == ([(1, False), (2, False), (3, True)], 0, (2, 1, 0), 6)
    assert r.seen[129.0] == r.seen[30 + EPS]
    assert r.seen[130 + EPS] == ([(1, False), (2, False)], 0, (2, 0, 0), 6)
    assert r.seen[200.0] == r.seen[130 + EPS]
    assert r.service.rec.starters == []
    assert r.service.rec.leavers == [pytest.approx(130.0, abs=1e-6)]


def test_establishment_cut_takes_vacant_posts_then_occupied_ones_of_its_role_only() -> None:
    # case-holding posts 1, 2 (filled) and 3 (vacant), and a non-case-holding post 4
    # (filled): cutting 2 case-holding posts removes post 3 and closes post 2; post 4,
    # though the newest, is of the other role
    s = tiny({
        "workforce.establishment": {"case_holding": 3, "non_case_holding": 1},
        "initial_state.workforce.non_case_holding": {"experienced": 1, "newly_qualified": 0,
                                                     "agency": 0},
        "interventions.establishment_changes": [
            {"date": "2020-05-01", "role": "case_holding", "change": -2}],
    })
    seen = at(s, 30.0 + EPS, lambda svc: [(p.id, p.role, p.closing)
                                          for p in svc.workforce.posts])
    assert seen == [(1, "case_holding", False), (2, "case_holding", True),
                    (4, "non_case_holding", False)]


# --------------------------------------------------------------------------- caps


def test_cap_changes_apply_from_their_date_to_their_worker_type() -> None:
    # one experienced worker, 8 cases: cap 5 holds 5 (3 wait); from 1 June 2020 (day 61)
    # cap 8 takes all 8; a newly qualified cap change on 1 July changes nothing for them;
    # from 1 August (day 122) cap 3: the 8 cases stay, over the cap
    s = tiny({
        "workforce.establishment.case_holding": 1,
        "initial_state.workforce.case_holding": {"experienced": 1, "newly_qualified": 0,
                                                 "agency": 0},
        "initial_state.open_cases.cin": 8,
        "interventions.cap_changes": [
            {"date": "2020-06-01", "worker_type": "experienced", "cap": 8},
            {"date": "2020-07-01", "worker_type": "newly_qualified", "cap": 1},
            {"date": "2020-08-01", "worker_type": "experienced", "cap": 3}],
    })

    def look(svc: Service) -> tuple:
        return workers(svc)[0]["cap"], svc.alloc.n_allocated, svc.alloc.n_waiting

    days = [61.0, 61 + EPS, 91 + EPS, 122.0, 122 + EPS]
    r = run(s, dict.fromkeys(days, look))
    assert [r.seen[t] for t in days] == [(5, 5, 3), (8, 8, 0), (8, 8, 0), (8, 8, 0),
                                        (3, 8, 0)]
    a = r.annual
    assert a[("2020-21", "over_cap_share")] == 100.0
    assert a[("2020-21", "caseload_per_fte")] == 8.0


def test_a_cap_change_leaves_a_ramping_workers_cap_to_the_weekly_round() -> None:
    # the newly qualified worker ramps up as in the test above: cap 7 from day 56, 8 from
    # day 63 (the ramp reaches 7.5 at 2 months, day 60.875, but the cap is re-read weekly).
    # The experienced cap rises to 6 on 1 June 2020 (day 61): the experienced worker takes
    # one more case then, and the newly qualified worker's cap stays 7 until day 63
    s = tiny({
        "initial_state.workforce.case_holding": {"experienced": 1, "newly_qualified": 1,
                                                 "agency": 0},
        "initial_state.open_cases.cin": 20,
        "workforce.caps": {"experienced": 5, "newly_qualified": 10, "agency": 5},
        "workforce.newly_qualified": {"asye_months": 12, "ramp_up_months": 4,
                                      "ramp_up_start_share": 0.5},
        "interventions.cap_changes": [
            {"date": "2020-06-01", "worker_type": "experienced", "cap": 6}],
    })
    assert day(s, "2020-06-01") == 61.0

    def look(svc: Service) -> list:
        return [(w["kind"], w["cap"], w["cases"]) for w in workers(svc)]

    days = [61.0, 61 + EPS, 63.0, 63 + EPS]
    r = run(s, dict.fromkeys(days, look))
    assert [r.seen[t] for t in days] == [
        [("experienced", 5, 5), ("newly_qualified", 7, 7)],
        [("experienced", 6, 6), ("newly_qualified", 7, 7)],
        [("experienced", 6, 6), ("newly_qualified", 7, 7)],
        [("experienced", 6, 6), ("newly_qualified", 8, 8)],
    ]


# --------------------------------------------------------------------------- recruitment


@pytest.mark.parametrize(("interval", "starts"), [(45, [40.0, 85.0]), (30, [40.0, 70.0])])
def test_recruitment_rounds_come_every_interval(interval: float, starts: list[float]) -> None:
    # posts 3 and 4 vacant from the start, one advertised a round, filled 40 days later:
    # the round of day 0 fills post 3 on day 40, the next round (day 30 or 45) post 4
    s = _two_filled(4, **{"workforce.recruitment": {
        "round_interval_days": interval, "batch_size": 1, "time_to_hire_days": 40,
        "fill_probability": 1, "newly_qualified_share": 0}})
    r = run(s)
    assert r.service.rec.starters == starts
    assert [(w["post"], w["start"]) for w in workers(r.service)][2:] == list(
        zip([3, 4], starts, strict=True))


@pytest.mark.parametrize(("campaign", "starts"), [
    (None, []),  # the usual chance of filling is 0
    ({"fill_probability": 1, "time_to_hire_scale": 0.5}, [40.0]),
    ({"fill_probability": 1}, [50.0]),
    ({"time_to_hire_scale": 0.5}, []),  # quicker, but still never filled
])
def test_recruitment_campaign_changes_the_chance_and_time_of_filling(
        campaign: dict | None, starts: list[float]) -> None:
    # post 3 vacant; rounds every 30 days, 20 days to hire; the round of day 0 fails (on
    # day 20); a campaign in May 2020 (days 30-60) fills the post from the round of day 30,
    # in 20 x scale days
    s = _two_filled(3, **{
        "workforce.recruitment": {"round_interval_days": 30, "batch_size": 1,
                                  "time_to_hire_days": 20, "fill_probability": 0,
                                  "newly_qualified_share": 0},
        "interventions.recruitment_campaigns": [] if campaign is None else [
            {"start": "2020-05-01", "end": "2020-05-31", **campaign}],
    })
    assert run(s).service.rec.starters == starts


def test_hires_into_case_holding_posts_are_newly_qualified_by_their_share() -> None:
    s = _two_filled(4, **{"workforce.recruitment": {
        "round_interval_days": 30, "batch_size": 2, "time_to_hire_days": 10,
        "fill_probability": 1, "newly_qualified_share": 1}})
    seen = at(s, 10 + EPS, lambda svc: [(w["kind"], w["start"]) for w in workers(svc)])
    assert seen == [("experienced", 0.0), ("experienced", 0.0), ("newly_qualified", 10.0),
                    ("newly_qualified", 10.0)]


@pytest.mark.parametrize("size", [1, 2])
def test_newly_qualified_cohort_fills_vacancies_in_its_month(size: int) -> None:
    # posts 3, 4, 5 vacant; a cohort of ``size`` starts on 1 September each year (day 153
    # in 2020, day 518 in 2021) into vacant case-holding posts, up to the vacancies left
    s = _two_filled(5, **{
        "workforce.cohort": {"size": size, "month": 9},
        "workforce.newly_qualified.asye_months": 36,
        "costs.academy_per_newly_qualified": 5000,
        "costs.recruitment_per_hire": 3000,
        "costs.inflation_pct": {"default": 2},
    })
    nq = {153.0: 0, 153 + EPS: size, 518.0: size, 518 + EPS: min(3, 2 * size)}
    r = run(s, dict.fromkeys(nq, lambda svc: svc.workforce.counts()[1]))
    assert r.seen == nq
    assert r.service.rec.starters == [153.0] * size + [518.0] * (min(3, 2 * size) - size)
    b = r.budget
    assert b[("2020-21", "academy")] == pytest.approx(size * 5000.0, rel=1e-12)
    assert b[("2021-22", "academy")] == pytest.approx(
        (min(3, 2 * size) - size) * 5000.0 * 1.02, rel=1e-12)
    # a cohort is not an external hire
    assert b[("2020-21", "recruitment")] == 0.0


# --------------------------------------------------------------------------- money



def test_staff_costs_are_fte_times_salary_and_on_costs_uprated_by_pay() -> None:
    # 2 experienced + 1 newly qualified all year: (2 x 50,000 + 30,000) x 1.25 = 162,500
    # in 2020-21, x 1.03 in 2021-22; in real terms deflated by inflation (1.10)
    s = tiny({**PRICES, "workforce.establishment.case_holding": 3,
              "initial_state.workforce.case_holding": {"experienced": 2, "newly_qualified": 1,
                                                       "agency": 0},
              "workforce.newly_qualified.asye_months": 36})
    r = run(s)
    cash, real = r.budget, budget(r.result, real=True)
    assert cash[("2020-21", "staff_permanent")] == pytest.approx(162500.0, rel=1e-12)
    assert cash[("2021-22", "staff_permanent")] == pytest.approx(167375.0, rel=1e-12)
    assert real[("2020-21", "staff_permanent")] == pytest.approx(162500.0, rel=1e-12)
    assert real[("2021-22", "staff_permanent")] == pytest.approx(167375.0 / 1.1, rel=1e-12)
    assert cash[("2020-21", "staff_agency")] == 0.0


def test_staff_costs_count_a_hire_from_their_start() -> None:
    # posts 3 and 4 filled on day 40 by experienced hires: 2 + 2 x 325/365 mean FTE in
    # 2020-21, 4 in 2021-22; two hires at £3,000 (prices of 2020-21) in 2020-21
    s = _two_filled(4, **PRICES, **{"workforce.recruitment": {
        "round_interval_days": 30, "batch_size": 2, "time_to_hire_days": 40,
        "fill_probability": 1, "newly_qualified_share": 0}})
    b = run(s).budget
    assert b[("2020-21", "staff_permanent")] == pytest.approx(
        (2 + 2 * 325 / 365) * 50000 * 1.25, rel=1e-12)
    assert b[("2021-22", "staff_permanent")] == pytest.approx(4 * 50000 * 1.25 * 1.03,
                                                              rel=1e-12)
    assert b[("2020-21", "recruitment")] == pytest.approx(6000.0, rel=1e-12)
    assert b[("2021-22", "recruitment")] == 0.0


def test_recruitment_cost_per_hire_is_uprated_by_inflation() -> None:
    # the vacancy opens on 2 April 2021 (day 366), the round of day 390 fills it on day 400
    s = tiny({**PRICES, "interventions.establishment_changes": [
        {"date": "2021-04-02", "role": "case_holding", "change": 1}],
        "workforce.recruitment": {"round_interval_days": 30, "batch_size": 1,
                                  "time_to_hire_days": 10, "fill_probability": 1,
                                  "newly_qualified_share": 0}})
    r = run(s)
    assert r.service.rec.starters == [400.0]
    assert r.budget[("2021-22", "recruitment")] == pytest.approx(3000 * 1.10, rel=1e-12)


def test_agency_cost_is_weekly_rate_uprated_by_pay_not_inflation() -> None:
    # one agency worker covers the vacant post 3 from day 0 all through the run:
    # 365/7 weeks x £1,000 in 2020-21, x 1.03 (pay, not inflation's 1.10) in 2021-22
    s = _two_filled(3, **PRICES, **{"workforce.agency.cover_share": 1,
                                    "workforce.agency.time_to_engage_days": 0,
                                    "workforce.agency.stay_days": 1000})
    b = run(s).budget
    assert b[("2020-21", "staff_agency")] == pytest.approx(WEEKS * 1000, rel=1e-12)
    assert b[("2021-22", "staff_agency")] == pytest.approx(WEEKS * 1000 * 1.03, rel=1e-12)


def test_uprating_follows_the_years_own_percentage() -> None:
    # pay award 3% by default but 5% in 2021-22 and 0% in 2022-23: 1, 1.05, 1.05
    s = tiny({**PRICES, "run.horizon_years": 3,
              "costs.pay_award_pct": {"default": 3, "by_year": {"2021-22": 5, "2022-23": 0}}})
    b = run(s).budget
    assert [b[(fy, "staff_permanent")] for fy in ("2020-21", "2021-22", "2022-23")] == \
        pytest.approx([125000.0, 131250.0, 131250.0], rel=1e-12)


@pytest.mark.parametrize(("placement", "weekly"), [("foster", 800), ("residential", 4000),
                                                   ("other", 1500)])
def test_placements_are_priced_by_type_and_uprated_by_placement_inflation(
        placement: str, weekly: float) -> None:
    # 2 children looked after all through the run, all in placements of one type:
    # 2 x 365/7 weeks x that type's weekly cost, x 1.05 in 2021-22; the other
    # looked-after costs (£100 a week each) are uprated by inflation (1.10)
    mix = {"foster": 0, "residential": 0, "other": 0} | {placement: 1}
    s = tiny({**PRICES, "initial_state.open_cases.cla": 2,
              "costs.placements": {"mix": mix, "weekly": {"foster": 800, "residential": 4000,
                                                          "other": 1500}},
              "costs.looked_after_other_weekly": 100})
    r = run(s)
    assert r.annual[("2020-21", "cla_31mar")] == 2 and r.annual[("2021-22", "cla_31mar")] == 2
    b = r.budget
    assert b[("2020-21", "placements")] == pytest.approx(2 * WEEKS * weekly, rel=1e-12)
    assert b[("2021-22", "placements")] == pytest.approx(2 * WEEKS * weekly * 1.05, rel=1e-12)
    assert b[("2020-21", "looked_after_other")] == pytest.approx(2 * WEEKS * 100, rel=1e-12)
    assert b[("2021-22", "looked_after_other")] == pytest.approx(2 * WEEKS * 100 * 1.1,
                                                                 rel=1e-12)


def test_early_help_line_is_the_budget_in_force_in_cash() -> None:
    # £1m a year, cut by £300,000 from 1 October 2020 (day 183): 2020-21 has 183 days at
    # £1m and 182 at £700,000 a year; 2021-22 is £700,000; cash as set, never uprated
    s = tiny({**PRICES, "interventions.early_help": {
        "base_budget": 1_000_000, "changes": [{"start": "2020-10-01",
                                               "annual_change": -300_000}],
        "elasticity": 0, "lag_months": 0}})
    b = run(s).budget
    assert b[("2020-21", "early_help")] == pytest.approx(
        (183 * 1_000_000 + 182 * 700_000) / 365, rel=1e-12)
    assert b[("2021-22", "early_help")] == pytest.approx(700_000.0, rel=1e-12)


def test_total_is_the_sum_of_the_lines() -> None:
    s = _two_filled(3, **PRICES, **{"workforce.agency.cover_share": 1,
                                    "workforce.agency.time_to_engage_days": 0,
                                    "workforce.agency.stay_days": 1000,
                                    "initial_state.open_cases.cla": 1,
                                    "costs.looked_after_other_weekly": 100})
    b = run(s).budget
    for fy in ("2020-21", "2021-22"):
        lines = b.loc[fy].drop("total")
        assert b[(fy, "total")] == pytest.approx(lines.sum(), rel=1e-12)
        assert (lines != 0).sum() >= 4
