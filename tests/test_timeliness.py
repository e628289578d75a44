"""Assessment timeliness: the measure, worked by hand on the tiny service, and the spread
``sim init`` solves from the published share of assessments within 45 working days.

Days count from the start, 1 April 2020: 2020-21 is days [0, 365), 2021-22 [365, 730) and
2022-23 [730, 1095). 45 working days are 63 calendar days (``ASSESSMENT_LIMIT_DAYS``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from sim.periods import ASSESSMENT_LIMIT_DAYS
from sim.scenario import Scenario
from sim.scenario.assessment_timing import LOG_SD_BOUNDS, share_within, solve_sd
from sim.scenario.council import council_scenario
from sim.scenario.council_rates import estimate_rates
from sim.scenario.distributions import Lognormal

from . import test_mechanisms_cases
from .test_mechanisms_cases import FY1, FY2, one_worker, ref

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


@pytest.mark.parametrize("mean, share", [(40, 85), (28, 94), (45.6, 79.7), (63, 70),
                                         (70, 60)])
def test_the_solved_spread_gives_the_share(mean: float, share: float) -> None:
    sp = solve_sd(mean, share)
    assert not sp.clipped
    assert _lognormal_share(mean, round(sp.sd, 1)) == pytest.approx(share, abs=0.5)
    assert sp.share_pct == pytest.approx(share, abs=1e-6)


@pytest.mark.parametrize("mean, share, bound", [
    (56.8, 85.4, 0),  # West Sussex 2019: only a log-sd of 0.1 (sd 6 days) would do
    (15, 84, 1),  # too short a mean: every lognormal puts at least 95.5% within 63 days
    (80, 85, 1),  # a long mean: only a tail of assessments lasting years would do
])
def test_a_share_out_of_reach_is_clipped(mean: float, share: float, bound: int) -> None:
    sp = solve_sd(mean, share)
    s = math.sqrt(math.log1p((sp.sd / mean) ** 2))
    assert sp.clipped and s == pytest.approx(LOG_SD_BOUNDS[bound])
    assert sp.share_pct == pytest.approx(_lognormal_share(mean, sp.sd), abs=1e-6)
    assert abs(sp.share_pct - share) > 5


def test_init_takes_the_spread_from_the_start_year_s_published_share() -> None:
    """York 2019 (mean 39.4 days by Little's law, 84.5% published for the year to 31 March
    2019) is matched; West Sussex 2019 (mean 56.8 days, 85.4%) cannot be, and says so."""
    york = estimate_rates("York", 2019).durations
    assert york.assessment.value == 39.4
    assert "84.5% of assessments" in york.assessment_sd.note
    assert "York, time_period 2019, Continue_Assess_Comp" in york.assessment_sd.note
    assert _lognormal_share(39.4, york.assessment_sd.value) == pytest.approx(84.5, abs=0.5)

    built = council_scenario("West Sussex", 2019)
    s = Scenario.model_validate(yaml.safe_load(built.yaml))
    dist = s.demand.durations.assessment
    assert (dist.mean, dist.sd) == (56.8, 20.5)
    header = built.yaml.split("\n\n")[0]
    assert "assessment sd: no lognormal of mean 56.8 days" in header
    assert "published 85.4% within 45 working days (2019)" in header
    assert share_within(56.8, 20.5) == pytest.approx(68.1, abs=0.05)
    assert any("assessment sd" in n for n in built.notes)
