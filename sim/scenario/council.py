"""A baseline scenario for any English council, from its published figures.

``council_scenario(name, year)`` writes the YAML of a scenario starting on 1 April of
``year`` from the council's own DfE figures for that year: referrals and re-referrals,
outcomes of assessment, the stocks of children in need, on protection plans (with their
duration bands) and looked after, their starts and ceases, the social work workforce at 30
September, and S251 unit costs. Every figure carries a comment naming its source file, row
and year, or the fallback (region, then England) used where it was missing.

The rates are estimated in ``council_rates.py``; this module writes them. What it adds is
the uncertain effects for the forecast: the referral trend, the leaving hazard and the
durations of protection plans and care are drawn per replication with the spread of
councils' year-on-year changes in the three years before ``year``, so the intervals carry
what history says a year can bring. The values the template writes as they are (salaries,
notice periods, ...) carry their source in the comment written beside them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

from sim.data.sources import effect_ranges
from sim.scenario.assessment_timing import pace_sd
from sim.scenario.council_costs import OTHER_PLACEMENT_WEEKLY, TOTAL, money
from sim.scenario.council_rates import (
    AGENCY_ENGAGE_DAYS,
    AGENCY_STAY_DAYS,
    CAP_ABOVE_CASELOAD,
    CIN_TO_CLA,
    CIN_TO_CP,
    CP_TO_CIN,
    CP_TO_CLA,
    MIN_CAP,
    ROUND_INTERVAL_DAYS,
    SPREAD_YEARS,
    TIME_TO_HIRE_DAYS,
    CouncilRates,
    Rate,
    estimate_rates,
)
from sim.scenario.demand import AssessmentOutcomes, StageDurations, Transitions
from sim.scenario.rereferrals import MAX_CHANCE, return_delay, solve_chance
from sim.scenario.worker_change_rates import ABSENCE_DAYS, REBALANCE_SHARE, relative_absence
from sim.scenario.workforce_shocks import workforce_shocks
from sim.scenario.yaml_writer import Commented as C
from sim.scenario.yaml_writer import emit

SEASONALITY = [1.00, 1.00, 1.05, 0.95, 1.05, 1.05, 1.00, 0.85, 1.00, 1.10, 1.05, 0.90]
"""Monthly referral multipliers, January first (assumption, as in scenarios/baseline.yaml)."""

HORIZON_YEARS = 5  # assumption: five years ahead
REPLICATIONS = 20  # assumption: enough for 95% intervals
SEED_START = 401  # the seed is the start date's digits: year x 10,000 + 401 (1 April)

# ---- uncertain effects, sized by the spread of councils' year-on-year changes
MIN_SPREAD = 0.01  # a spread of (near) zero would make an effect certain
CP_DURATION_SPREAD = 1.3  # x the spread of CP plans: a stock follows durations only partly
CLA_DURATION_SPREAD = 2.0  # x the spread of CLA: long stays, so the stock follows slowly
MIN_HAZARD_SD = 0.005  # a year: the leaving hazard's sd, at least

# ---- duration sds as a share of the mean (assumption; assessments: council_rates.py)
DURATION_SD_SHARE = {"cin": 0.8, "cp": 0.7, "cla": 1.1}

# ---- the workforce template (assumptions)
NQ_HAZARD_RATIO = 1.2  # newly qualified workers leave this much more often than experienced
NQ_CAP_SHARE = 0.55  # a newly qualified worker's cap, of an experienced worker's
MIN_NQ_CAP = 5
MIN_BATCH = 5  # vacancies advertised in a round, at least


@dataclass
class Built:
    yaml: str
    notes: list[str] = field(default_factory=list)  # fallbacks, clips: said on the terminal
    warnings: list[str] = field(default_factory=list)  # costs outside the published range


def council_scenario(name: str, year: int) -> Built:
    """The YAML of a baseline scenario for council ``name`` from 1 April ``year``."""
    rates = estimate_rates(name, year)
    return Built(scenario_yaml(rates), list(rates.notes), _warnings(rates))


def _warnings(rates: CouncilRates) -> list[str]:
    return [f"costs.{k}: {v}" for k, v in rates.costs.warnings.items()]


# read once in a process: the same for every council (sim init --all-councils, the tests)
_ranges = functools.cache(effect_ranges)
_pace_sd = functools.cache(pace_sd)
_workforce_shocks = functools.cache(workforce_shocks)


def _c(rate: Rate, value: Any = None, more: str = "") -> C:
    """A rate's value (or ``value``) commented with its note (and ``more``)."""
    return C(rate.value if value is None else value, rate.note + more)


