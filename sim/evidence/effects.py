"""The effects ``sim evidence`` estimates, each defined once: its outcome and exposure in the
panel (``panel.py``), the lag, how the slope is reported, and the checks run beside it.

Rows of the result (``estimate_all``) are one per effect, outcome, lag and specification:
``two-way fixed effects`` is the estimate; ``long difference``, ``placebo: spending two years
later``, ``without small councils`` and ``without 2020-21`` are its checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.evidence.estimators import Estimate, ordinary_least_squares, two_way_fixed_effects

MAIN = "two-way fixed effects"
LONG_DIFFERENCE = "long difference"
PLACEBO = "placebo: spending two years later"
NO_SMALL = "without small councils"
NO_2021 = "without 2020-21"
CROSS_SECTION = "cross-section, 2024"
AVERAGES = "cross-section, exposure averaged 2022-2024"
SMALL_SHARE = 0.25  # "small": the quarter of councils with the fewest children
COVID_YEAR = 2021   # 2020-21, the first year of the pandemic
PLACEBO_LEAD = -2   # the placebo's exposure: spending two years after the outcome


@dataclass(frozen=True)
class Effect:
    name: str
    outcome: str          # panel column
    exposure: str         # panel column
    outcome_label: str
    exposure_label: str
    unit: str
    log_outcome: bool
    log_exposure: bool
    lags: tuple[int, ...]
    scenario_lag: int     # the lag the scenarios use (say why in ``about``)
    report: str           # "elasticity", "per_10pct" or "slope"
    about: str            # what the estimate means and does not
    cross_section: bool = False
    controls: tuple[str, ...] = ()

    def scale(self, coef: float) -> float:
        """The reported figure for a slope on the model's scale."""
        if self.report == "per_10pct":
            if self.log_outcome:
                return 100 * (math.exp(coef * math.log(1.1)) - 1)
            return coef * math.log(1.1)
        return coef


EARLY_HELP = ("Early-help spend per child is the S251 outturn on family support services plus "
              "Sure Start children's centres, divided by the children aged 0-17. A negative "
              "elasticity means councils that spent more on early help than their own usual, "
              "in a year when others did not, had fewer {what} {lag}. It is an association "
              "within councils over time, not an experiment: a council that cut early help "
              "may also have changed its front door, its thresholds or its recording.")
WORKLOAD = ("Workload is referrals in the year per social worker in post (FTE at 30 "
            "September, in the middle of the year). The figure is what goes with 10% more "
            "referrals per social worker, within councils and years. Referrals per worker "
            "rise when referrals rise or workers fall, so this mixes a demand shock with "
            "a staffing shock; it describes how services adjust, not why.")

