"""The strain responses (sim/model/strain.py), each on the tiny deterministic service with
scripted referrals and hand-worked numbers: the workload ratio and its 12-month window,
thresholds tightening, agency bought and released, posts following the workload, and a
manager holding an assessment nobody can take. Without a ``strain`` section, or with every
response ``enabled: false``, nothing changes."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import pytest

from sim.model.demand import ASSESSMENT, CIN, Referrals, draw_referrals
from sim.model.simulation import Service, simulate
from sim.model.strain import elasticity
from sim.scenario import Scenario, load_scenario
from sim.scenario.loader import with_overrides

from .mechanism_scenarios import EPS, Run, run, state, tiny

LONG = 1e6
R0 = 52.0  # referrals in the year before the start: one a week
WEEK = 7.0


def script(monkeypatch: pytest.MonkeyPatch, refs: list[tuple[float, list[tuple[int, float]]]],
           threshold_u: list[float] | None = None) -> None:
    """Replace the drawn referrals with ``refs`` (time, [(stage, days), ...])."""
    refs = sorted(refs, key=lambda r: r[0])

    def draw(*_args: Any, **_kwargs: Any) -> Referrals:
        return Referrals(
            times=[t for t, _ in refs], keys=list(range(len(refs))),
            stages=[[st for st, _ in p] for _, p in refs],
            durations=[[float(d) for _, d in p] for _, p in refs],
            placements=[0] * len(refs), candidates=len(refs),
            threshold_u=threshold_u if threshold_u is not None else [0.5] * len(refs))

    for name, mod in list(sys.modules.items()):
        if name.startswith("sim.model") and getattr(mod, "draw_referrals", None) is \
                draw_referrals:
            monkeypatch.setattr(mod, "draw_referrals", draw)


def strained(strain: dict[str, Any], **more: Any) -> Scenario:
    return tiny({"demand.referrals_per_year": R0, "strain": strain, **more})


def ratio(svc: Service) -> float:
    return svc.strain.ratio


def test_workload_counts_the_last_12_months_filling_the_year_before_the_start(monkeypatch):
    """No referrals at all: after k weeks the 12-month count is the 52 - k weeks of the year
    before the start still in the window, at R0 a year; the workers are the same."""
    script(monkeypatch, [])
    s = strained({"thresholds": {"points_per_10pct": 1}})
    seen = run(s, {k * WEEK + EPS: ratio for k in (1, 2, 26, 52, 60)}).seen
    assert [seen[k * WEEK + EPS] for k in (1, 2, 26, 52, 60)] == pytest.approx(
        [51 / 52, 50 / 52, 26 / 52, 0.0, 0.0])


def test_workload_counts_referrals_and_divides_by_the_permanent_workers_in_post(monkeypatch):
    """Five referrals in the first week: (5 + 51) / 52 of the start's workload. An agency
    worker engaged on day 9 (a third post from day 4) is not a worker in post as the
    census counts them: the second week's ratio is (5 + 0 + 50) / 52. A third permanent
    worker (a cohort on 1 May, day 30) makes the fifth week's (5 + 47) / 52 x 2 / 3."""
    script(monkeypatch, [(t, [(ASSESSMENT, LONG)]) for t in (1, 2, 3, 4, 5)])
    s = strained({"thresholds": {"points_per_10pct": 1}}, **{
        "workforce.caps.experienced": 10,
        "workforce.caps.newly_qualified": 10,
        "interventions.establishment_changes": [
            {"date": "2020-04-05", "role": "case_holding", "change": 2}],
        "workforce.agency.cover_share": 1,
        "workforce.agency.time_to_engage_days": 5,
        "workforce.agency.stay_days": LONG,
        "workforce.cohort": {"size": 1, "month": 5}})
    seen = run(s, {WEEK + EPS: ratio, 2 * WEEK + EPS: ratio, 11.0: state,
                   5 * WEEK + EPS: ratio}).seen
    assert seen[11.0]["agency"] == 2
    assert seen[WEEK + EPS] == pytest.approx(56 / 52)
    assert seen[2 * WEEK + EPS] == pytest.approx(55 / 52)
    assert seen[5 * WEEK + EPS] == pytest.approx(52 / 52 * 2 / 3)