def _evidence(parameter: str) -> C:
    """An uncertain effect's range as docs/evidence.md gives it (sim/data/effect_ranges.yaml),
    commented with its row."""
    r = _ranges()[parameter]
    return C(dict(r["dist"]), f"evidence: {r['row']} (docs/evidence.md#{r['row']})")


def _multiplier(sd: float) -> dict[str, Any]:
    return {"dist": "lognormal", "mean": 1, "sd": round(max(sd, MIN_SPREAD), 4)}


def _duration(rate: Rate, stage: str, **more: Any) -> dict[str, Any]:
    mean = rate.value
    return {"dist": "lognormal", "mean": round(mean, 1),
            "sd": round(DURATION_SD_SHARE[stage] * mean, 1), **more}


def scenario_yaml(rates: CouncilRates) -> str:
    """The scenario file for ``rates``, every number commented with its source."""
    la, year = rates.council, rates.year
    years = f"{year - SPREAD_YEARS}-{year}"
    slug = "".join(ch if ch.isalnum() else "_" for ch in la.lower()).strip("_")
    doc = {
        "name": C(f"{slug}_{year}"),
        "council": C(la),
        "description": C(f"{la} from 1 April {year}: a baseline from its published figures "
                         f"(sim init)"),
        "run": {
            "start_date": C(f"{year}-04-01", "1 April of the year whose figures are used"),
            "horizon_years": C(HORIZON_YEARS, "assumption: five years ahead"),
            "seed": C(year * 10_000 + SEED_START, "any fixed number; --seed overrides"),
            "replications": C(REPLICATIONS, "assumption: enough for 95% intervals"),
        },
        "demand": _demand(rates, years),
        "initial_state": _initial_state(rates),
        "workforce": _workforce(rates, years),
        "allocation": {
            "priority": C(["cla", "cp", "cin", "assessment"]),
            "method": C("least_loaded"),
            "keep_worker": C(True),
            "team_move_after_assessment": C(True, "assumption"),
            "team_move_into_care": C(True, "assumption"),
            "rebalance_to_starters": C(REBALANCE_SHARE, "source: dfe_stability_measures_cla_2024"
                                       ": DfE's rate of 'managing caseloads' changes (sim/"
                                       "scenario/worker_change_rates.py)"),
            "assessment_clock": C("from_allocation"),
            "overflow": C({"cla": 1.5, "cp": 1.5, "cin": 1.25, "assessment": 1.1},
                          "assumption: as in scenarios/baseline.yaml"),
        },
        "interventions": _interventions(rates),
        "strain": {
            "thresholds": {"points_per_10pct": _evidence("strain.thresholds.points_per_10pct")},
            "agency": {"pct_per_10pct": _evidence("strain.agency.pct_per_10pct"),
                       "review_days": C(28, "assumption: reviewed every four weeks")},
            "establishment": {"pct_per_10pct": _evidence("strain.establishment.pct_per_10pct"),
                              "month": C(4, "assumption: posts change in April")},
            "manager_holding": C({"after_days": 14, "slowdown": 1.5},
                                 "assumption: held by a manager after two weeks, half as "
                                 "long again"),
        },
        "costs": _costs(rates),
        "measurement": {
            "census_cases_per_case": _c(rates.workforce.census_cases_per_case),
        },
    }
    header = [
        f"# {la} from 1 April {year}: written by `sim init --la \"{la}\" --year {year}`",
        "# from the DfE figures shipped in sim/data (Open Government Licence v3.0).",
        "# Each number names its source (file, council, time_period, column), the fallback",
        "# used where the council's own figure was missing, or 'assumption'.",
    ]
    if rates.notes:
        header += ["# Fallbacks and adjustments:"] + [f"#   {n}" for n in rates.notes]
    if rates.costs.warnings:
        header += ["# Warnings (a unit cost outside the range councils published that year):"
                   ] + [f"#   {w}" for w in _warnings(rates)]
    return "\n".join([*header, "", *emit(doc)]) + "\n"


