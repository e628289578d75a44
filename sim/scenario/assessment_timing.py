"""The spread of assessment durations, from the published share completed in time.

DfE publishes the share of assessments completed within 45 working days of the referral
(``assessment_timeliness_pct``; 63 calendar days, ``ASSESSMENT_LIMIT_DAYS``). ``sim init``
takes the mean duration from Little's law; this module finds the lognormal sd that, with
that mean, puts the published share within 63 days.

For a lognormal of mean ``m`` and log-sd ``s`` the share within ``d`` days is
``Phi(L / s + s / 2)`` with ``L = ln(d / m)`` (``gap`` below). With the mean below ``d``
(``L > 0``) the share is lowest, ``Phi(sqrt(2L))``, at ``s = sqrt(2L)`` and rises to 1 on
either side: a narrower spread puts more assessments near the mean, a wider one more of
them short. The narrower solution is taken (the wider one is a heavy tail of assessments
lasting years). A published share below that lowest one cannot be matched: the spread that
comes closest is taken. With the mean at or above ``d`` there is one solution.

The log-sd is kept within ``LOG_SD_BOUNDS``; outside it, it is clipped and the result says
so (``sim init`` writes a note in the file's header).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from sim.periods import ASSESSMENT_LIMIT_DAYS

LOG_SD_BOUNDS = (0.35, 1.4)
"""The lognormal's log-sd, at least and at most: about half and twice England's 0.69. DfE's
C2 table (assessments completed by duration, year to 31 March 2025) gives England's
quartiles as 17, 33 and 43 working days, so ln(43 / 17) / 1.349 = 0.69; the regions shown
run from 0.58 to 0.75 (explore-education-statistics.service.gov.uk, data set "C2 Completed
assessments by duration of assessment and local authority"). Assumption: a council's
spread is within a factor of two of England's."""

SHARE_LIMITS = (0.001, 0.999)  # a share of 0 or 1 has no finite solution


@dataclass(frozen=True)
class Spread:
    sd: float  # days
    share_pct: float  # % of assessments within the limit that it gives
    clipped: bool  # the published share could not be matched within the bounds


def share_within(mean: float, sd: float, days: float = ASSESSMENT_LIMIT_DAYS) -> float:
    """% of a lognormal duration (mean and sd in days) that is at most ``days``."""
    s = math.sqrt(math.log1p((sd / mean) ** 2))
    return 100 * float(special.ndtr((math.log(days / mean) + s * s / 2) / s))


def _log_sd(mean: float, share: float) -> tuple[float, bool]:
    """The log-sd giving ``share`` (a fraction) within the limit, and whether none does."""
    gap = math.log(ASSESSMENT_LIMIT_DAYS / mean)
    z = float(special.ndtri(min(max(share, SHARE_LIMITS[0]), SHARE_LIMITS[1])))
    if gap > 0:
        if z > 0 and z * z >= 2 * gap:
            return z - math.sqrt(z * z - 2 * gap), False  # the narrower of the two
        return math.sqrt(2 * gap), True  # the lowest share: nearest to the published
    s = z + math.sqrt(z * z - 2 * gap)
    return (s, False) if s > 0 else (LOG_SD_BOUNDS[0], True)


def solve_sd(mean: float, share_pct: float) -> Spread:
    """The lognormal sd (days) that, with ``mean`` days, puts ``share_pct`` % of
    assessments within 45 working days; clipped to ``LOG_SD_BOUNDS``."""
    s, unmatched = _log_sd(mean, share_pct / 100)
    lo, hi = LOG_SD_BOUNDS
    clipped = min(max(s, lo), hi)
    sd = mean * math.sqrt(math.expm1(clipped * clipped))
    return Spread(sd, share_within(mean, sd), unmatched or clipped != s)
