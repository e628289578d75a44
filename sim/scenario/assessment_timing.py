"""How long assessments take, from the published share completed in time.

DfE publishes, for every council and year, the share of assessments completed within 45
working days of the referral (``assessment_timeliness_pct``; 63 calendar days,
``ASSESSMENT_LIMIT_DAYS``), but not their mean or median length by council. It publishes
their spread for England: DfE's C2 table (assessments completed by duration, year to 31
March 2025) gives England's quartiles as 17, 33 and 43 working days, so the log-sd of a
lognormal is ln(43 / 17) / 1.349 = 0.69 (``ENGLAND_LOG_SD``); the regions shown run from
0.58 to 0.75 (explore-education-statistics.service.gov.uk, data set "C2 Completed
assessments by duration of assessment and local authority"). ``sim init`` takes that
spread and solves the mean that puts the council's published share within 63 days.

For a lognormal of mean ``m`` and log-sd ``s`` the share within ``d`` days is
``Phi(ln(d / m) / s + s / 2)``, so the mean is ``d exp(s^2 / 2 - s z)`` with ``z`` the
normal quantile of the share: one solution, rising as the share falls.

The time an assessment waits for a worker counts towards the 45 working days (as the
model's ``assessment_timeliness_rate`` counts it); ``sim init`` starts a service with no
queue and room for 10% more cases than it holds, so at the start the wait is about nil and
the duration alone gives the share. A queue later lowers it, as it would a council's.

A council's pace moves from year to year (``demand.assessment_pace_sd``): councils' published
shares move by a robust sd of 0.32 on the probit scale from one year to the next (every
council, the years to the start). Multiplying every duration by ``f`` moves the share's
probit by ``-ln f / s``, so a year's own level of ``ln f`` has an sd of ``s`` times the
probit's year-to-year sd over the square root of 2 (a change is the difference of two
years' own levels): 0.156 for starts in 2019. The base year's share, from which the
durations are solved, holds that year's own level too, so the model draws it once per
replication and moves each run year, the first included, by its own level less the base
year's: a run year differs from the base year as councils' published years differ. The
chance in a council's share (a binomial of its thousands of assessments) is small beside
this and is not taken off.

Why not the mean from Little's law on the children "awaiting assessment" at 31 March (what
``sim init`` did before): on England's figures for 2019 it gives 14 days (25,080 awaiting,
650,000 referrals a year) against C2's median of 33 working days (46 calendar days), and a
15-day floor bound for 130 of 157 councils; the count is not the stock of assessments under
way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from sim.data import dfe
from sim.periods import ASSESSMENT_LIMIT_DAYS

ENGLAND_LOG_SD = 0.69
"""The lognormal log-sd of assessment durations: England's, from C2's quartiles (above)."""

SHARE_LIMITS = (0.1, 99.9)  # % within the limit: a share of 0 or 100 has no finite mean


@dataclass(frozen=True)
class Timing:
    mean: float  # days
    sd: float  # days
    share_pct: float  # % of assessments within the limit that it gives
    clipped: bool  # the published share was out of reach and the nearest was taken


def share_within(mean: float, sd: float, days: float = ASSESSMENT_LIMIT_DAYS) -> float:
    """% of a lognormal duration (mean and sd in days) that is at most ``days``."""
    s = math.sqrt(math.log1p((sd / mean) ** 2))
    return 100 * float(special.ndtr((math.log(days / mean) + s * s / 2) / s))


def solve_mean(share_pct: float, bounds: tuple[float, float] = (1.0, 1000.0),
               log_sd: float = ENGLAND_LOG_SD) -> Timing:
    """The lognormal (mean and sd in days, log-sd ``log_sd``) that puts ``share_pct`` % of
    assessments within 45 working days; its mean kept within ``bounds``."""
    share = min(max(share_pct, SHARE_LIMITS[0]), SHARE_LIMITS[1])
    z = float(special.ndtri(share / 100))
    solved = ASSESSMENT_LIMIT_DAYS * math.exp(log_sd * log_sd / 2 - log_sd * z)
    mean = min(max(solved, bounds[0]), bounds[1])
    sd = mean * math.sqrt(math.expm1(log_sd * log_sd))
    return Timing(mean, sd, share_within(mean, sd), mean != solved or share != share_pct)


@dataclass(frozen=True)
class Pace:
    sd: float
    note: str


def pace_sd(year: int, log_sd: float = ENGLAND_LOG_SD) -> Pace:
    """The sd of the log of a year's multiplier of assessment times, for a start on 1 April
    ``year``: from every council's year-on-year moves of the published share in the years
    to March ``year`` (above)."""
    p = dfe.by_council("assessment_timeliness_pct")
    p = p[[c for c in p.columns if int(c) <= year]] / 100
    if p.shape[1] < 2:
        raise ValueError(f"no two years of assessment timeliness to {year} to size the pace")
    z = special.ndtri(p.clip(0.005, 0.995))
    changes = z.diff(axis=1).iloc[:, 1:].to_numpy().ravel()
    probit = dfe.robust_sd(changes)
    sd = round(log_sd * probit / math.sqrt(2), 4)
    return Pace(sd, f"LAIT Continue_Assess_Comp {p.columns[0]}-{p.columns[-1]}, every "
                    f"council's yearly change of the probit of the share (robust sd "
                    f"{probit:.3f}) x the log-sd {log_sd} / sqrt 2 "
                    "(sim/scenario/assessment_timing.py)")
