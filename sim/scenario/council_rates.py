"""Estimating a council's rates from its published DfE figures, for ``sim init``.

``estimate_rates(name, year)`` reads the council's figures for the year to 31 March
``year`` (the workforce at the 30 September before it, money from the S251 outturn of the
financial year ending then) and returns them, with the rates that are not published, as a
``CouncilRates``: plain numbers, each with a note of its source for the scenario's comments.
``council.py`` writes the scenario from it.

How the rates that are not published are set (see also ``sim calibrate``):

* each stock starts at its steady state: a stage's mean duration is its stock divided by
  its starts (Little's law), so with no change the service stays where it was — on this
  data "same as last year" is the forecast to beat;
* the referral level is the latest year's, with no trend of its own (a council's own trend
  forecast worse than none over 2016-18); it wanders from year to year as councils' levels
  have (``referral_level.py``);
* assessments take the lognormal time that, with England's published spread, gives the
  council's published share completed within 45 working days (``assessment_timing.py``);
  the assessments under way at the start are their steady state, the rest of the children
  in need on plans;
* the pathway shares are solved from referrals, child-protection starts and looked-after
  starts, with moves between stages from the West Sussex baseline (assumption);
* the case holders are the census's (agency included), and its cases over the model's
  open cases put the model's caseload on its definition (``measurement.py``);
* vacancies are filled at the rate that keeps them at the published level, given leavers;
* unit costs are the S251 outturn's, checked against councils' published ranges
  (``council_costs.py``);
* the spreads of councils' year-on-year changes in the years before ``year`` size the
  uncertain effects the scenario writes (``council.py``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from sim.data import dfe
from sim.periods import ASSESSMENT_LIMIT_DAYS, fy_ending
from sim.scenario.assessment_timing import ENGLAND_LOG_SD, Timing, share_within, solve_mean
from sim.scenario.council_costs import Rate, UnitCosts, unit_costs
from sim.scenario.referral_level import Level, referral_level

# ---- moves between stages and the placement mix (assumptions, as in scenarios/baseline.yaml)
CIN_TO_CP, CIN_TO_CLA = 0.05, 0.01  # where a child-in-need plan goes when it ends
CP_TO_CIN, CP_TO_CLA = 0.45, 0.12  # where a protection plan goes when it ends

# ---- assessment outcomes, solved from referrals and the starts of plans and care
MAX_NOT_IN_NEED_SHARE = 0.85  # assumption: at most this share of assessments ends with no plan
MIN_ROUTE_SHARE = 0.002  # to CP or care straight from assessment, at least: the route stays open
PATHWAY_ROUNDS = 50  # fixed-point rounds: moves from CIN are 6%, so each cuts the error ~16-fold
MIN_CIN_SHARE = 0.05  # child in need, at least: the not-in-need share gives way if needed

# ---- durations by Little's law: stock / starts a year x days a year
COUNT_DAYS_PER_YEAR = 365  # as sim init has always used (365.25 would move every mean 0.07%)
DURATION_BOUNDS = {  # days, a stage's mean (assumption): an odd stock or count stays plausible
    "assessment": (15, 150), "cin": (30, 900), "cp": (60, 900), "cla": (180, 3000)}
MIN_CIN_PLANS_SHARE = 0.1  # of children in need, at least, are on CIN plans (not CP/CLA)
ASSESSMENT_SD_SHARE = 0.6  # the sd of assessments, of the mean, if no timeliness is published

# ---- the social work workforce at 30 September
AGENCY_ENGAGE_DAYS = 21  # mean days to engage an agency worker (assumption)
AGENCY_STAY_DAYS = 180  # mean days an agency worker stays (assumption)
MIN_CASE_HOLDING_POSTS = 5  # a service has a team at least
NEWLY_QUALIFIED_SHARE = 0.12  # of permanent case holders (assumption)
MIN_LEAVING_HAZARD = 0.01  # a year: a published turnover of 0 is a gap, not a promise
MIN_CAP = 18  # census cases a worker holds at most, or CAP_ABOVE_CASELOAD x the caseload
# (assumption); the model's cap is that over the census cases per model case
CAP_ABOVE_CASELOAD = 1.1
TIME_TO_HIRE_DAYS = 100.0  # mean days from a recruitment round to starting (assumption)
ROUND_INTERVAL_DAYS = 30.0  # days between recruitment rounds (assumption)
FILL_BOUNDS = (0.05, 0.95)  # chance a round fills a vacancy: never never, never surely

# ---- spreads of year-on-year change, for the uncertain effects
SPREAD_YEARS = 3  # changes over the three years to the start

CP_BAND_MEASURES = {  # duration bands of protection plans open at 31 March (d5)
    "up_to_3m": "cp_up_to_3m_pct", "m3_to_6m": "cp_3_6m_pct", "m6_to_12m": "cp_6_12m_pct",
    "y1_to_2y": "cp_1_2y_pct", "over_2y": "cp_over_2y_pct"}


@dataclass(frozen=True)
class DemandRates:
    referrals: Rate  # a year: the latest year's
    rereferral_share: Rate
    outcomes: dict[str, float]  # of assessments, rounded to 4 places, adding up to 1
    outcomes_note: str
    cin_starts: float  # child-in-need plans a year, from assessments and ended CP plans


@dataclass(frozen=True)
class StartState:
    """The service at 31 March, just before the start."""

    assessments: Rate  # under way: referrals x their mean duration
    cin_plans: Rate  # children in need less those in assessment, on CP or looked after
    cp_plans: Rate
    looked_after: Rate
    cp_bands_pct: dict[str, float]  # rounded to 2 places
    cp_bands_note: str


@dataclass(frozen=True)
class MeanDurations:
    """Mean days in each stage (assessments: ``assessment_timing.py``; the others by
    Little's law), each with how it was found; and the sd of assessments."""

    assessment: Rate  # rounded to 1 place, as written
    cin: Rate
    cp: Rate
    cla: Rate
    assessment_sd: Rate


@dataclass(frozen=True)
class WorkforceRates:
    posts_case_holding: Rate
    posts_non_case_holding: Rate
    case_holding: dict[str, int]  # experienced, newly_qualified, agency in post
    case_holding_note: str
    non_case_holding: dict[str, int]
    non_case_holding_note: str
    caseload_cap: int  # in the model's cases: the census caseload's cap / cases per case
    leaving_hazard: Rate  # a year, experienced workers
    vacancies: float  # FTE
    fill_probability: Rate
    agency_cover: Rate  # share of vacancies covered by agency workers
    additional_agency: int  # agency FTE beyond the vacancies
    census_cases_per_case: Rate  # the census's cases held over the model's open cases
    caseload: float  # the census's, at 30 September


@dataclass(frozen=True)
class Spreads:
    """Spreads (as sds) of councils' year-on-year changes before the start: relative for
    counts, in points for the turnover rate (%)."""

    referrals: float
    turnover_points: float
    looked_after: float
    cp_plans: float


@dataclass(frozen=True)
class CouncilRates:
    """Everything ``sim init`` writes about a council, before it is written."""

    council: str  # as published
    year: int  # the scenario starts on 1 April of it
    demand: DemandRates
    start: StartState
    durations: MeanDurations
    workforce: WorkforceRates
    spreads: Spreads
    costs: UnitCosts
    notes: tuple[str, ...]  # fallbacks and adjustments, for the terminal and the header
    level: Level  # how the referral level wanders (referral_level.py)


class _Figures:
    """Reads a council's figures, keeping a note of every fallback."""

    def __init__(self, council: str) -> None:
        self.council = council
        self.notes: list[str] = []

    def get(self, measure: str, period: str, required: bool = True) -> Rate:
        f = dfe.figure(self.council, measure, period)
        if f.fallback:
            self.notes.append(f"{measure} {period}: {f.note}")
        if math.isnan(f.value) and required:
            m = dfe.measures().loc[measure]
            if math.isnan(dfe.figure("England", measure, period, fallback=False).value):
                raise ValueError(f"{self.council} {period}: {measure} is not published for "
                                 f"{period} for any council nor England ({m.file})")
            raise ValueError(f"{self.council}: no {measure} for {period}, nor a regional or "
                             "England figure to fall back on (nor a child population to "
                             "scale it by)")
        return Rate(f.value, f.note)

    def mean_days(self, stock: Rate, starts: Rate, measures: tuple[str, str], period: str,
                  stage: str) -> Rate:
        """A stage's mean duration by Little's law (stock / starts a year), or its region's
        (then England's) where the council published no starts (a tiny council's 0)."""
        if starts.value > 0:
            return Rate(_mean_days(stock.value, starts.value, stage),
                        f"{stock.value:g} at 31 March / {starts.value:g} starts a year")
        for other in (dfe.region_of(self.council), "England"):
            st, sa = (dfe.figure(other, m, period, fallback=False).value for m in measures)
            if sa > 0 and not math.isnan(st):
                self.notes.append(f"{stage} duration {period}: {self.council} published "
                                  f"{starts.value:g} starts; {other}'s stock over starts used")
                return Rate(_mean_days(st, sa, stage),
                            f"fallback: {self.council} published {starts.value:g} starts; "
                            f"{other}'s {st:g} at 31 March / {sa:g} starts a year")
        raise ValueError(f"{self.council}: no {measures[1]} for {period} to find how long "
                         f"{stage} lasts, nor a regional or England figure")

    def cp_bands(self, period: str) -> tuple[dict[str, float], str]:
        """The council's CP duration bands (%, adding up to 100), or its region's or
        England's where any band is suppressed: bands are never mixed across areas."""
        def of(area: str) -> dict[str, float]:
            return {k: dfe.figure(area, m, period, fallback=False).value
                    for k, m in CP_BAND_MEASURES.items()}

        bands = of(self.council)
        note = f"d5_cpps_at31march_by_duration, {self.council}, time_period {period}"
        if any(math.isnan(v) for v in bands.values()):
            for other in (dfe.region_of(self.council), "England"):
                bands = of(other)
                if not any(math.isnan(v) for v in bands.values()):
                    self.notes.append(f"CP duration bands {period}: {self.council}'s "
                                      f"suppressed; {other}'s used")
                    note = f"fallback: {other}'s bands (d5, time_period {period})"
                    break
            else:
                raise ValueError(f"{self.council}: no CP duration bands for {period}, nor a "
                                 "regional or England set to fall back on")
        total = sum(bands.values())
        return {k: round(100 * v / total, 2) for k, v in bands.items()}, note


@functools.cache
def year_on_year_spread(measure: str, year: int, relative: bool = True) -> float:
    """The spread (median absolute deviation, as an sd) of councils' year-on-year changes of
    a measure over the ``SPREAD_YEARS`` years to ``year``: relative changes or changes in
    points."""
    p = dfe.by_council(measure)
    changes = []
    for y in range(year - SPREAD_YEARS + 1, year + 1):
        a, b = str(y - 1), str(y)
        if a in p and b in p:
            d = (p[b] / p[a] - 1) if relative else (p[b] - p[a])
            changes.append(d.replace([np.inf, -np.inf], np.nan).dropna())
    if not changes:
        return float("nan")
    return dfe.robust_sd(np.concatenate([c.to_numpy() for c in changes]))


def solve_outcomes(referrals: float, not_in_need: float, cp_starts: float, cla_starts: float
                   ) -> tuple[float, float, float, str | None]:
    """Shares of assessments going to CIN, CP and care (the rest are not in need) such that
    referrals and the moves between stages (``CIN_TO_CP`` ...) give the published CP and
    care starts; and a note if the not-in-need share had to give way. ``not_in_need`` is
    the published share (not in need + no further action), as a fraction."""
    p_nin = min(MAX_NOT_IN_NEED_SHARE, not_in_need)
    p_cp = p_cla = 0.0
    # CIN starts depend on the shares, and CP and care starts on CIN starts: iterate
    for _ in range(PATHWAY_ROUNDS):
        p_cin = 1 - p_nin - p_cp - p_cla
        s_cin = referrals * p_cin + CP_TO_CIN * cp_starts
        p_cp = max(MIN_ROUTE_SHARE, (cp_starts - CIN_TO_CP * s_cin) / referrals)
        p_cla = max(MIN_ROUTE_SHARE,
                    (cla_starts - CIN_TO_CLA * s_cin - CP_TO_CLA * cp_starts) / referrals)
    p_cin = 1 - p_nin - p_cp - p_cla
    note = None
    if p_cin < MIN_CIN_SHARE:
        note = (f"pathway: not-in-need share cut from {p_nin:.3f} to leave "
                f"{MIN_CIN_SHARE:.0%} child in need")
        p_nin = 1 - MIN_CIN_SHARE - p_cp - p_cla
        p_cin = MIN_CIN_SHARE
    return p_cin, p_cp, p_cla, note


def _mean_days(stock: float, starts: float, stage: str) -> float:
    lo, hi = DURATION_BOUNDS[stage]
    return float(np.clip(stock / starts * COUNT_DAYS_PER_YEAR, lo, hi))


def estimate_rates(name: str, year: int) -> CouncilRates:
    """Council ``name``'s published figures for the year to 31 March ``year`` and the
    rates ``sim init`` derives from them. Raises ``dfe.UnknownCouncil`` for an unknown
    name, and ValueError where a figure needed is missing with nothing to fall back on."""
    la = dfe.resolve(name)
    y, fy = str(year), fy_ending(year)
    figs = _Figures(la)
    refs = figs.get("referrals", y)
    reref = figs.get("rereferral_pct", y)
    nin = figs.get("not_in_need_pct", y)
    nfa = figs.get("nfa_pct", y, required=False).value
    nfa = 0.0 if math.isnan(nfa) else nfa
    cin31 = figs.get("cin_31mar", y)
    awaiting = figs.get("awaiting_assessment", y)
    cp31 = figs.get("cp_31mar", y)
    cp_starts_rate = figs.get("cp_starts", y)
    cla31 = figs.get("cla_31mar", y)
    cla_starts_rate = figs.get("cla_starts", y)
    cp_starts, cla_starts = cp_starts_rate.value, cla_starts_rate.value
    bands, band_note = figs.cp_bands(y)

    r = refs.value
    p_cin, p_cp, p_cla, adjusted = solve_outcomes(r, (nin.value + nfa) / 100, cp_starts,
                                                  cla_starts)
    if adjusted:
        figs.notes.append(adjusted)
    s_cin = r * p_cin + CP_TO_CIN * cp_starts
    shares = {k: round(v, 4) for k, v in (("cin", p_cin), ("cp", p_cp), ("cla", p_cla))}
    shares["not_in_need"] = round(1 - sum(shares.values()), 4)
    demand = DemandRates(
        refs, Rate(reref.value / 100, reref.note), shares,
        f"not in need: {nin.note} (+ no further action, {nfa:g}%); the rest solved from "
        f"referrals, CP starts ({cp_starts:g}) and CLA starts ({cla_starts:g})", s_cin)

    timing, assess_note, sd_note = _assessment_timing(figs, y, awaiting.value, r)
    # the assessments under way at the start: their steady state (Little's law), so the
    # children in need at 31 March are split between assessments and plans as the
    # durations hold them
    assessing = round(r * timing.mean / COUNT_DAYS_PER_YEAR)
    others = assessing + cp31.value + cla31.value
    cin_plans = max(MIN_CIN_PLANS_SHARE * cin31.value, cin31.value - others)
    if cin_plans + others > cin31.value:
        figs.notes.append(f"children in need at the start: {cin_plans + others:.0f}, not the "
                          f"published {cin31.value:g}: the assessments under way "
                          f"({assessing}), CP and CLA leave under "
                          f"{MIN_CIN_PLANS_SHARE:.0%} on CIN plans")
    start = StartState(
        Rate(assessing, f"{r:g} referrals a year x {timing.mean:.1f} days (Little's law)"),
        Rate(cin_plans, f"{cin31.note}, less the others"), cp31, cla31, bands, band_note)
    durations = MeanDurations(
        Rate(round(timing.mean, 1), assess_note),
        Rate(_mean_days(cin_plans, s_cin, "cin"),
             f"{cin_plans:g} CIN plans / {s_cin:.0f} starts a year"),
        figs.mean_days(cp31, cp_starts_rate, ("cp_31mar", "cp_starts"), y, "cp"),
        figs.mean_days(cla31, cla_starts_rate, ("cla_31mar", "cla_starts"), y, "cla"),
        Rate(round(timing.sd, 1), sd_note))

    workforce = _workforce(figs, y, assessing + cin_plans + cp31.value + cla31.value)
    spreads = Spreads(year_on_year_spread("referrals", year),
                      year_on_year_spread("turnover_rate", year, relative=False),
                      year_on_year_spread("cla_31mar", year),
                      year_on_year_spread("cp_31mar", year))
    costs = unit_costs(figs, fy, year, cla31)
    return CouncilRates(la, year, demand, start, durations, workforce, spreads, costs,
                        tuple(figs.notes), referral_level(la, year))


def _assessment_timing(figs: _Figures, y: str, awaiting: float, referrals: float
                       ) -> tuple[Timing, str, str]:
    """The lognormal of assessment durations that puts the year's published share within 45
    working days, with England's spread (``assessment_timing.py``), and the notes on its
    mean and sd; where no share is published, the mean from Little's law on those awaiting
    assessment and an sd of ``ASSESSMENT_SD_SHARE`` x the mean (assumption)."""
    timely = figs.get("assessment_timeliness_pct", y, required=False)
    bounds = DURATION_BOUNDS["assessment"]
    if math.isnan(timely.value):
        m = _mean_days(awaiting, referrals, "assessment")
        sd = ASSESSMENT_SD_SHARE * m
        figs.notes.append(f"assessment_timeliness_pct {y}: not published; assessment mean "
                          f"by Little's law, sd {ASSESSMENT_SD_SHARE:g} x it (assumption)")
        return (Timing(m, sd, share_within(m, sd), True), f"{awaiting:g} awaiting assessment / "
                f"{referrals:g} referrals a year (Little's law)", "assumption")
    t = solve_mean(timely.value, bounds)
    within = f"{t.share_pct:.1f}% within {ASSESSMENT_LIMIT_DAYS:g} days"
    if t.clipped:
        figs.notes.append(
            f"assessment mean: the published {timely.value:g}% within 45 working days ({y}) "
            f"needs a mean outside {bounds[0]:g}-{bounds[1]:g} days; at the bound, "
            f"{within}")
    return (t, f"{timely.value:g}% of assessments within 45 working days ({timely.note}) "
               f"with England's spread: {within}" + (" (clipped: see the header)"
                                                     if t.clipped else ""),
            f"England's log-sd {ENGLAND_LOG_SD:g} (DfE C2 2025 quartiles 17, 33, 43 working "
            "days)")


def _workforce(figs: _Figures, y: str, open_cases: float) -> WorkforceRates:
    """Posts and workers by role from the 30 September figures: the census's case holders
    (agency included) in case-holding posts, the rest of the establishment
    non-case-holding; and how many census cases one of the model's ``open_cases`` stands
    for (``measurement.census_cases_per_case``)."""
    inpost = figs.get("inpost_fte", y)
    vac = figs.get("vacancy_fte", y)
    agency = figs.get("agency_fte", y)
    turnover = figs.get("turnover_rate", y)
    caseload = figs.get("caseload_per_fte", y)
    holders_fte = figs.get("case_holders_fte", y)
    cases = figs.get("cases", y)
    leavers = figs.get("leavers_fte", y)
    i, v, a = inpost.value, vac.value, agency.value
    establishment = round(i + v)
    vac_posts = max(0, establishment - round(i))
    holders = max(MIN_CASE_HOLDING_POSTS, round(holders_fte.value))
    # agency posts are empty while a replacement is engaged (about 21 of every 201 days):
    # aim for that many more, so the published number is the one in post on average
    agency_aim = a * (1 + AGENCY_ENGAGE_DAYS / AGENCY_STAY_DAYS)
    extra_agency = max(0, round(agency_aim - v))
    # case-holding posts such that the census's case holders are the steady state (vacancies
    # at the council's rate in every role, covered evenly, agency beyond them case holding)
    extra_in_post = extra_agency * AGENCY_STAY_DAYS / (AGENCY_STAY_DAYS + AGENCY_ENGAGE_DAYS)
    covering = max(0.0, a - extra_in_post)
    per_holder = (i + v) / (i + covering) if i + covering > 0 else 1.0
    ch_posts = int(np.clip(round((holders - extra_in_post) * per_holder),
                           MIN_CASE_HOLDING_POSTS, establishment))
    ch_perm = min(round(i), round(ch_posts * (1 - vac_posts / max(establishment, 1))))
    ch_agency = int(np.clip(holders - ch_perm, 0, min(round(a), ch_posts - ch_perm
                                                       + extra_agency)))
    nch_posts = establishment - ch_posts
    nch_perm = max(0, min(nch_posts, round(i) - ch_perm))
    nq = round(NEWLY_QUALIFIED_SHARE * ch_perm)
    nch_agency = max(0, min(round(a) - ch_agency, nch_posts - nch_perm))
    cover = float(np.clip(agency_aim / v, 0, 1)) if v > 0 else 1.0
    # vacancies filled at the rate that keeps them steady: V = leavers x time to fill
    fill = float(np.clip((TIME_TO_HIRE_DAYS + ROUND_INTERVAL_DAYS / 2) / COUNT_DAYS_PER_YEAR
                         * max(leavers.value, 1) / max(v, 1), *FILL_BOUNDS))
    per_case = cases.value / open_cases if open_cases > 0 else 1.0
    cap_census = max(MIN_CAP, caseload.value * CAP_ABOVE_CASELOAD)
    return WorkforceRates(
        Rate(ch_posts, f"case holders {holders_fte.value:g} FTE ({holders_fte.note}), less "
                       "agency beyond vacancies"),
        Rate(nch_posts, f"in post + vacancies {v:g} ({vac.note}), less case-holding posts"),
        {"experienced": ch_perm - nq, "newly_qualified": nq, "agency": ch_agency},
        f"in post {i:g} FTE ({inpost.note}); {ch_perm + ch_agency} of them and agency are "
        f"the census's {holders_fte.value:g} FTE case holders; "
        f"{NEWLY_QUALIFIED_SHARE:.0%} newly qualified (assumption)",
        {"experienced": nch_perm, "newly_qualified": 0, "agency": nch_agency},
        f"agency {a:g} ({agency.note})",
        max(1, math.ceil(cap_census / per_case - 1e-9)),
        Rate(max(MIN_LEAVING_HAZARD, turnover.value / 100),
             f"turnover {turnover.value:g}% ({turnover.note})"),
        v,
        Rate(fill, f"keeps vacancies near {v:g} with {leavers.value:g} leavers a year "
                   f"({leavers.note})"),
        Rate(cover, f"agency {a:g} FTE against vacancies {v:g} FTE, "
                    f"+{AGENCY_ENGAGE_DAYS / AGENCY_STAY_DAYS:.0%} for the days between "
                    "engagements"),
        extra_agency,
        Rate(round(per_case, 4), f"{cases.value:g} cases held ({cases.note}) / {open_cases:g} "
                                 "cases open in the model at the start"),
        caseload.value)