def test_thresholds_tighten_by_the_points_the_evidence_gives(monkeypatch):
    """A 10-point slope: with the workload at 56/52 of the start's, 10 x ln(56/52) / ln(1.1)
    more points of referrals end at assessment; half of paths end there anyway, so a path
    that goes on ends there with that many points / 50. At or below the start's workload,
    none does."""
    week1 = [(t, [(ASSESSMENT, LONG)]) for t in (1, 2, 3, 4, 5)]
    script(monkeypatch, week1)
    s = strained({"thresholds": {"points_per_10pct": 10}},
                 **{"workforce.caps.experienced": 10,
                    "demand.assessment_outcomes": {"not_in_need": 0.5, "cin": 0.5, "cp": 0,
                                                   "cla": 0}})
    look = {WEEK + EPS: lambda svc: svc.journey.extra_close,
            5 * WEEK + EPS: lambda svc: svc.journey.extra_close,
            6 * WEEK + EPS: lambda svc: svc.journey.extra_close}
    seen = run(s, look).seen
    points = 10 * math.log(56 / 52) / math.log(1.1)
    assert seen[WEEK + EPS] == pytest.approx(points / 100 / 0.5)
    # after 5 weeks (5 + 47) / 52: the start's workload exactly; after 6, below it
    assert seen[5 * WEEK + EPS] == pytest.approx(0.0, abs=1e-12)
    assert seen[6 * WEEK + EPS] == 0.0


def test_a_referral_going_on_past_assessment_ends_there_when_its_draw_is_below(monkeypatch):
    """Three referrals in week 2, each assessed in 2 days then a child in need: the first
    and third draw below the chance of ending at assessment, the second above. After their
    assessments the first and third have closed, the second is a child in need; the year's
    not_in_need_share counts them (and the week-1 referrals still in assessment not)."""
    week1 = [(t, [(ASSESSMENT, LONG)]) for t in (1, 2, 3, 4, 5)]
    week2 = [(t, [(ASSESSMENT, 2), (CIN, LONG)]) for t in (8, 9, 10)]
    script(monkeypatch, week1 + week2, threshold_u=[0.9] * 5 + [0.0, 0.999, 0.01])
    s = strained({"thresholds": {"points_per_10pct": 10}},
                 **{"workforce.caps.experienced": 10,
                    "demand.assessment_outcomes": {"not_in_need": 0.5, "cin": 0.5, "cp": 0,
                                                   "cla": 0}})

    def stages(svc: Service) -> list[int]:
        return sorted(c.stage for c in svc.open_cases.values())

    got = run(s, {13.0: stages})
    assert got.seen[13.0] == [ASSESSMENT] * 5 + [CIN]
    assert got.annual[("2020-21", "not_in_need_share")] == pytest.approx(100 * 2 / 3)


def test_without_strain_or_with_it_disabled_nothing_changes():
    base = load_scenario("scenarios/baseline.yaml")
    short = with_overrides(base, {"run.horizon_years": 1}, source="test")
    off = with_overrides(short, {"strain": {
        "thresholds": {"enabled": False, "points_per_10pct": 5},
        "agency": {"enabled": False, "pct_per_10pct": 5},
        "establishment": {"enabled": False, "pct_per_10pct": 5},
        "manager_holding": {"enabled": False, "after_days": 1, "slowdown": 2}}}, source="t")
    a, b = simulate(short, 0), simulate(off, 0)
    assert a.annual.equals(b.annual)


