"""A council's unit costs for ``sim init``, from its S251 outturn, checked against every
council's published unit costs of the same year.

What the scenario prices (``costs`` in a scenario): each looked-after child's placement at a
weekly price by kind (foster, residential, other) in a mix, and the rest of the looked-after
spend per child-week (``looked_after_other_weekly``). The S251 outturn publishes a council's
whole looked-after spend, its weekly unit costs of fostering and of residential care and its
cost per looked-after child a week; not its placement mix nor its other costs. So:

* the spend per child-week is the whole looked-after spend over the children looked after
  on average (the two 31 March counts) times the weeks of a year;
* the placements are England's mix at the council's own weekly prices, and the other costs
  what is left of its spend per child-week;
* where that leaves less than the least other costs the published figures support —
  England's share of other costs (England's mix at England's prices leaves, of England's
  spend per child-week, 12% in 2016-17 to 22% in 2024-25) of the lowest cost a child-week
  councils published (1st percentile of ``LACFinance``): £108 in 2018-19 — England's mix
  costs more at the council's prices than the council spent: it places fewer children in
  (dear) children's homes than England does. Then the other costs are England's share of
  its spend per child-week and the residential share of the mix is lowered (to foster care)
  so the scenario spends the council's published total. Before this a council could get
  other costs of £0-£10 a child-week against West Sussex's £558.

Every unit cost written is checked against the range of the published unit costs of that
year: the 1st to 99th percentile, across councils, of their own published figures (S251
``FosteringFinance``, ``RescareFinance``, ``LACFinance``, in the LAIT file). The whole cost
a child-week (placements and other) is checked against ``LACFinance``; the other costs
against England's share of the lowest (1st percentile) cost a child-week up to the highest
(99th). A cost outside its range is written with a warning (in its comment, the file's
header and on the terminal).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.data import dfe
from sim.periods import DAYS_PER_WEEK, DAYS_PER_YEAR

PLACEMENT_MIX = {"foster": 0.72, "residential": 0.13, "other": 0.15}  # England's mix, DfE CLA 2019
OTHER_PLACEMENT_WEEKLY = 800.0  # £ a week for placements neither foster nor residential
MIN_EARLY_HELP = 1.0  # £ a year: the scenario needs a positive early-help budget
RANGE_PERCENTILES = (1, 99)  # of councils' published unit costs: the range a cost should lie in
WEEKS_PER_YEAR = DAYS_PER_YEAR / DAYS_PER_WEEK
TOTAL = "cost a child-week (placements and looked_after_other_weekly)"  # a warning's name


@dataclass(frozen=True)
class Rate:
    """A number for the scenario and where it came from (written as its comment)."""

    value: float
    note: str


class Figures(Protocol):
    """A council's published figures with their fallbacks (``council_rates.py``)."""

    council: str
    notes: list[str]

    def get(self, measure: str, period: str, required: bool = True) -> Rate: ...


@dataclass(frozen=True)
class UnitCosts:
    s251_year: str  # the financial year of the outturn used
    fostering_weekly: Rate
    residential_weekly: Rate
    mix: dict[str, float]  # shares of placements by kind, adding up to 1
    mix_note: str
    looked_after_other_weekly: Rate  # beyond the placement, per child-week
    per_child_week: Rate  # the whole looked-after spend a child-week
    early_help_budget: Rate
    warnings: dict[str, str]  # by the cost's field: outside the published range, and why


def money(v: float) -> str:
    """£ in words a finance lead reads: £66.7m, £15,800, £1,689.

    >>> money(66_712_345), money(15_800), money(1689.4), money(-493.2)
    ('£66.7m', '£15,800', '£1,689', '-£493')
    """
    sign = "-" if v < 0 else ""
    v = abs(v)
    return sign + (f"£{v / 1e6:,.1f}m" if v >= 1e6 else f"£{v:,.0f}")