def _demand(rates: CouncilRates, years: str) -> dict[str, Any]:
    demand = _paths(rates, years)
    demand["returns"] = _returns(rates, demand)
    return demand


def _paths(rates: CouncilRates, years: str) -> dict[str, Any]:
    d, dur, sp = rates.demand, rates.durations, rates.spreads
    return {
        "referrals_per_year": _c(d.referrals),
        "trend_pct_per_year": C(0, "no trend of its own: the level wanders (below)"),
        "level": C({"walk_sd": rates.level.walk_sd, "noise_sd": rates.level.noise_sd},
                   rates.level.note),
        "seasonality": C(SEASONALITY, "assumption: as in scenarios/baseline.yaml"),
        "assessment_outcomes": C(d.outcomes, d.outcomes_note),
        "transitions": {
            "cin": C({"cp": CIN_TO_CP, "cla": CIN_TO_CLA,
                      "close": round(1 - CIN_TO_CP - CIN_TO_CLA, 4)},
                     "assumption: as in scenarios/baseline.yaml"),
            "cp": C({"cin": CP_TO_CIN, "cla": CP_TO_CLA,
                     "close": round(1 - CP_TO_CIN - CP_TO_CLA, 4)}, "assumption"),
            "cla": C({"cin": 0.0, "close": 1.0}, "assumption"),
        },
        "durations": {
            "assessment": _c(dur.assessment, {
                "dist": "lognormal", "mean": dur.assessment.value,
                "sd": dur.assessment_sd.value}, f"; sd: {dur.assessment_sd.note}"),
            "cin": _c(dur.cin, _duration(dur.cin, "cin")),
            "cp": _c(dur.cp, _duration(dur.cp, "cp", multiplier=_multiplier(
                CP_DURATION_SPREAD * sp.cp_plans)),
                f"; multiplier: {CP_DURATION_SPREAD:g} x the spread of councils' year-on-year "
                f"change in CP plans {years} (a stock follows a change of durations only "
                "partly within a year)"),
            "cla": _c(dur.cla, _duration(dur.cla, "cla", multiplier=_multiplier(
                CLA_DURATION_SPREAD * sp.looked_after)),
                f"; multiplier: {CLA_DURATION_SPREAD:g} x the spread of councils' year-on-year "
                f"change in CLA {years} (stays in care are long: the stock follows slowly)"),
        },
        **_pace(rates.year),
    }


def _pace(year: int) -> dict[str, Any]:
    """A year's own pace of assessments, where two years of timeliness before ``year``
    size it."""
    try:
        pace = _pace_sd(year)
    except ValueError:
        return {}
    return {"assessment_pace_sd": C(pace.sd, pace.note)}


def _returns(rates: CouncilRates, demand: dict[str, Any]) -> dict[str, C]:
    """Children coming back, with the chance that gives the council's published re-referral
    rate in steady state on the paths of ``demand`` (``rereferrals.py``)."""
    def raw(node: Any) -> Any:
        node = node.value if isinstance(node, C) else node
        return {k: raw(v) for k, v in node.items()} if isinstance(node, dict) else node

    reref = rates.demand.rereferral_share
    delay = return_delay()
    solved = solve_chance(reref.value, AssessmentOutcomes(**raw(demand["assessment_outcomes"])),
                          Transitions.model_validate(raw(demand["transitions"])),
                          StageDurations.model_validate(raw(demand["durations"])), delay)
    clipped = f", clipped to {MAX_CHANCE:g}" if solved.clipped else ""
    return {"chance": C(round(solved.chance, 4),
                        f"solved: {reref.value:.1%} re-referrals ({reref.note}) / "
                        f"{solved.within:.3f}, the chance a return comes within 12 months of "
                        f"the previous referral{clipped} (sim/scenario/rereferrals.py)"),
            "delay": C(delay.model_dump(exclude={"multiplier"}),
                       "source: goldacre_rereferral_2025 (32% back within 12 months of "
                       "closure, 58% within six years)")}


