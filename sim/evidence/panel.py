"""A council-by-year panel of the published figures the evidence needs.

Every figure is filed under the financial year it falls in, named by the calendar year in
which that financial year ends (``year = 2020`` is 2019-20):

- children's figures (the year to 31 March ``t``, or the stock on 31 March ``t``): ``t``;
- S251 spending for financial year ``2019-20``: 2020;
- the workforce census at 30 September ``y`` (and the 12 months to it): ``y + 1``, the
  financial year that contains that September;
- ONS mid-year (30 June ``y``) population: ``y + 1`` likewise.

Suppressed figures stay missing. Councils are the areas DfE publishes, as published: a council
created by reorganisation (North and West Northamptonshire in 2021, say) is a new council.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from sim.data import dfe

# measure in sim/data: (panel column, how its period maps to the panel's year)
SOURCES = {
    "referrals": ("referrals", "march"),
    "cp_starts": ("cp_starts", "march"),
    "cla_starts": ("cla_starts", "march"),
    "cin_31mar": ("cin_31mar", "march"),
    "not_in_need_pct": ("not_in_need_pct", "march"),
    "nfa_pct": ("nfa_pct", "march"),
    "assessment_timeliness_pct": ("timeliness_pct", "march"),
    "three_plus_sw_pct": ("three_plus_pct", "march"),
    "family_support_spend": ("family_support_spend", "fy"),
    "sure_start_spend": ("sure_start_spend", "fy"),
    "young_people_spend": ("young_people_spend", "fy"),
    "inpost_fte": ("fte", "september"),
    "agency_fte": ("agency_fte", "september"),
    "vacancy_fte": ("vacancy_fte", "september"),
    "agency_rate": ("agency_rate", "september"),
    "turnover_rate": ("turnover_rate", "september"),
    "caseload_per_fte": ("caseload", "september"),
    "population_0_17": ("children", "september"),  # mid-year: same rule as September
}


def panel_year(period: str, rule: str) -> int:
    """The panel's year for a published period.

    >>> panel_year("2020", "march"), panel_year("2019-20", "fy"), panel_year("2019", "september")
    (2020, 2020, 2020)
    """
    if rule == "fy":
        return int(period[:4]) + 1
    return int(period) + (1 if rule == "september" else 0)


@functools.cache
def council_panel() -> pd.DataFrame:
    """One row per council and year (index ``council, year``), with the published figures and
    the derived exposures: early-help spend per child, referrals per social worker, posts."""
    t = dfe.table()
    t = t[(t.level == "la") & t.measure.isin(SOURCES)]
    rule = t.measure.map(lambda m: SOURCES[m][1])
    long = pd.DataFrame({
        "council": t.area,
        "year": [panel_year(p, r) for p, r in zip(t.period, rule, strict=True)],
        "column": t.measure.map(lambda m: SOURCES[m][0]),
        "value": t.value,
    })
    wide = long.pivot_table(index=["council", "year"], columns="column", values="value",
                            aggfunc="first", dropna=False)
    wide = wide.reindex(columns=[c for c, _ in SOURCES.values()])
    wide.columns.name = None
    return derive(wide.sort_index())


def derive(p: pd.DataFrame) -> pd.DataFrame:
    """The derived measures, from the published ones (missing where any input is missing)."""
    p = p.copy()
    per_child = p["children"].where(p["children"] > 0)
    p["early_help_spend"] = p["family_support_spend"] + p["sure_start_spend"]
    p["early_help_per_child"] = p["early_help_spend"] / per_child
    p["referrals_per_10k"] = p["referrals"] / per_child * 1e4
    p["cp_starts_per_10k"] = p["cp_starts"] / per_child * 1e4
    p["cla_starts_per_10k"] = p["cla_starts"] / per_child * 1e4
    p["referrals_per_fte"] = p["referrals"] / p["fte"].where(p["fte"] > 0)
    p["posts"] = p["fte"] + p["vacancy_fte"]
    p["not_in_need_or_nfa_pct"] = p["not_in_need_pct"] + p["nfa_pct"]
    return p.replace([np.inf, -np.inf], np.nan)