@functools.cache
def published_range(measure: str, fy: str) -> tuple[float, float]:
    """The 1st and 99th percentiles across councils of their own published ``measure`` in
    financial year ``fy`` (no fallbacks)."""
    p = dfe.by_council(measure)
    v = p[fy].dropna().to_numpy() if fy in p else np.array([])
    if not len(v):
        return (math.nan, math.nan)
    lo, hi = np.percentile(v, RANGE_PERCENTILES)
    return float(lo), float(hi)


@functools.cache
def england_other_share(fy: str, year: int) -> float:
    """Of England's spend per child-week in ``fy``, the share England's mix at England's
    weekly prices leaves for other costs."""
    e = lambda m, p=fy: dfe.figure("England", m, p, fallback=False).value  # noqa: E731
    per_child_week = e("looked_after_spend") / (
        (e("cla_31mar", str(year - 1)) + e("cla_31mar", str(year))) / 2 * WEEKS_PER_YEAR)
    placement = _placement(PLACEMENT_MIX, e("fostering_weekly"), e("residential_weekly"))
    return 1 - placement / per_child_week


def _per_child_week(council: str, spend: Rate, counts: tuple[Rate, Rate], fy: str,
                    year: int) -> Rate:
    """The whole looked-after spend over the children looked after on average, a week; a
    council that looked after none (a published 0: the Isles of Scilly), or whose spend or
    children were not published (a council created since), gets its region's, or
    England's: a council's spend over its region's children scaled would be neither's."""
    children = (counts[0].value + counts[1].value) / 2
    fell = [r.note for r in (spend, *counts) if "fallback" in r.note]
    def said(spend_said: str, n: float, pcw: float, whose: str = "") -> str:
        return (f"{money(pcw)} a child-week: {whose}all looked-after spend {spend_said} over "
                f"{n:,.0f} children looked after on average (31 March {year - 1} and "
                f"{year}), {WEEKS_PER_YEAR:.1f} weeks")

    if children > 0 and not fell:
        pcw = spend.value / (children * WEEKS_PER_YEAR)
        return Rate(pcw, said(f"{money(spend.value)} (S251 {fy})", children, pcw))
    why = ("its own spend or children looked after not published" if fell else
           "it looked after no children")
    for other in (dfe.region_of(council), "England"):
        e = lambda m, p, a=other: dfe.figure(a, m, p, fallback=False).value  # noqa: E731
        n = (e("cla_31mar", str(year - 1)) + e("cla_31mar", str(year))) / 2
        if n > 0 and not math.isnan(total := e("looked_after_spend", fy)):
            pcw = total / (n * WEEKS_PER_YEAR)
            return Rate(pcw, said(f"{money(total)} (S251 {fy})", n, pcw, f"{other}'s ")
                        + f" (fallback: {council}: {why})")
    raise ValueError(f"{council}: no children looked after at 31 March {year - 1} nor "
                     f"{year}, nor a regional or England spend a child-week to fall back on")


def _placement(mix: dict[str, float], foster: float, residential: float) -> float:
    return (mix["foster"] * foster + mix["residential"] * residential
            + mix["other"] * OTHER_PLACEMENT_WEEKLY)