@pytest.fixture
def busy(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """53 referrals in the first week (each an assessment for good): the workload is
    (53 + 51) / 52 = 2 times the start's after a week; then none."""
    script(monkeypatch, [(1 + i / 60, [(ASSESSMENT, LONG)]) for i in range(53)])

    def _run(strain: dict[str, Any], probes: dict[float, Callable[[Service], Any]],
             **more: Any) -> Run:
        s = strained(strain, **{"workforce.caps.experienced": 100,
                                "workforce.caps.agency": 100, **more})
        return run(s, probes)

    return _run


def test_agency_is_bought_as_the_workload_rises_and_released_as_it_falls(busy):
    """Two workers and two agency workers in extra posts at the start. A 10% slope is an
    elasticity of 1: at twice the start's workload, 2 x (2 - 1) = 2 more agency workers,
    engaged 3 days after the review. Agency staff do not lower the workload (the census
    counts permanent workers in post): a week later it is (53 + 50) / 52 = 1.98, still 2
    more. Once the first week's referrals leave the 12 months (week 53) there are none in
    it: the ratio is 0, and all those bought are released at once."""
    got = busy({"agency": {"pct_per_10pct": 10, "review_days": 7}},
               {WEEK + EPS: state, WEEK + 3 + EPS: state, 2 * WEEK + EPS: state,
                53 * WEEK + EPS: state},
               **{"initial_state.workforce.case_holding": {"experienced": 2,
                                                          "newly_qualified": 0, "agency": 2},
                  "workforce.agency.additional": 2,
                  "workforce.agency.time_to_engage_days": 3,
                  "workforce.agency.stay_days": LONG})
    assert elasticity(10) == pytest.approx(1.0)
    assert [got.seen[t]["agency"] for t in (WEEK + EPS, WEEK + 3 + EPS, 2 * WEEK + EPS,
                                            53 * WEEK + EPS)] == [2, 4, 4, 2]


def test_posts_follow_the_workload_once_a_year(busy):
    """At twice the start's workload, a 10% slope adds 2 x (2 - 1) = 2 case-holding posts on
    1 May (day 30), vacant: the ratio then is (53 + 48) / 52 (no new workers)."""
    got = busy({"establishment": {"pct_per_10pct": 10, "month": 5}},
               {30 - EPS: state, 30 + EPS: state})
    before, after = got.seen[30 - EPS], got.seen[30 + EPS]
    expected = round(2 * ((53 + 48) / 52 - 1))
    assert after["posts"] - before["posts"] == expected == 2
    assert after["vacancies"] - before["vacancies"] == 2


def test_a_manager_holds_an_assessment_nobody_can_take(monkeypatch):
    """Both workers full (cap 1, two cases for good). An assessment referred on day 3 waits;
    from allocation its clock would never start. Held after 10 days it runs, 2 x 5 days,
    and closes on day 23 while still unallocated."""
    script(monkeypatch, [(1, [(ASSESSMENT, LONG)]), (2, [(ASSESSMENT, LONG)]),
                         (3, [(ASSESSMENT, 5)])])

    def open_and_waiting(svc: Service) -> tuple[int, int]:
        return len(svc.open_cases), svc.alloc.n_waiting

    for on, expected in ((True, [(3, 1), (3, 1), (2, 0)]), (False, [(3, 1)] * 3)):
        s = tiny({"strain": {"manager_holding": {"enabled": on, "after_days": 10,
                                                 "slowdown": 2}},
                  "workforce.caps.experienced": 1,
                  "allocation.assessment_clock": "from_allocation"})
        seen = run(s, {t: open_and_waiting for t in (13 + EPS, 23 - EPS, 23 + EPS)}).seen
        assert [seen[t] for t in (13 + EPS, 23 - EPS, 23 + EPS)] == expected


def test_a_manager_also_holds_assessments_waiting_on_the_start_date():
    """Both workers full with a child in need each (cap 1); one assessment open on the start
    date waits (at most 5 days of it are left). Held after 10 days, at twice the pace, it
    has closed by day 20 though still unallocated; without holding it never starts."""
    for on, expected in ((True, [(3, 1), (2, 0)]), (False, [(3, 1), (3, 1)])):
        s = tiny({"strain": {"manager_holding": {"enabled": on, "after_days": 10,
                                                 "slowdown": 2}},
                  "workforce.caps.experienced": 1,
                  "allocation.assessment_clock": "from_allocation",
                  "demand.durations.assessment": 5,
                  "initial_state.open_cases": {"assessment": 1, "cin": 2, "cp": 0, "cla": 0},
                  "initial_state.awaiting_allocation": 1})

        def open_and_waiting(svc: Service) -> tuple[int, int]:
            return len(svc.open_cases), svc.alloc.n_waiting

        seen = run(s, {t: open_and_waiting for t in (10 - EPS, 20 + EPS)}).seen
        assert [seen[t] for t in (10 - EPS, 20 + EPS)] == expected
