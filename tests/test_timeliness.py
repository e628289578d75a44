"""Assessment timeliness: the measure, worked by hand on the tiny service.

Days count from the start, 1 April 2020: 2020-21 is days [0, 365), 2021-22 [365, 730) and
2022-23 [730, 1095). 45 working days are 63 calendar days (``ASSESSMENT_LIMIT_DAYS``).
"""

from __future__ import annotations

import numpy as np

from sim.periods import ASSESSMENT_LIMIT_DAYS

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