def unit_costs(figs: Figures, fy: str, year: int, cla31: Rate) -> UnitCosts:
    """Weekly placement prices, the mix, other looked-after costs a child-week and the
    early-help budget from the S251 outturn of the year before the start (``fy``), with a
    warning for each that lies outside the range of councils' published unit costs."""
    fost = figs.get("fostering_weekly", fy)
    resi = figs.get("residential_weekly", fy)
    spend = figs.get("looked_after_spend", fy)
    cla_prev = figs.get("cla_31mar", str(year - 1))
    s251 = f"S251 {fy}"
    per_child_week = _per_child_week(figs.council, spend, (cla_prev, cla31), fy, year)
    if "(fallback" in per_child_week.note:
        figs.notes.append(f"spend a child-week {fy}: {per_child_week.note}")
    pcw = per_child_week.value
    f, r = fost.value, resi.value
    mix = dict(PLACEMENT_MIX)
    share_e = england_other_share(fy, year)
    other = pcw - _placement(mix, f, r)
    mix_note = "assumption: England's mix (DfE CLA 2019)"
    other_note = (f"{money(other)} a child-week: what is left of {per_child_week.note}, "
                  f"after {money(pcw - other)} a child-week for placements (England's mix at "
                  "the council's weekly prices)")
    lo_lac, hi_lac = published_range("looked_after_weekly", fy)
    if other < share_e * lo_lac:
        # England's mix overshoots: fewer children in children's homes than England's 13%
        mix_share = mix["foster"] + mix["residential"]
        target = (1 - share_e) * pcw - mix["other"] * OTHER_PLACEMENT_WEEKLY
        res_share = float(np.clip((target - mix_share * f) / (r - f) if r > f else 0.0, 0,
                                  PLACEMENT_MIX["residential"]))
        mix = {"foster": round(mix_share - res_share, 4), "residential": round(res_share, 4),
               "other": mix["other"]}
        before = other
        other = max(0.0, pcw - _placement(mix, f, r))
        said = (f"England's mix (13% in children's homes) at the council's prices "
                f"({money(f)} foster, {money(r)} residential a week) costs more than its "
                f"spend of {money(pcw)} a child-week allows, leaving {money(before)} for "
                f"other costs, under the least published figures support "
                f"({money(share_e * lo_lac)}: England's share, {share_e:.0%}, of the lowest "
                f"cost a child-week councils published in {fy})")
        short = other < share_e * pcw - 0.5  # even with none in children's homes
        figs.notes.append(f"placement mix: {said}; so {res_share:.1%} of placements are "
                          "residential and other costs are " + (
                              f"what is left, {money(other)} a child-week" if short else
                              f"England's share ({share_e:.0%}) of its spend"))
        mix_note = (f"England's mix with {res_share:.1%} residential (not 13%): {said}; the "
                    f"residential share that, with England's share of other costs "
                    f"({share_e:.0%}), spends the council's total ({s251})"
                    + ("; none in children's homes still costs more" if short else ""))
        other_note = (f"{money(other)} a child-week: " + (
            "what is left of " if short else
            f"England's share ({share_e:.0%}: England's {s251} spend a child-week less its "
            "mix at its prices) of ") + f"{per_child_week.note} (fallback: see the mix)")
    placement = _placement(mix, f, r)
    warnings = _check(fy, {
        "placements.weekly.foster": (f, "fostering_weekly"),
        "placements.weekly.residential": (r, "residential_weekly"),
        TOTAL: (placement + other, "looked_after_weekly")})
    if not share_e * lo_lac <= other <= hi_lac:
        warnings["looked_after_other_weekly"] = (
            f"{money(other)} a child-week is outside {money(share_e * lo_lac)}-"
            f"{money(hi_lac)}, "
            f"England's share ({share_e:.0%}) of the lowest (1st percentile) cost a "
            f"child-week of councils in {fy} to the highest (99th)")
    fam = figs.get("family_support_spend", fy)
    sure = figs.get("sure_start_spend", fy)
    early_help = max(MIN_EARLY_HELP, sum(0 if math.isnan(x.value) else x.value
                                         for x in (fam, sure)))
    return UnitCosts(
        fy, Rate(f, f"the fostering unit cost ({fost.note})"),
        Rate(r, f"the residential care unit cost ({resi.note})"),
        mix, mix_note, Rate(other, other_note), per_child_week,
        Rate(early_help, f"{money(early_help)} a year: {s251} family support "
                         f"{_said(fam)} + Sure Start children's centres {_said(sure)}"),
        warnings)


def _said(r: Rate) -> str:
    return "not published" if math.isnan(r.value) else f"{money(r.value)} ({r.note})"


def _check(fy: str, costs: dict[str, tuple[float, str]]) -> dict[str, str]:
    """A warning for each cost outside the 1st-99th percentile of councils' published
    ``measure`` in ``fy``."""
    out = {}
    for field, (value, measure) in costs.items():
        lo, hi = published_range(measure, fy)
        if not lo <= value <= hi:
            col = dfe.measures().loc[measure, "column"]
            out[field] = (f"{money(value)} a week is outside {money(lo)}-{money(hi)}, the "
                          f"1st-99th percentile of councils' published {col} ({fy})")
    return out