EFFECTS: tuple[Effect, ...] = (
    *(Effect(f"early_help_spend__{o}", f"{o}_per_10k", "early_help_per_child",
             f"{label} per 10,000 children (log)", "early-help spend per child (log)",
             "elasticity", True, True, (0, 1, 2), 1, "elasticity",
             EARLY_HELP.format(what=label, lag="in the same year or the years after")
             + " The scenarios use the one-year lag: the studies find effects about a year "
             "on, and it leaves the year of the budget change itself unaffected.")
      for o, label in (("referrals", "referrals"), ("cp_starts", "child protection plans started"),
                       ("cla_starts", "children starting to be looked after"))),
    Effect("workload__caseload", "caseload", "referrals_per_fte",
           "average caseload (cases per case-holding FTE, 30 September)",
           "referrals per social worker in post (log)", "cases per 10% more workload",
           False, True, (0, 1), 0, "per_10pct",
           WORKLOAD + " The caseload is published for 30 September, half-way through the year."),
    Effect("workload__not_in_need_share", "not_in_need_or_nfa_pct", "referrals_per_fte",
           "referrals ending in no further action or assessed not in need (% of referrals)",
           "referrals per social worker in post (log)", "points per 10% more workload",
           False, True, (0,), 0, "per_10pct",
           WORKLOAD + " A rise would be a threshold moving under strain; the two outcomes are "
           "DfE's no further action and not in need percentages of all referrals, added."),
    Effect("workload__assessment_timeliness", "timeliness_pct", "referrals_per_fte",
           "assessments completed within 45 working days (%)",
           "referrals per social worker in post (log)", "points per 10% more workload",
           False, True, (0,), 0, "per_10pct", WORKLOAD),
    Effect("workload__agency_fte", "agency_fte", "referrals_per_fte",
           "agency social workers (FTE at 30 September, log)",
           "referrals per social worker in post (log)", "% per 10% more workload",
           True, True, (0, 1), 0, "per_10pct",
           WORKLOAD + " Agency staff are counted at 30 September, half-way through the year; "
           "the next year's count shows whether the cover lasts."),
    Effect("workload__establishment", "fte", "referrals_per_fte",
           "social workers in post (FTE at 30 September, log)",
           "referrals per social worker in post (log)", "% per 10% more workload",
           True, True, (1,), 1, "per_10pct",
           WORKLOAD + " The same year is not shown: workers in post are the exposure's "
           "denominator. The next year's figure shows whether posts are filled after strain."),
    Effect("workload__establishment", "posts", "referrals_per_fte",
           "posts: in post plus vacancies (FTE at 30 September, log)",
           "referrals per social worker in post (log)", "% per 10% more workload",
           True, True, (1,), 1, "per_10pct",
           WORKLOAD + " Posts are FTE in post plus FTE vacancies; a rise the next year is "
           "posts added after strain."),
    Effect("caseload__turnover", "turnover_rate", "caseload",
           "turnover of permanent social workers (% in the year to 30 September)",
           "average caseload at the start of the year (cases per FTE)", "points per case",
           False, False, (0, 1), 1, "slope",
           "Turnover in the year to 30 September against the caseload published at the "
           "30 September before it (lag 1), or at its end (lag 0). Within councils and "
           "years. Leavers may raise the caseload as much as caseload raises leavers; the "
           "lag-1 figure is the one less open to that."),
    Effect("agency_rate__three_plus_workers", "three_plus_pct", "agency_rate",
           "children looked after at 31 March 2024 with 3+ social workers in the year (%)",
           "agency rate (% of FTE, September 2023)", "points per point", False, False,
           (0,), 0, "slope",
           "Published for one year only (2024), so this is a comparison across councils, "
           "not within them: it holds turnover fixed but not everything else that differs "
           "between councils.", cross_section=True, controls=("turnover_rate",)),
    Effect("turnover__three_plus_workers", "three_plus_pct", "turnover_rate",
           "children looked after at 31 March 2024 with 3+ social workers in the year (%)",
           "turnover rate (% in the year to September 2023)", "points per point", False,
           False, (0,), 0, "slope",
           "Published for one year only (2024), so this is a comparison across councils, "
           "not within them: it holds the agency rate fixed but not everything else that "
           "differs between councils.", cross_section=True, controls=("agency_rate",)),
)


def lagged(panel: pd.DataFrame, column: str, lag: int) -> pd.Series:
    """``column`` as it was ``lag`` years before each row's year (a lead if negative)."""
    s = panel[column]
    idx = s.index
    shifted = s.copy()
    shifted.index = pd.MultiIndex.from_arrays(
        [idx.get_level_values(0), idx.get_level_values(1) + lag], names=idx.names)
    return shifted.reindex(idx)


def design(panel: pd.DataFrame, e: Effect, lag: int) -> pd.DataFrame:
    """The outcome (``y``) in each row's year and the exposure (``x``) ``lag`` years before."""
    y = panel[e.outcome]
    x = lagged(panel, e.exposure, lag)
    out = pd.DataFrame({"y": np.log(y.where(y > 0)) if e.log_outcome else y,
                        "x": np.log(x.where(x > 0)) if e.log_exposure else x})
    for c in e.controls:
        out[c] = lagged(panel, c, lag)
    out["children"] = panel["children"]
    return out


def small_councils(panel: pd.DataFrame) -> set[str]:
    size = panel["children"].groupby(level=0).median()
    return set(size[size <= size.quantile(SMALL_SHARE)].index)


