"""How much a council's referral level wanders from year to year, from the published
referrals of every council up to the start year (``demand.level`` in a scenario).

A council's log referrals are read as a random walk (changes that last) plus each year's own
deviation (changes that pass). Both leave the same mark on year-on-year changes, except that
a passing deviation is undone the next year: the changes' lag-1 autocorrelation ``r`` (pooled
over councils) is ``-noise² / var(change)``, so ``noise² = -r var`` and
``walk² = (1 + 2r) var``. A council's own variance of changes, from few years, is shrunk
towards the median of councils of its size (by number of children), as if the group gave
``PRIOR_YEARS`` more years. Only years up to the start are used: a back-test stays honest.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.data import dfe

FIRST_YEAR = 2013  # the first year of published referrals in sim/data
PRIOR_YEARS = 6  # the size group's median counts as this many years of the council's own
SIZE_GROUPS = 4  # councils are grouped by children aged 0-17 into quarters
MAX_PASSING = 0.45  # -r at most: a passing deviation never explains more than this


@dataclass(frozen=True)
class Level:
    walk_sd: float
    noise_sd: float
    note: str


@functools.cache
def _changes(year: int) -> pd.DataFrame:
    """Councils x years: the change of log referrals from the year before (to ``year``)."""
    p = dfe.by_council("referrals")
    cols = [str(y) for y in range(FIRST_YEAR, year + 1) if str(y) in p]
    logs = np.log(p[cols].where(p[cols] > 0))
    return logs.diff(axis=1).iloc[:, 1:]


def pooled_autocorrelation(year: int) -> float:
    """Lag-1 correlation of councils' year-on-year changes up to ``year``, pooled."""
    d = _changes(year).to_numpy()
    a, b = d[:, 1:].ravel(), d[:, :-1].ravel()
    ok = ~(np.isnan(a) | np.isnan(b))
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def referral_level(area: str, year: int) -> Level:
    """The walk and the passing deviation (sds of the log level, a year) for ``area``."""
    d = _changes(year)
    var = d.var(axis=1, ddof=1)
    n = d.notna().sum(axis=1)
    t = dfe.table()
    kids = t[(t.level == "la") & (t.measure == "population_0_17")
             & (t.period == str(year - 1))].set_index("area").value
    groups = pd.qcut(kids.reindex(var.index), SIZE_GROUPS, labels=False)
    group_var = var.groupby(groups).median()
    g = groups.get(area)
    prior = float(group_var.get(g, var.median())) if g is not None and not pd.isna(g) \
        else float(var.median())
    own, years = float(var.get(area, np.nan)), int(n.get(area, 0))
    v = prior if np.isnan(own) or years < 2 else \
        (years * own + PRIOR_YEARS * prior) / (years + PRIOR_YEARS)
    r = min(0.0, max(-MAX_PASSING, pooled_autocorrelation(year)))
    walk, noise = float(np.sqrt(v * (1 + 2 * r))), float(np.sqrt(-r * v))
    own_txt = f"{np.sqrt(own):.3f} over {years} years" if years >= 2 else "not published"
    note = (f"sim/data c1 referrals {FIRST_YEAR}-{year}: sd of the council's yearly log "
            f"change {own_txt}, shrunk to {np.sqrt(v):.3f} towards councils of its size "
            f"({np.sqrt(prior):.3f}); changes' autocorrelation {r:.2f} over all councils "
            f"splits it into a walk of {walk:.3f} and a passing {noise:.3f}")
    return Level(round(walk, 4), round(noise, 4), note)
