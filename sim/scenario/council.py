"""A baseline scenario for any English council, from its published figures.

``council_scenario(name, year)`` writes the YAML of a scenario starting on 1 April of
``year`` from the council's own DfE figures for that year: referrals and re-referrals,
outcomes of assessment, the stocks of children in need, on protection plans (with their
duration bands) and looked after, their starts and ceases, the social work workforce at 30
September, and S251 unit costs. Every figure carries a comment naming its source file, row
and year, or the fallback (region, then England) used where it was missing.

How the rates that are not published are set (see also ``sim calibrate``):

* each stock starts at its steady state: a stage's mean duration is its stock divided by
  its starts (Little's law), so with no change the service stays where it was — on this
  data "same as last year" is the forecast to beat;
* the referral level is the latest year's, with no trend of its own (a council's own trend
  forecast worse than none over 2016-18);
* the pathway shares are solved from referrals, child-protection starts and looked-after
  starts, with moves between stages from the West Sussex baseline (assumption);
* vacancies are filled at the rate that keeps them at the published level, given leavers;
* uncertain effects for the forecast: the referral trend, the leaving hazard and the
  durations of protection plans and care are drawn per replication with the spread of
  councils' year-on-year changes in the three years before ``year``, so the intervals
  carry what history says a year can bring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.data import dfe

SEASONALITY = [1.00, 1.00, 1.05, 0.95, 1.05, 1.05, 1.00, 0.85, 1.00, 1.10, 1.05, 0.90]
# moves between stages (assumption, as in scenarios/baseline.yaml)
CIN_TO_CP, CIN_TO_CLA = 0.05, 0.01
CP_TO_CIN, CP_TO_CLA = 0.45, 0.12
PLACEMENT_MIX = {"foster": 0.72, "residential": 0.13, "other": 0.15}
OTHER_PLACEMENT_WEEKLY = 800.0


@dataclass
class C:
    """A value with its comment."""

    value: Any
    comment: str = ""


@dataclass
class Built:
    yaml: str
    notes: list[str] = field(default_factory=list)  # fallbacks, clips: said on the terminal


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, float):
        if math.isnan(v):
            raise ValueError("a missing value reached the scenario")
        return f"{v:.6g}" if abs(v) < 1e6 else f"{v:.0f}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, str) and (not v or any(ch in v for ch in ":#{}[],&*!|>'\"%@`")):
        return '"' + v.replace('"', "'") + '"'
    return str(v)


def emit(node: dict, indent: int = 0) -> list[str]:
    """Block YAML with a comment on each line that has one; small mappings (distributions)
    and lists in flow style."""
    out = []
    pad = "  " * indent
    for key, v in node.items():
        comment = ""
        if isinstance(v, C):
            v, comment = v.value, v.comment
        if isinstance(v, dict) and not _flow(v):
            out.append(f"{pad}{key}:" + (f"  # {comment}" if comment else ""))
            out.extend(emit(v, indent + 1))
        else:
            line = f"{pad}{key}: {_fmt(_plain(v))}"
            out.append(line + (f"  # {comment}" if comment else ""))
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, C):
        return _plain(v.value)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _flow(d: dict) -> bool:
    return "dist" in d or (all(not isinstance(x, dict | C) for x in d.values()) and len(d) <= 5)


def _spread(measure: str, year: int, relative: bool = True) -> float:
    """The spread (median absolute deviation, as an sd) of councils' year-on-year changes of
    a measure over the three years to ``year``: relative changes or changes in points."""
    t = dfe.table()
    p = t[(t.level == "la") & (t.measure == measure)].pivot_table(
        index="area", columns="period", values="value")
    changes = []
    for y in range(year - 2, year + 1):
        a, b = str(y - 1), str(y)
        if a in p and b in p:
            d = (p[b] / p[a] - 1) if relative else (p[b] - p[a])
            changes.append(d.replace([np.inf, -np.inf], np.nan).dropna())
    if not changes:
        return float("nan")
    x = np.concatenate([c.to_numpy() for c in changes])
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def council_scenario(name: str, year: int) -> Built:
    """The YAML of a baseline scenario for council ``name`` from 1 April ``year``."""
    la = dfe.resolve(name)
    y, fy = str(year), f"{year - 1}-{year % 100:02d}"
    notes: list[str] = []

    def get(measure: str, period: str = y, required: bool = True) -> tuple[float, str]:
        f = dfe.figure(la, measure, period)
        if f.fallback:
            notes.append(f"{measure} {period}: {f.note}")
        if math.isnan(f.value) and required:
            raise ValueError(f"{la}: no {measure} for {period}, nor a regional or England "
                             "figure to fall back on")
        return f.value, f.note

    refs, n_refs = get("referrals")
    reref, n_reref = get("rereferral_pct")
    nin, n_nin = get("not_in_need_pct")
    nfa, _ = get("nfa_pct", required=False)
    nfa = 0.0 if math.isnan(nfa) else nfa
    cin31, n_cin31 = get("cin_31mar")
    awaiting, n_await = get("awaiting_assessment")
    cp31, n_cp31 = get("cp_31mar")
    cp_starts, _ = get("cp_starts")
    cla31, n_cla31 = get("cla_31mar")
    cla_starts, _ = get("cla_starts")
    bands = {}
    for key, m in (("up_to_3m", "cp_up_to_3m_pct"), ("m3_to_6m", "cp_3_6m_pct"),
                   ("m6_to_12m", "cp_6_12m_pct"), ("y1_to_2y", "cp_1_2y_pct"),
                   ("over_2y", "cp_over_2y_pct")):
        bands[key] = dfe.figure(la, m, y, fallback=False).value
    if any(math.isnan(v) for v in bands.values()):
        region = dfe.region_of(la)
        for other in (region, "England"):
            alt = {k: dfe.figure(other, m, y, fallback=False).value for k, m in (
                ("up_to_3m", "cp_up_to_3m_pct"), ("m3_to_6m", "cp_3_6m_pct"),
                ("m6_to_12m", "cp_6_12m_pct"), ("y1_to_2y", "cp_1_2y_pct"),
                ("over_2y", "cp_over_2y_pct"))}
            if not any(math.isnan(v) for v in alt.values()):
                bands = alt
                notes.append(f"CP duration bands {y}: {la}'s suppressed; {other}'s used")
                band_src = f"fallback: {other}'s bands (d5, time_period {y})"
                break
    else:
        band_src = f"d5_cpps_at31march_by_duration, {la}, time_period {y}"
    total = sum(bands.values())
    bands = {k: round(100 * v / total, 2) for k, v in bands.items()}

    # ---- pathway shares from referrals, CP starts and CLA starts
    p_nin = min(0.85, (nin + nfa) / 100)
    p_cp = p_cla = 0.0
    for _ in range(50):
        p_cin = 1 - p_nin - p_cp - p_cla
        s_cin = refs * p_cin + CP_TO_CIN * cp_starts
        p_cp = max(0.002, (cp_starts - CIN_TO_CP * s_cin) / refs)
        p_cla = max(0.002, (cla_starts - CIN_TO_CLA * s_cin - CP_TO_CLA * cp_starts) / refs)
    p_cin = 1 - p_nin - p_cp - p_cla
    if p_cin < 0.05:
        notes.append(f"pathway: not-in-need share cut from {p_nin:.3f} to leave 5% child in need")
        p_nin = 1 - 0.05 - p_cp - p_cla
        p_cin = 0.05
    s_cin = refs * p_cin + CP_TO_CIN * cp_starts
    shares = {k: round(v, 4) for k, v in
              (("cin", p_cin), ("cp", p_cp), ("cla", p_cla))}
    shares["not_in_need"] = round(1 - sum(shares.values()), 4)

    # ---- durations by Little's law (stock / starts)
    assess_mean = float(np.clip(awaiting / refs * 365, 15, 150))
    cin_plans = max(0.1 * cin31, cin31 - awaiting - cp31 - cla31)
    cin_mean = float(np.clip(cin_plans / s_cin * 365, 30, 900))
    cp_mean = float(np.clip(cp31 / cp_starts * 365, 60, 900))
    cla_mean = float(np.clip(cla31 / cla_starts * 365, 180, 3000))

    # ---- workforce (30 September of the year)
    inpost, n_inpost = get("inpost_fte")
    vac, n_vac = get("vacancy_fte")
    agency, n_agency = get("agency_fte")
    turnover, n_turn = get("turnover_rate")
    caseload, n_caseload = get("caseload_per_fte")
    leavers, n_leavers = get("leavers_fte")
    establishment = round(inpost + vac)
    holders = cin31 / caseload
    # agency posts are empty while a replacement is engaged (about 21 of every 201 days):
    # aim for that many more, so the published number is the one in post on average
    agency_aim = agency * (1 + 21 / 180)
    extra_agency = max(0, round(agency_aim - vac))
    ch_posts = int(min(establishment, max(5, round(holders - extra_agency))))
    nch_posts = establishment - ch_posts
    vac_rate = vac / (vac + inpost) if vac + inpost else 0.0
    ch_perm = min(ch_posts, round(ch_posts * (1 - vac_rate)))
    nch_perm = min(nch_posts, round(inpost) - ch_perm)
    if nch_perm < 0:
        ch_perm, nch_perm = round(inpost), 0
    nq = round(0.12 * ch_perm)
    ch_vac = ch_posts - ch_perm
    nch_vac = nch_posts - nch_perm
    ch_agency = min(round(agency), ch_vac + extra_agency)
    nch_agency = min(round(agency) - ch_agency, nch_vac)
    cover = float(np.clip(agency_aim / vac, 0, 1)) if vac > 0 else 1.0
    hazard = max(0.01, turnover / 100)
    cap = max(18, math.ceil(caseload * 1.1))
    # vacancies filled at the rate that keeps them steady: V = leavers x time to fill
    time_to_hire, interval = 100.0, 30.0
    fill = float(np.clip((time_to_hire + interval / 2) / 365 * max(leavers, 1) / max(vac, 1),
                         0.05, 0.95))

    # ---- spreads of year-on-year change before the start (uncertain effects)
    sd_ref = _spread("referrals", year)
    sd_turn = _spread("turnover_rate", year, relative=False)
    sd_cla = _spread("cla_31mar", year)
    sd_cp = _spread("cp_31mar", year)

    # ---- money (the latest S251 outturn before the start)
    fost, n_fost = get("fostering_weekly", fy)
    resi, _ = get("residential_weekly", fy)
    spend, _ = get("looked_after_spend", fy)
    cla_prev, _ = get("cla_31mar", str(year - 1))
    fam, n_fam = get("family_support_spend", fy)
    sure, _ = get("sure_start_spend", fy)
    placement = (PLACEMENT_MIX["foster"] * fost + PLACEMENT_MIX["residential"] * resi
                 + PLACEMENT_MIX["other"] * OTHER_PLACEMENT_WEEKLY)
    per_child_week = spend / ((cla_prev + cla31) / 2 * 365.25 / 7)
    other_weekly = max(0.0, per_child_week - placement)
    early_help = max(1.0, (0 if math.isnan(fam) else fam) + (0 if math.isnan(sure) else sure))

    def symmetric(sd: float, limit: float) -> dict:
        """A triangular distribution around 0 with this sd (bounded, unlike a normal)."""
        a = min(limit, max(sd, 0.01) * math.sqrt(6))
        return {"dist": "triangular", "low": round(-a, 3), "mode": 0, "high": round(a, 3)}

    def multiplier(sd: float) -> dict:
        return {"dist": "lognormal", "mean": 1, "sd": round(max(sd, 0.01), 4)}

    slug = "".join(ch if ch.isalnum() else "_" for ch in la.lower()).strip("_")
    doc = {
        "name": C(f"{slug}_{year}"),
        "council": C(la),
        "description": C(f"{la} from 1 April {year}: a baseline from its published figures "
                         f"(sim init)"),
        "run": {
            "start_date": C(f"{year}-04-01", "1 April of the year whose figures are used"),
            "horizon_years": C(5, "assumption: five years ahead"),
            "seed": C(year * 10_000 + 401, "any fixed number; --seed overrides"),
            "replications": C(20, "assumption: enough for 95% intervals"),
        },
        "demand": {
            "referrals_per_year": C(refs, n_refs),
            "trend_pct_per_year": C(symmetric(100 * sd_ref, 45),
                                    "no trend of its own; spread: councils' year-on-year "
                                    f"change in referrals {year - 3}-{year} (sim/data)"),
            "seasonality": C(SEASONALITY, "assumption: as in scenarios/baseline.yaml"),
            "rereferral_share": C(round(reref / 100, 4), n_reref),
            "assessment_outcomes": C(shares, f"not in need: {n_nin} (+ no further action, "
                                     f"{nfa:g}%); the rest solved from referrals, CP starts "
                                     f"({cp_starts:g}) and CLA starts ({cla_starts:g})"),
            "transitions": {
                "cin": C({"cp": CIN_TO_CP, "cla": CIN_TO_CLA,
                          "close": round(1 - CIN_TO_CP - CIN_TO_CLA, 4)},
                         "assumption: as in scenarios/baseline.yaml"),
                "cp": C({"cin": CP_TO_CIN, "cla": CP_TO_CLA,
                         "close": round(1 - CP_TO_CIN - CP_TO_CLA, 4)}, "assumption"),
                "cla": C({"cin": 0.0, "close": 1.0}, "assumption"),
            },
            "durations": {
                "assessment": C({"dist": "lognormal", "mean": round(assess_mean, 1),
                                 "sd": round(0.6 * assess_mean, 1)},
                                f"{awaiting:g} awaiting assessment / {refs:g} referrals a "
                                "year (Little's law); sd assumption"),
                "cin": C({"dist": "lognormal", "mean": round(cin_mean, 1),
                          "sd": round(0.8 * cin_mean, 1)},
                         f"{cin_plans:g} CIN plans / {s_cin:.0f} starts a year"),
                "cp": C({"dist": "lognormal", "mean": round(cp_mean, 1),
                         "sd": round(0.7 * cp_mean, 1), "multiplier": multiplier(1.3 * sd_cp)},
                        f"{cp31:g} plans / {cp_starts:g} starts a year; multiplier: 1.3 x the "
                        f"spread of councils' year-on-year change in CP plans {year - 3}-{year}"
                        " (a stock follows a change of durations only partly within a year)"),
                "cla": C({"dist": "lognormal", "mean": round(cla_mean, 1),
                          "sd": round(1.1 * cla_mean, 1), "multiplier": multiplier(2 * sd_cla)},
                         f"{cla31:g} looked after / {cla_starts:g} starts a year; "
                         f"multiplier: 2 x the spread of councils' year-on-year change in CLA "
                         f"{year - 3}-{year} (stays in care are long: the stock follows "
                         "slowly)"),
            },
        },
        "initial_state": {
            "open_cases": {
                "assessment": C(int(awaiting), n_await),
                "cin": C(round(cin_plans), f"{n_cin31}, less the others"),
                "cp": C(int(cp31), n_cp31),
                "cla": C(int(cla31), n_cla31),
            },
            "cp_duration_bands_pct": C(bands, band_src),
            "awaiting_allocation": C(0, "not published"),
            "recently_referred_closed": C(round(0.63 * refs), "assumption: 63% of the year's "
                                          "referrals, as in scenarios/baseline.yaml"),
            "workforce": {
                "case_holding": C({"experienced": ch_perm - nq, "newly_qualified": nq,
                                   "agency": ch_agency},
                                  f"in post {inpost:g} FTE ({n_inpost}); case holders to give "
                                  f"the published caseload; 12% newly qualified (assumption)"),
                "non_case_holding": C({"experienced": nch_perm, "newly_qualified": 0,
                                       "agency": nch_agency}, f"agency {agency:g} ({n_agency})"),
                "newly_qualified_months_in_post": C({"dist": "uniform", "low": 0, "high": 12},
                                                    "assumption"),
            },
        },
        "workforce": {
            "establishment": {
                "case_holding": C(ch_posts, f"{cin31:g} open cases / caseload {caseload:g} "
                                  f"({n_caseload}), less agency beyond vacancies"),
                "non_case_holding": C(nch_posts, f"in post + vacancies {vac:g} ({n_vac}), "
                                      "less case-holding posts"),
            },
            "caps": C({"experienced": cap, "newly_qualified": max(5, round(cap * 0.55)),
                       "agency": cap}, "assumption: 18, or 10% above the council's caseload"),
            "newly_qualified": C({"asye_months": 12, "ramp_up_months": 6,
                                  "ramp_up_start_share": 0.5}, "assumption"),
            "leaving": {
                "annual_hazard": {
                    "experienced": C({"dist": "gamma", "mean": round(hazard, 4),
                                      "sd": round(max(sd_turn / 100, 0.005), 4)},
                                     f"turnover {turnover:g}% ({n_turn}); spread: councils' "
                                     f"year-on-year change in turnover {year - 3}-{year}"),
                    "newly_qualified": C(round(hazard * 1.2, 4), "assumption: 1.2 x experienced"),
                },
                "caseload_effect_per_case": C({"dist": "triangular", "low": 0.0,
                                               "mode": 0.017, "high": 0.04},
                                              "DOMAIN.md: weak evidence, including zero"),
                "caseload_reference": C(None, "the worker's own cap"),
                "notice_days": C({"dist": "uniform", "low": 28, "high": 90}, "assumption"),
            },
            "recruitment": {
                "round_interval_days": C(interval, "assumption"),
                "batch_size": C(max(5, round(vac)), "assumption"),
                "time_to_hire_days": C({"dist": "lognormal", "mean": time_to_hire, "sd": 40},
                                       "assumption"),
                "fill_probability": C(round(fill, 4), f"keeps vacancies near {vac:g} with "
                                      f"{leavers:g} leavers a year ({n_leavers})"),
                "newly_qualified_share": C(0.25, "assumption"),
            },
            "cohort": C({"size": 0, "month": 9}, "no academy cohort assumed"),
            "agency": {
                "cover_share": C(round(cover, 4), f"agency {agency:g} FTE against vacancies "
                                 f"{vac:g} FTE, +12% for the days between engagements"),
                "additional": C(extra_agency, "agency FTE beyond the vacancies"),
                "time_to_engage_days": C({"dist": "lognormal", "mean": 21, "sd": 10},
                                         "assumption"),
                "stay_days": C({"dist": "lognormal", "mean": 180, "sd": 120}, "assumption"),
            },
        },
        "allocation": {
            "priority": C(["cla", "cp", "cin", "assessment"]),
            "method": C("least_loaded"),
            "keep_worker": C(True),
            "team_move_after_assessment": C(True, "assumption"),
            "team_move_into_care": C(True, "assumption"),
            "assessment_clock": C("from_allocation"),
            "overflow": C({"cla": 1.5, "cp": 1.5, "cin": 1.25, "assessment": 1.1},
                          "assumption: as in scenarios/baseline.yaml"),
        },
        "interventions": {
            "retention": {
                "annual_spend": C(0, "baseline: no retention payments"),
                "start": C(f"{year}-04-01", "when payments would start"),
                "end": C(f"{year + 2}-03-31", "and end"),
                "clawback": C({"months": 12, "share": 0.5}, "assumption"),
                "reference_payment": C(3000, "DOMAIN.md: £15k over five years"),
                "hazard_ratio": C({"dist": "triangular", "low": 0.75, "mode": 0.9,
                                   "high": 1.0}, "assumption"),
            },
            "early_help": {
                "base_budget": C(round(early_help), f"S251 {fy} family support ({n_fam}) + "
                                 "Sure Start"),
                "changes": C([]),
                "elasticity": C({"dist": "uniform", "low": 0.07, "high": 0.16},
                                "DOMAIN.md (Webb 2021)"),
                "lag_months": C({"dist": "triangular", "low": 6, "mode": 12, "high": 18},
                                "DOMAIN.md"),
            },
            "establishment_changes": C([]),
            "cap_changes": C([]),
            "recruitment_campaigns": C([]),
        },
        "costs": {
            "salary": C({"experienced": 35000, "newly_qualified": 28000}, "DOMAIN.md"),
            "on_cost_share": C(0.30, "assumption"),
            "agency_weekly": C(1067, "DOMAIN.md"),
            "recruitment_per_hire": C(5000, "assumption"),
            "academy_per_newly_qualified": C(6000, "assumption"),
            "placements": {
                "mix": C(PLACEMENT_MIX, "assumption: England's mix (DfE CLA 2019)"),
                "weekly": C({"foster": round(fost), "residential": round(resi),
                             "other": OTHER_PLACEMENT_WEEKLY},
                            f"S251 {fy}: fostering ({n_fost}), residential; other: assumption"),
            },
            "looked_after_other_weekly": C(round(other_weekly),
                                           f"S251 {fy} looked-after spend £{spend:,.0f} per "
                                           "child-week, less the placement mix"),
            "pay_award_pct": C({"default": 2.0}, "assumption"),
            "inflation_pct": C({"default": 2.0}, "assumption"),
            "placement_inflation_pct": C({"default": 3.0}, "assumption"),
            "discount_rate_pct": C(3.5, "HM Treasury Green Book"),
        },
    }
    header = [
        f"# {la} from 1 April {year}: written by `sim init --la \"{la}\" --year {year}`",
        "# from the DfE figures shipped in sim/data (Open Government Licence v3.0).",
        "# Each number names its source (file, council, time_period, column), the fallback",
        "# used where the council's own figure was missing, or 'assumption'.",
    ]
    if notes:
        header += ["# Fallbacks and adjustments:"] + [f"#   {n}" for n in notes]
    return Built("\n".join([*header, "", *emit(doc)]) + "\n", notes)
