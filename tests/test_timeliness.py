"""Assessment timeliness: the measure, worked by hand on the tiny service, and the mean
``sim init`` solves from the published share of assessments within 45 working days.

Days count from the start, 1 April 2020: 2020-21 is days [0, 365), 2021-22 [365, 730) and
2022-23 [730, 1095). 45 working days are 63 calendar days (``ASSESSMENT_LIMIT_DAYS``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from sim.data import dfe
from sim.experiment.runner import run_many
from sim.periods import ASSESSMENT_LIMIT_DAYS
from sim.scenario import Scenario
from sim.scenario.assessment_timing import ENGLAND_LOG_SD, share_within, solve_mean
from sim.scenario.council import council_scenario
from sim.scenario.council_rates import estimate_rates
from sim.scenario.distributions import Lognormal
from sim.scenario.loader import with_overrides

from . import test_mechanisms_cases
from .test_mechanisms_cases import FY1, FY2, one_worker, ref, stage_of

play = test_mechanisms_cases.play  # the fixture that scripts the referrals

FY3 = "2022-23"


def test_the_limit_is_nine_weeks() -> None:
    assert ASSESSMENT_LIMIT_DAYS == 45 / 5 * 7 == 63


def test_assessment_timeliness_rate(play) -> None:
    """One worker with a cap of 1; assessments timed from allocation, so a wait for the
    worker delays the end. 2020-21: R1 (day 10, 62 days) ends on day 72: timely. R2 (day
    80, 64 days) ends on day 144: late. R3 (day 150, 10 days) ends on day 160: timely. R4
    (day 151, 55 days) waits for R3's worker until day 160 and ends on day 215, 64 days
    after its referral: late, though assessed in 55. R5 (day 250, 63 days) ends on day
    313, exactly 63 days: timely. 3 of 5: 60%.
    2021-22: R6 (day 360, 10 days) ends on day 370: timely. R7 (day 362, 60 days) waits
    until day 370 and ends on day 430, 68 days after referral: late. Both were referred
    in 2020-21 but end in 2021-22, so they count there only: 1 of 2, 50%.
    2022-23: no assessment ends: no rate."""
    s = one_worker(**{"workforce.caps.experienced": 1,
                      "allocation.assessment_clock": "from_allocation",
                      "run.horizon_years": 3})
    refs = [ref(10, "assessment", 62), ref(80, "assessment", 64), ref(150, "assessment", 10),
            ref(151, "assessment", 55), ref(250, "assessment", 63),
            ref(360, "assessment", 10), ref(362, "assessment", 60)]
    got = play(s, refs).annual
    assert got[(FY1, "assessment_timeliness_rate")] == 60.0
    assert got[(FY2, "assessment_timeliness_rate")] == 50.0
    assert np.isnan(got[(FY3, "assessment_timeliness_rate")])


def test_the_clock_from_referral_ends_a_waiting_assessment_in_time(play) -> None:
    """As above, but each assessment runs from its referral: R4 ends on day 206 while it
    waits, 55 days after referral (timely); R2 is still late. 4 of 5: 80%."""
    s = one_worker(**{"workforce.caps.experienced": 1,
                      "allocation.assessment_clock": "from_referral"})
    refs = [ref(10, "assessment", 62), ref(80, "assessment", 64), ref(150, "assessment", 10),
            ref(151, "assessment", 55), ref(250, "assessment", 63)]
    assert play(s, refs).annual[(FY1, "assessment_timeliness_rate")] == 80.0


# --------------------------------------------------------------------------- sim init


def _lognormal_share(mean: float, sd: float) -> float:
    """% within 63 days, by the scenario's own lognormal (not the solver's formula)."""
    dist = Lognormal(dist="lognormal", mean=mean, sd=sd)
    return 100 * float(dist.cdf(np.array([ASSESSMENT_LIMIT_DAYS]))[0])


@pytest.mark.parametrize("share", [50, 63.0, 79.7, 85.4, 94, 98])
def test_the_solved_mean_gives_the_share_with_england_s_spread(share: float) -> None:
    t = solve_mean(share)
    assert not t.clipped
    assert math.sqrt(math.log1p((t.sd / t.mean) ** 2)) == pytest.approx(ENGLAND_LOG_SD)
    assert _lognormal_share(round(t.mean, 1), round(t.sd, 1)) == pytest.approx(share, abs=0.3)
    assert t.share_pct == pytest.approx(share, abs=1e-6)


def test_a_lower_share_means_longer_assessments_and_the_bounds_hold() -> None:
    means = [solve_mean(p).mean for p in (95, 85, 70, 50)]
    assert means == sorted(means) and means[-1] == pytest.approx(
        ASSESSMENT_LIMIT_DAYS * math.exp(ENGLAND_LOG_SD ** 2 / 2))  # the median at the limit
    t = solve_mean(99.5, bounds=(15, 150))
    assert t.clipped and t.mean == 15 and 99 < t.share_pct < 99.5  # the nearest it can
    assert share_within(15, t.sd) == pytest.approx(t.share_pct)


def test_init_solves_the_assessment_mean_from_the_start_year_s_published_share() -> None:
    """West Sussex 2019: 85.4% within 45 working days (lait, year to 31 March 2019) with
    England's log-sd 0.69 gives a mean of 38.6 days (not 56.8 from those awaiting
    assessment, which no spread could reconcile with 85.4%); the assessments under way at
    the start are 9,490 referrals a year x 38.6 days, and the children in need at 31 March
    stay 4,699 (the rest on plans)."""
    r = estimate_rates("West Sussex", 2019)
    d = r.durations
    assert d.assessment.value == 38.6
    assert "85.4% of assessments" in d.assessment.note
    assert "West Sussex, time_period 2019, Continue_Assess_Comp" in d.assessment.note
    assert _lognormal_share(d.assessment.value, d.assessment_sd.value) == pytest.approx(
        85.4, abs=0.3)
    assert r.start.assessments.value == round(9490 * 38.6 / 365) == 1004
    total = r.start.assessments.value + r.start.cin_plans.value + r.start.cp_plans.value \
        + r.start.looked_after.value
    assert total == 4699
    built = council_scenario("West Sussex", 2019)
    s = Scenario.model_validate(yaml.safe_load(built.yaml))
    dist = s.demand.durations.assessment
    assert (dist.mean, dist.sd) == (d.assessment.value, d.assessment_sd.value)
    assert s.initial_state.open_cases.assessment == 1004
    assert "assessment mean" not in built.yaml.split("\n\n")[0]  # nothing clipped


@pytest.mark.parametrize("council", ["Halton", "Wokingham"])
def test_init_reproduces_the_published_timeliness_in_the_first_year(council: str) -> None:
    """The first simulated year (central parameters) puts the start year's published share
    within 45 working days, waits for a worker included: within 3 points."""
    s = Scenario.model_validate(yaml.safe_load(council_scenario(council, 2019).yaml))
    s = with_overrides(s, {"run.horizon_years": 1})
    res = run_many({"s": s}, 2, s.run.seed, 1, fixed_parameters=True)["s"]
    a = res.annual
    got = a[(a.metric == "assessment_timeliness_rate") & (a.fy == "2019-20")].value.mean()
    pub = dfe.figure(council, "assessment_timeliness_pct", "2019", fallback=False).value
    assert abs(got - pub) <= 3, (council, pub, got)


# --------------------------------------------------------------------------- a year's pace


def test_a_years_pace_multiplies_the_assessments_started_in_it(play) -> None:
    """With a pace sd of 0.5, an assessment started in run year k (from its k-th
    anniversary; the first year is 0) takes its drawn 10 days times exp(0.5 (z_k+1 - z_0)),
    z from the replication's own 'assessment_pace' stream (z_0 the base year's own pace)."""
    from sim.model.randomness import stream

    from .mechanism_scenarios import tiny

    s = tiny({"demand.assessment_pace_sd": 0.5, "run.horizon_years": 3})
    z = stream(s.run.seed, 0, "assessment_pace").standard_normal(4)
    f0, f1, f2 = (math.exp(0.5 * (z[k + 1] - z[0])) for k in range(3))
    r0 = ref(100, "assessment", 10, "cin", 10**6)
    r1 = ref(400, "assessment", 10, "cin", 10**6 + 1)
    r2 = ref(800, "assessment", 10, "cin", 10**6 + 2)

    def stage(r):
        return lambda svc: stage_of(svc, r)

    probes = {}
    for r, t0, f in ((r0, 100, f0), (r1, 400, f1), (r2, 800, f2)):
        probes[t0 + 10 * f - 1e-3] = stage(r)
        probes[t0 + 10 * f + 1e-3] = stage(r)
    seen = play(s, [r0, r1, r2], probes).seen
    assert list(seen.values()) == ["assessment", "cin"] * 3
    # each year its own, the first included
    assert abs(f0 - 1) > 0.01 and abs(f1 - f0) > 0.01 and abs(f2 - f1) > 0.01


def test_the_pace_is_sized_from_the_years_to_the_start_only() -> None:
    from sim.scenario.assessment_timing import pace_sd

    a, b = pace_sd(2019), pace_sd(2023)
    assert "2016-2019" in a.note and "2016-2023" in b.note
    assert 0.05 < a.sd < 0.4
    with pytest.raises(ValueError):
        pace_sd(2016)  # one year: no change to measure
    raw = yaml.safe_load(council_scenario("Barnsley", 2019).yaml)
    assert raw["demand"]["assessment_pace_sd"] == a.sd
