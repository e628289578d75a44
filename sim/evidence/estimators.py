"""The estimators behind ``sim evidence``, from well-kept libraries: two-way fixed effects
(council and year) with standard errors clustered by council (linearmodels ``PanelOLS``),
long differences and cross-sections by ordinary least squares with heteroskedasticity-robust
standard errors (statsmodels). Each returns an ``Estimate`` of one slope with its 95% interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from linearmodels.panel import PanelOLS
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Estimate:
    """One slope: d(outcome) / d(exposure) in the units the two were given in."""

    coef: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n_obs: int
    n_councils: int
    first_year: int
    last_year: int

    @property
    def years(self) -> str:
        return f"{self.first_year}-{self.last_year}"


def _frame(data: pd.DataFrame, y: str, xs: list[str]) -> pd.DataFrame:
    d = data[[y, *xs]].replace([np.inf, -np.inf], np.nan).dropna()
    return d


def _estimate(coef: float, se: float, dof: float | None, n_obs: int, n_councils: int,
              years: pd.Index) -> Estimate:
    q = float(stats.t.ppf(0.975, dof)) if dof else Z95
    p = float(2 * (stats.t.sf(abs(coef / se), dof) if dof else stats.norm.sf(abs(coef / se))))
    return Estimate(float(coef), float(se), float(coef - q * se), float(coef + q * se), p,
                    n_obs, n_councils, int(years.min()), int(years.max()))


def two_way_fixed_effects(data: pd.DataFrame, y: str, x: str,
                          controls: tuple[str, ...] = ()) -> Estimate:
    """The slope of ``y`` on ``x`` within councils and years: council and year fixed effects,
    standard errors clustered by council (t with councils - 1 degrees of freedom). ``data`` is
    indexed by (council, year)."""
    d = _frame(data, y, [x, *controls])
    # a council seen once adds nothing within councils; drop it so counts are honest
    seen = d.groupby(level=0)[y].transform("size")
    d = d[seen > 1]
    if d.index.get_level_values(0).nunique() < 3:
        raise ValueError(f"too few councils with {y} and {x} to estimate")
    fit = PanelOLS(d[y], d[[x, *controls]], entity_effects=True, time_effects=True,
                   drop_absorbed=True).fit(cov_type="clustered", cluster_entity=True)
    councils = d.index.get_level_values(0).nunique()
    return _estimate(fit.params[x], fit.std_errors[x], councils - 1, len(d), councils,
                     pd.Index(d.index.get_level_values(1)))


def ordinary_least_squares(data: pd.DataFrame, y: str, x: str,
                           controls: tuple[str, ...] = (),
                           years: tuple[int, int] | None = None) -> Estimate:
    """The slope of ``y`` on ``x`` across councils (one row each), with an intercept and
    robust (HC1) standard errors. ``years`` says which years the rows describe."""
    d = _frame(data, y, [x, *controls])
    if len(d) < 10:
        raise ValueError(f"too few councils with {y} and {x} to estimate")
    fit = sm.OLS(d[y], sm.add_constant(d[[x, *controls]])).fit(cov_type="HC1")
    span = pd.Index(list(years) if years else [0])
    return _estimate(fit.params[x], fit.bse[x], None, len(d), len(d), span)