def _initial_state(rates: CouncilRates) -> dict[str, Any]:
    s, w = rates.start, rates.workforce
    return {
        "open_cases": {
            "assessment": _c(s.assessments, int(s.assessments.value)),
            "cin": _c(s.cin_plans, round(s.cin_plans.value)),
            "cp": _c(s.cp_plans, int(s.cp_plans.value)),
            "cla": _c(s.looked_after, int(s.looked_after.value)),
        },
        "cp_duration_bands_pct": C(s.cp_bands_pct, s.cp_bands_note),
        "awaiting_allocation": C(0, "not published"),
        "workforce": {
            "case_holding": C(w.case_holding, w.case_holding_note),
            "non_case_holding": C(w.non_case_holding, w.non_case_holding_note),
            "newly_qualified_months_in_post": C({"dist": "uniform", "low": 0, "high": 12},
                                                "assumption"),
        },
    }


def _workforce(rates: CouncilRates, years: str) -> dict[str, Any]:
    w = rates.workforce
    absence = relative_absence(rates.council, rates.year)
    hazard, cap = w.leaving_hazard.value, w.caseload_cap
    turnover_sd = rates.spreads.turnover_points / 100
    hazard_sd = MIN_HAZARD_SD if math.isnan(turnover_sd) else max(turnover_sd, MIN_HAZARD_SD)
    hazard_sd_note = (f"councils' year-on-year change in turnover {years}"
                      if not math.isnan(turnover_sd) else
                      f"the least ({MIN_HAZARD_SD:g}): no year-on-year change of turnover was "
                      f"published in {years} (the workforce census starts in 2017)")
    return {
        "establishment": {
            "case_holding": _c(w.posts_case_holding),
            "non_case_holding": _c(w.posts_non_case_holding),
        },
        "caps": C({"experienced": cap,
                   "newly_qualified": max(MIN_NQ_CAP, round(cap * NQ_CAP_SHARE)),
                   "agency": cap},
                  f"assumption: {MIN_CAP}, or {CAP_ABOVE_CASELOAD - 1:.0%} above the council's "
                  f"caseload ({w.caseload:g}), census cases; over "
                  f"{w.census_cases_per_case.value:g} census cases per case (measurement)"),
        "newly_qualified": C({"asye_months": 12, "ramp_up_months": 6,
                              "ramp_up_start_share": 0.5}, "assumption"),
        "leaving": {
            "annual_hazard": {
                "experienced": _c(w.leaving_hazard, {
                    "dist": "gamma", "mean": round(hazard, 4),
                    "sd": round(hazard_sd, 4)}, f"; spread: {hazard_sd_note}"),
                "newly_qualified": C(round(hazard * NQ_HAZARD_RATIO, 4),
                                     f"assumption: {NQ_HAZARD_RATIO:g} x experienced"),
            },
            "caseload_effect_per_case": _evidence("workforce.leaving.caseload_effect_per_case"),
            "caseload_reference": C(None, "the worker's own cap"),
            "notice_days": C({"dist": "uniform", "low": 28, "high": 90}, "assumption"),
        },
        "recruitment": {
            "round_interval_days": C(ROUND_INTERVAL_DAYS, "assumption"),
            "batch_size": C(max(MIN_BATCH, round(w.vacancies)), "assumption"),
            "time_to_hire_days": C({"dist": "lognormal", "mean": TIME_TO_HIRE_DAYS, "sd": 40},
                                   "assumption"),
            "fill_probability": _c(w.fill_probability, round(w.fill_probability.value, 4)),
            "newly_qualified_share": C(0.25, "assumption"),
        },
        "cohort": C({"size": 0, "month": 9}, "no academy cohort assumed"),
        "agency": {
            "cover_share": _c(w.agency_cover, round(w.agency_cover.value, 4)),
            "additional": C(w.additional_agency, "agency FTE beyond the vacancies"),
            "time_to_engage_days": C({"dist": "lognormal", "mean": AGENCY_ENGAGE_DAYS,
                                      "sd": 10}, "assumption"),
            "stay_days": C({"dist": "lognormal", "mean": AGENCY_STAY_DAYS, "sd": 120},
                           "assumption"),
        },
        "absence": {
            "per_year": _evidence("workforce.absence.per_year"),
            "relative_rate": C(absence.rate, absence.note),
            "days": C(ABSENCE_DAYS, "assumption: cover is arranged for absences of weeks"),
        },
        **_shocks(rates.year),
    }