def _long_difference(d: pd.DataFrame) -> Estimate:
    """Change over the longest span the data allow: the first and last year with both."""
    both = d.dropna(subset=["x", "y"])
    years = both.index.get_level_values(1)
    first, last = int(years.min()), int(years.max())
    ends = both[years.isin([first, last])]
    wide = ends[["x", "y"]].unstack(level=1)
    diff = pd.DataFrame({"x": wide[("x", last)] - wide[("x", first)],
                         "y": wide[("y", last)] - wide[("y", first)]})
    return ordinary_least_squares(diff, "y", "x", years=(first, last))


def _cross_section(panel: pd.DataFrame, e: Effect, averaged: bool) -> Estimate:
    year = 2024
    y = panel[e.outcome].xs(year, level=1)
    cols = [e.exposure, *e.controls]
    if averaged:
        window = panel.loc[panel.index.get_level_values(1).isin([2022, 2023, 2024]), cols]
        x = window.groupby(level=0).mean()
    else:
        x = panel[cols].xs(year, level=1)
    d = x.join(y.rename("y"), how="inner")
    first = 2022 if averaged else year
    return ordinary_least_squares(d, "y", e.exposure, e.controls, years=(first, year))


def specifications(panel: pd.DataFrame, e: Effect, lag: int
                   ) -> Iterator[tuple[str, int, Callable[[], Estimate]]]:
    """Each specification of one effect at one lag: its name, the lag of the exposure
    (negative: the exposure years after the outcome) and a thunk that estimates it."""
    if e.cross_section:
        yield CROSS_SECTION, lag, lambda: _cross_section(panel, e, averaged=False)
        yield AVERAGES, lag, lambda: _cross_section(panel, e, averaged=True)
        keep = panel[~panel.index.get_level_values(0).isin(small_councils(panel))]
        yield NO_SMALL, lag, lambda: _cross_section(keep, e, averaged=False)
        return
    d = design(panel, e, lag)
    controls = tuple(e.controls)
    yield MAIN, lag, lambda: two_way_fixed_effects(d, "y", "x", controls)
    yield LONG_DIFFERENCE, lag, lambda: _long_difference(d)
    if e.name.startswith("early_help_spend__") and lag == e.scenario_lag:
        # spending cannot cause what came before it: a slope here is confounding
        lead = design(panel, e, PLACEBO_LEAD)
        yield PLACEBO, PLACEBO_LEAD, lambda: two_way_fixed_effects(lead, "y", "x", controls)
    small = small_councils(panel)
    yield NO_SMALL, lag, lambda: two_way_fixed_effects(
        d[~d.index.get_level_values(0).isin(small)], "y", "x", controls)
    yield NO_2021, lag, lambda: two_way_fixed_effects(
        d[d.index.get_level_values(1) != COVID_YEAR], "y", "x", controls)


def when(lag: int) -> str:
    """How the exposure's year stands to the outcome's, for a label."""
    if lag == 0:
        return ", same year"
    n = abs(lag)
    return f", {n} year{'s' if n > 1 else ''} {'before' if lag > 0 else 'after'}"


def estimate_all(panel: pd.DataFrame) -> pd.DataFrame:
    """Every effect at every lag and specification, on the model's scale."""
    rows = []
    for e in EFFECTS:
        for lag in e.lags:
            for spec, at, fit in specifications(panel, e, lag):
                est = fit()
                rows.append({
                    "effect": e.name, "outcome": e.outcome_label,
                    "exposure": e.exposure_label + when(at),
                    "unit": e.unit, "estimate": e.scale(est.coef),
                    "ci_low": e.scale(est.ci_low), "ci_high": e.scale(est.ci_high),
                    "n_councils": est.n_councils, "years": est.years,
                    "method": spec, "lag_years": at, "p_value": est.p_value,
                    "n_obs": est.n_obs, "headline": spec in (MAIN, CROSS_SECTION)
                    and lag == e.scenario_lag,
                })
    return pd.DataFrame(rows)
