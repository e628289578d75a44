"""How much councils' workforces move from year to year, from the published workforce census
up to the one before the start (``workforce.shocks`` in a scenario).

Spreads are robust (median absolute deviation, as an sd) over every council's year-on-year
changes, so a few councils' recording breaks do not set them:

- posts (FTE in post plus vacancies): the change of their log;
- the chance of filling a vacancy: not published, but the vacancy rate is, and its log-odds
  move with the log of leaving over filling, so the log-odds' spread less turnover's (as a
  log) is the fill chance's;
- agency cover (agency FTE over vacancies, at most 1): its change in points;
- leaving: the change of the log of turnover, less what chance alone gives a council with
  its number of leavers (Poisson: a variance of 1/leavers a year, the median over councils),
  because the model draws who leaves itself. A year's shock runs from 1 April and turnover
  is counted in the year to 30 September, half in each of two run years: a published
  change is then half the difference of two years' shocks (a variance of half a year's),
  so a year's sd is the change's times the square root of 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.data import dfe

FIRST_CENSUS = 2017  # the first workforce census in sim/data (30 September 2017)


@dataclass(frozen=True)
class Shocks:
    establishment_sd: float
    fill_sd: float
    agency_cover_sd: float
    leaving_sd: float
    note: str


def _wide(measure: str, last: int) -> pd.DataFrame:
    p = dfe.by_council(measure)
    return p[[str(y) for y in range(FIRST_CENSUS, last + 1) if str(y) in p]]


def _changes(frame: pd.DataFrame) -> np.ndarray:
    return frame.diff(axis=1).iloc[:, 1:].to_numpy().ravel()


def workforce_shocks(year: int) -> Shocks:
    """The spreads for a scenario starting on 1 April ``year``: censuses up to September
    ``year - 1``."""
    last = year - 1
    if last <= FIRST_CENSUS:
        raise ValueError(f"no two workforce censuses before {year} to size the shocks")
    posts = _wide("inpost_fte", last) + _wide("vacancy_fte", last)
    vac = _wide("vacancy_rate", last) / 100
    turnover = _wide("turnover_rate", last) / 100
    cover = (_wide("agency_fte", last) / _wide("vacancy_fte", last)).clip(upper=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = dfe.robust_sd(_changes(np.log(posts.where(posts > 0))))
        logit = dfe.robust_sd(_changes(np.log(vac / (1 - vac)).replace([np.inf, -np.inf], np.nan)))
        leave = dfe.robust_sd(_changes(np.log(turnover.where(turnover > 0))))
    fill = float(np.sqrt(max(0.0, logit ** 2 - leave ** 2)))
    leavers = _wide("leavers_fte", last)
    inv = (1 / leavers.where(leavers > 0)).to_numpy()
    chance = (inv[:, 1:] + inv[:, :-1]).ravel()
    chance_var = float(np.median(chance[np.isfinite(chance)]))
    leaving = float(np.sqrt(2 * max(0.0, leave ** 2 - chance_var)))
    cov = dfe.robust_sd(_changes(cover.replace([np.inf, -np.inf], np.nan)))
    note = (f"csww {FIRST_CENSUS}-{last}, every council's yearly change (robust sd): posts "
            f"{est:.3f} (log); vacancy log-odds {logit:.3f} less turnover {leave:.3f} (log) "
            f"gives the fill chance {fill:.3f}; agency cover {cov:.3f} (share); turnover "
            f"{leave:.3f} (log) less chance {np.sqrt(chance_var):.3f}, x sqrt 2 (a year of "
            f"turnover spans two), gives leaving {leaving:.3f}")
    return Shocks(round(est, 4), round(fill, 4), round(cov, 4), round(leaving, 4), note)