def _shocks(year: int) -> dict[str, Any]:
    """The workforce's year-to-year moves, where two censuses before ``year`` size them."""
    try:
        sh = _workforce_shocks(year)
    except ValueError:
        return {}
    return {"shocks": C({"establishment_sd": sh.establishment_sd, "fill_sd": sh.fill_sd,
                         "agency_cover_sd": sh.agency_cover_sd, "leaving_sd": sh.leaving_sd},
                        sh.note)}


def _interventions(rates: CouncilRates) -> dict[str, Any]:
    year = rates.year
    return {
        "retention": {
            "annual_spend": C(0, "baseline: no retention payments"),
            "start": C(f"{year}-04-01", "when payments would start"),
            "end": C(f"{year + 2}-03-31", "and end"),
            "clawback": C({"months": 12, "share": 0.5}, "assumption"),
            "reference_payment": C(3000, "assumption: West Sussex's £15k over five years "
                                   "(source: onestopsocial_west_sussex_retention_2018)"),
            "hazard_ratio": _evidence("interventions.retention.hazard_ratio"),
        },
        "early_help": {
            "base_budget": _c(rates.costs.early_help_budget,
                              round(rates.costs.early_help_budget.value)),
            "changes": C([]),
            "elasticity": _evidence("interventions.early_help.elasticity"),
            "lag_months": _evidence("interventions.early_help.lag_months"),
        },
        "establishment_changes": C([]),
        "cap_changes": C([]),
        "recruitment_campaigns": C([]),
    }


def _costs(rates: CouncilRates) -> dict[str, Any]:
    c = rates.costs
    warn = {k: f"; WARNING: {v}" for k, v in c.warnings.items()}
    f, r = c.fostering_weekly, c.residential_weekly
    weekly_note = (f"£ a week for each child placed: foster {money(f.value)}, {f.note}"
                   f"{warn.get('placements.weekly.foster', '')}; residential "
                   f"{money(r.value)}, {r.note}{warn.get('placements.weekly.residential', '')}"
                   f"; other {money(OTHER_PLACEMENT_WEEKLY)} (assumption)")
    return {
        "salary": C({"experienced": 35000, "newly_qualified": 28000},
                    "£ a year: source: communitycare_pay_foi_2018 (top of scale about £35k, "
                    "2018); newly qualified: assumption"),
        "on_cost_share": C(0.30, "assumption: employer's on-costs, 30% of salary"),
        "agency_weekly": C(1067, "£1,067 a week per agency worker: source: "
                           "communitycare_pay_foi_2018 (£6k a year more) and assumption (to "
                           "£14k): (35,000 x 1.3 + 10,000) / 52"),
        "recruitment_per_hire": C(5000, "£5,000 a hire: assumption"),
        "academy_per_newly_qualified": C(6000, "£6,000 a newly qualified worker: assumption"),
        "placements": {
            "mix": C(c.mix, f"shares of placements: {c.mix_note}"),
            "weekly": C({"foster": round(f.value), "residential": round(r.value),
                         "other": OTHER_PLACEMENT_WEEKLY}, weekly_note),
        },
        "looked_after_other_weekly": C(
            round(c.looked_after_other_weekly.value),
            c.looked_after_other_weekly.note + warn.get("looked_after_other_weekly", "")
            + warn.get(TOTAL, "")),
        "pay_award_pct": C({"default": 2.0}, "% a year: assumption"),
        "inflation_pct": C({"default": 2.0}, "% a year: assumption"),
        "placement_inflation_pct": C({"default": 3.0}, "% a year: assumption"),
        "discount_rate_pct": C(3.5, "% a year: HM Treasury Green Book"),
    }
