"""Plain words for every code a person might see: measures, budget lines and financial
terms. Reports, figures, workbooks, the terminal and the app all take their words from here,
so a measure is called the same thing everywhere and no code name reaches a reader.

>>> label("cla_31mar")
'Children looked after at 31 March'
>>> unit("turnover_rate")
'percentage points'
>>> describe_change("cla_31mar", -12.4)
'12 fewer children looked after at 31 March'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.model.measures import ANNUAL_METRICS, WEEKLY_METRICS


@dataclass(frozen=True)
class Measure:
    label: str  # a heading: "Children looked after at 31 March"
    short: str  # for a chart's axis or a narrow column: "Looked after, 31 Mar"
    unit: str  # what a difference is counted in: "children", "percentage points"
    noun: str  # what "more" or "fewer" qualifies, in a sentence: "children looked after"
    better: str | None  # "lower" or "higher" is better for children or the service; None
    decimals: int = 0  # to show a level (a difference takes one more where it is small)
    rate: bool = False  # a percentage: differences are in points, never "% more"


MEASURES: dict[str, Measure] = {
    "referrals": Measure("Referrals in the year", "Referrals", "referrals", "referrals",
                         None),
    "rereferral_rate": Measure("Re-referrals within 12 months (% of referrals)",
                               "Re-referral rate, %", "percentage points",
                               "re-referral rate", "lower", 1, True),
    "cin_31mar": Measure("Children in need at 31 March", "Children in need, 31 Mar",
                         "children", "children in need at 31 March", None),
    "cp_31mar": Measure("Children on protection plans at 31 March", "Protection plans, 31 Mar",
                        "children", "children on protection plans at 31 March", None),
    "cla_31mar": Measure("Children looked after at 31 March", "Looked after, 31 Mar",
                         "children", "children looked after at 31 March", "lower"),
    "cla_starts": Measure("Children starting to be looked after in the year",
                          "Started care", "children", "children starting care", "lower"),
    "cp_starts": Measure("Protection plans started in the year", "Plans started", "plans",
                         "protection plans started", None),
    "waited_share": Measure("Referrals with no social worker free on arrival (%)",
                            "Waited for a worker, %", "percentage points",
                            "share of referrals that waited for a worker", "lower", 1, True),
    "allocation_wait_mean": Measure("Days from referral to a first social worker",
                                    "Wait for a worker, days", "days",
                                    "days waiting for a first worker", "lower", 1),
    "unallocated_mean": Measure("Cases waiting for a social worker (average)",
                                "Unallocated cases", "cases", "cases waiting for a worker",
                                "lower", 1),
    "unallocated_max": Measure("Cases waiting for a social worker (most at once)",
                               "Unallocated, peak", "cases", "cases waiting at the peak",
                               "lower"),
    "worker_changes_per_child": Measure("Changes of social worker per child",
                                        "Changes of worker per child", "changes per child",
                                        "changes of social worker per child", "lower", 2),
    "children_3plus_workers_rate": Measure(
        "Children looked after with 3 or more social workers in the year (%)",
        "3+ social workers, %", "percentage points",
        "share of children looked after with 3 or more social workers", "lower", 1, True),
    "worker_changes": Measure("Changes of social worker in the year", "Changes of worker",
                              "changes", "changes of social worker", "lower"),
    "unallocated_case_days": Measure("Days cases waited for a social worker, in all",
                                     "Unallocated case-days", "case-days",
                                     "case-days waiting for a worker", "lower"),
    "caseload_mean": Measure("Cases per case-holding social worker (year's average)",
                             "Average caseload", "cases per worker",
                             "average caseload", "lower", 1),
    "not_in_need_share": Measure("Assessments ending with no further action (%)",
                                 "Not in need, %", "percentage points",
                                 "share of assessments ending with no further action",
                                 None, 1, True),
    "assessment_timeliness_rate": Measure("Assessments completed within 45 working days (%)",
                                          "Assessed in time, %", "percentage points",
                                          "share of assessments completed in time",
                                          "higher", 1, True),
    "inpost_fte": Measure("Social workers in post at 30 September (FTE)", "In post, FTE",
                          "FTE", "social workers in post", "higher", 1),
    "agency_fte": Measure("Agency social workers at 30 September (FTE)", "Agency, FTE", "FTE",
                          "agency social workers", "lower", 1),
    "starters_fte": Measure("Social workers starting in the year (FTE)", "Starters, FTE",
                            "FTE", "starters", None, 1),
    "leavers_fte": Measure("Social workers leaving in the year (FTE)", "Leavers, FTE", "FTE",
                           "leavers", "lower", 1),
    "turnover_rate": Measure("Turnover of social workers (%)", "Turnover, %",
                             "percentage points", "turnover", "lower", 1, True),
    "vacancy_rate": Measure("Vacancy rate (%)", "Vacancies, %", "percentage points",
                            "vacancy rate", "lower", 1, True),
    "agency_rate": Measure("Agency social workers (% of all)", "Agency, %",
                           "percentage points", "agency share", "lower", 1, True),
    "caseload_per_fte": Measure("Cases per case-holding social worker at 30 September",
                                "Caseload, 30 Sep", "cases per worker", "caseload", "lower",
                                1),
    "over_cap_share": Measure("Social workers over their caseload limit (%)",
                              "Over their limit, %", "percentage points",
                              "share of workers over their caseload limit", "lower", 1, True),
}

WEEKLY: dict[str, str] = {
    "open_assessment": "Assessments under way",
    "open_cin": "Children in need (on a plan)",
    "open_cp": "Children on protection plans",
    "open_cla": "Children looked after",
    "unallocated": "Cases waiting for a social worker",
    "fte_experienced": "Experienced social workers (permanent)",
    "fte_newly_qualified": "Newly qualified social workers (permanent)",
    "fte_agency": "Agency social workers",
    "caseload_mean": "Cases per case-holding social worker",
    "fte_permanent": "Permanent social workers",  # experienced and newly qualified, summed
}

WEEKLY_UNITS: dict[str, str] = {  # what a weekly series is counted in, for an axis
    "open_assessment": "cases", "open_cin": "children", "open_cp": "children",
    "open_cla": "children", "unallocated": "cases", "fte_experienced": "FTE",
    "fte_newly_qualified": "FTE", "fte_agency": "FTE", "caseload_mean": "cases per worker",
    "fte_permanent": "FTE",
}

PARAMETER_SHORT: dict[str, str] = {  # the uncertain effects for a chart's axis
    "workforce.leaving.annual_hazard.experienced": "How often experienced workers leave",
    "workforce.leaving.annual_hazard.newly_qualified": "How often newly qualified workers "
                                                       "leave",
    "workforce.leaving.caseload_effect_per_case": "How much high caseloads make workers leave",
    "workforce.recruitment.fill_probability": "Chance a vacancy is filled",
    "workforce.agency.cover_share": "Share of vacancies covered by agency staff",
    "workforce.absence.per_year": "Absences covered by colleagues a year",
    "workforce.internal_moves_per_year": "Moves between teams a year",
    "interventions.retention.hazard_ratio": "Leaving with retention payments, relative to none",
    "interventions.early_help.elasticity": "How much referrals rise as early help falls",
    "interventions.early_help.pct_per_million": "Referrals added per £1m cut from early help",
    "interventions.early_help.lag_months": "Months before early help changes reach referrals",
    "strain.thresholds.points_per_10pct": "How far thresholds tighten under strain",
    "strain.agency.pct_per_10pct": "Agency staff bought under strain",
    "strain.establishment.pct_per_10pct": "Posts added under strain",
    "(chance and interactions)": "Chance and interactions",
}

OPTIONS: dict[str, str] = {  # settings a sweep varies: "{}" takes the value in words
    "interventions.retention.annual_spend": "Retention {} a year",
    "workforce.cohort.size": "Academy cohort of {}",
    "workforce.establishment.case_holding": "{} case-holding posts",
    "workforce.caps.experienced": "Caseload limit {}",
    "interventions.early_help.base_budget": "Early help {} a year",
}

BUDGET_LINES: dict[str, str] = {
    "staff_permanent": "Permanent staff",
    "staff_agency": "Agency staff",
    "recruitment": "Recruitment",
    "academy": "Academy (newly qualified cohort)",
    "retention": "Retention payments",
    "retention_clawback": "Retention payments clawed back",
    "early_help": "Early help",
    "placements": "Placements of children looked after",
    "looked_after_other": "Other costs of children looked after",
    "total": "Total",
}

# the uncertain effects (each replication draws its own value; sim/data/effect_ranges.yaml)
PARAMETERS: dict[str, str] = {
    "workforce.leaving.caseload_effect_per_case":
        "How much more often social workers leave for each case above their limit",
    "workforce.absence.per_year": "Absences covered by colleagues, per social worker a year",
    "interventions.retention.hazard_ratio":
        "How much retention payments cut leaving (ratio of leaving with and without)",
    "interventions.early_help.elasticity":
        "How much referrals rise when early-help spending falls (elasticity)",
    "interventions.early_help.lag_months":
        "Months before a change in early help reaches referrals",
    "strain.thresholds.points_per_10pct":
        "How far thresholds tighten as workload rises (points more assessments ending with "
        "no further action, per 10% more work)",
    "strain.agency.pct_per_10pct":
        "How many more agency staff are bought as workload rises (% per 10% more work)",
    "strain.establishment.pct_per_10pct":
        "How many posts are added as workload rises (% per 10% more work)",
}

TERMS: dict[str, str] = {
    "cash": "cash",
    "real": "real terms",
    "present value": "present value",
}

GLOSSARY: dict[str, str] = {
    "Replication": "One run of the model with its own random events; many runs show the "
                   "range of what could happen.",
    "Paired difference": "The difference between two scenarios in the same replication (the "
                         "same children referred, the same chance events), so the gap is the "
                         "decision's and not chance's.",
    "95% interval": "The range that holds the true average difference 95 times in 100; when "
                    "it includes zero there is no clear difference.",
    "Range of single runs": "The 5th to 95th percentile of the replications: what one "
                            "year like the modelled one could turn out to be.",
    "Cash": "Pounds as they would be spent in each year, with pay and prices rising.",
    "Real terms": "Pounds at the prices of the first year, with inflation taken out.",
    "Present value": "Real-terms pounds discounted to the first year at the Treasury's "
                     "Green Book rate, so that money later counts for less.",
    "FTE": "Full-time equivalent: two half-time workers count as one.",
    "Case holder": "A social worker who holds cases (not a manager or a specialist without "
                   "a caseload).",
    "Unallocated case": "An open case with no social worker: held by a manager until one is "
                        "free.",
    "Change of social worker": "A child's case moving from one social worker to another, for "
                               "any reason (a worker leaving, a move between teams, cover for "
                               "absence, rebalancing of caseloads).",
    "Agency social worker": "A social worker engaged through an agency to cover a vacancy; "
                            "they cost more and usually stay less long.",
    "Turnover": "Permanent social workers leaving in the year to 30 September, as a share of "
                "those in post at 30 September (DfE's definition).",
    "Early help": "Support for families before a referral to children's social care.",
    "Five-year total": "The sum over the run's financial years (a run of another length "
                       "says how many); in cash it is what the years' budgets add up to.",
    "Financial year": "April to March: 2019-20 runs from 1 April 2019 to 31 March 2020.",
    "Clear difference": "A difference whose 95% interval does not include zero.",
    "Frontier": "The options of a sweep that no other option beats on both cost and "
                "outcome; any other option is dominated (another costs no more and "
                "achieves at least as much).",
    "Uncertain effect": "An effect whose size the evidence does not pin down (such as how "
                        "much retention payments reduce leaving); each run draws its own "
                        "value from the range the evidence allows.",
    "Assumption": "In a source, a value that is not published: chosen to be plausible and "
                  "to reproduce the council's published figures.",
}


def measure(code: str) -> Measure:
    """The words for a measure code; an unknown code gets its own name, tidied."""
    m = MEASURES.get(code)
    if m is None:
        words = code.replace("_", " ")
        return Measure(words.capitalize(), words.capitalize(), "", words, None, 1)
    return m


def label(code: str) -> str:
    """A measure's, a weekly series', a budget line's or an uncertain effect's name in plain
    words."""
    if code in PARAMETERS:
        return PARAMETERS[code]
    if code in MEASURES:
        return MEASURES[code].label
    if code in BUDGET_LINES:
        return BUDGET_LINES[code]
    if code in WEEKLY:
        return WEEKLY[code]
    return measure(code).label


def short(code: str) -> str:
    return MEASURES[code].short if code in MEASURES else label(code)


def unit(code: str) -> str:
    return measure(code).unit


def scenario_title(name: str) -> str:
    """A scenario's file name as words: 'retention_and_ipeh_cuts' -> 'Retention and ipeh
    cuts' (the scenario's own description says more)."""
    words = name.replace("_", " ").replace("-", " ").strip()
    words = words.replace("ipeh", "IPEH").replace("cla", "CLA") if words else name
    return words[:1].upper() + words[1:]


def weekly_label(code: str) -> str:
    """A weekly series' name: 'caseload_mean' is also a yearly measure, with other words."""
    return WEEKLY.get(code) or label(code)


def weekly_unit(code: str) -> str:
    return WEEKLY_UNITS.get(code) or unit(code)


def parameter(path: str) -> str:
    """An uncertain effect's name, short enough for a chart's axis, from its dotted path in a
    scenario (``label`` gives the long form); an unknown path gets its last two parts,
    tidied ('a.b_c.d_e' -> 'B c: d e')."""
    if path in PARAMETER_SHORT:
        return PARAMETER_SHORT[path]
    if path in PARAMETERS:
        return PARAMETERS[path]
    parts = [p.replace("_", " ") for p in path.split(".")[-2:]]
    return (": ".join(parts)).capitalize()


def option(values: dict) -> str:
    """A sweep's option as words for a chart: {'interventions.retention.annual_spend': 5e6}
    -> 'Retention £5.0m a year'; a setting without its own words as ``option_name`` has it."""
    return "; ".join(OPTIONS[k].format(value(v, k)) if k in OPTIONS else option_name({k: v})
                     for k, v in values.items())


def number(x: float, decimals: int = 0) -> str:
    """A count or level with thousands separators: 12345.6 -> '12,346'."""
    return f"{x:,.{decimals}f}"


def money(x: float, signed: bool = False) -> str:
    """Pounds for a reader: £4.9m, £250k, £830; signed gives +/−."""
    sign = ("+" if x > 0 else "−" if x < 0 else "") if signed else ("−" if x < 0 else "")
    a = abs(x)
    if a >= 9.95e5:
        body = f"£{a / 1e6:,.1f}m"
    elif a >= 9.95e3:
        body = f"£{a / 1e3:,.0f}k"
    else:
        body = f"£{a:,.0f}"
    return sign + body


def _amount(code: str, x: float) -> str:
    m = measure(code)
    a = abs(x)
    d = m.decimals if a >= 10 ** -m.decimals * 10 else m.decimals + 1
    return f"{a:,.{d}f}"


# measures told as a level that goes up or down ("caseload up by 0.4"), not as "more" things
PER_UNIT = ("days", "cases per worker", "changes per child")


def describe_change(code: str, diff: float) -> str:
    """A difference in words: '12 fewer children looked after at 31 March', '1.2 points
    lower turnover'."""
    m = measure(code)
    amount = _amount(code, diff)
    if m.rate:
        return f"{m.noun} {amount} points {'higher' if diff > 0 else 'lower'}"
    if m.unit in PER_UNIT:
        return f"{m.noun} {'up' if diff > 0 else 'down'} by {amount}"
    return f"{amount} {'more' if diff > 0 else 'fewer'} {m.noun}"


MONEY_WORDS = ("spend", "budget", "change", "cost", "pay", "salary", "payment")


def value(x: object, key: str = "") -> str:
    """An input's value for a reader: pounds where the input is money (by its name), numbers
    with separators, yes/no.

    >>> value(2500000, "interventions.retention.annual_spend")
    '£2.5m'
    """
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int | float) and any(w in key for w in MONEY_WORDS) and (
            abs(x) >= 100 or x == 0):
        return money(x, signed=x < 0)
    if isinstance(x, float):
        return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"
    if isinstance(x, int):
        return f"{x:,}"
    return "none" if x is None else str(x)


OPTION_WORDS: dict[str, tuple[str, str]] = {
    # a swept path read as a budget holder says it: (with nothing spent, with an amount)
    "interventions.retention.annual_spend": ("No retention payments", "Retention {} a year"),
    "interventions.early_help.base_budget": ("No early help", "Early help {} a year"),
}


def _day(d: object) -> str:
    if isinstance(d, str):
        d = dt.date.fromisoformat(d)
    return f"{d.day} {d:%B %Y}" if isinstance(d, dt.date) else str(d)


DATED_WORDS: dict[str, Callable[[dict[str, Any]], str]] = {
    # a dated change (an entry of a list in the scenario) as a planner says it
    "interventions.hires": lambda h: (
        f"{h['number']:,} {h.get('label') or 'recruits'!s} from {_day(h['date'])}"
        + (f" at {money(h['cost_per_hire'])} each" if h.get("cost_per_hire") else "")),
    "interventions.establishment_changes": lambda c: (
        f"{c['change']:+,} {str(c.get('role', 'case_holding')).replace('_', '-')} posts from "
        f"{_day(c['date'])}"),
    "interventions.cap_changes": lambda c: (
        f"{str(c['worker_type']).replace('_', ' ')} caseload cap {c['cap']} from "
        f"{_day(c['date'])}"),
    "interventions.recruitment_campaigns": lambda c: (
        f"a recruitment campaign from {_day(c['start'])} to {_day(c['end'])}"),
    "interventions.overflow_changes": lambda c: (
        ("a hard caseload cap" if max(c["overflow"].values()) <= 1 else
         f"caseloads up to {max(c['overflow'].values()):g} times the cap when nobody has "
         "room") + f" from {_day(c['date'])}"),
    "interventions.agency_changes": lambda c: "; ".join(
        [*([f"agency cover of {c['cover_share']:.0%} of vacancies"]
           if c.get("cover_share") is not None else []),
         *([f"{c['additional']:,} agency staff beyond cover"]
           if c.get("additional") is not None else [])]) + f" from {_day(c['date'])}",
    "interventions.early_help.changes": lambda c: (
        f"early help {money(c['annual_change'], signed=True)} a year from {_day(c['start'])}"),
}


def option_name(values: dict[str, object]) -> str:
    """A sweep's option as the values it sets: in words where the path has them
    ('Retention £2.5m a year'), else by the last two parts of its path ('cohort size 30').

    >>> option_name({"interventions.retention.annual_spend": 2500000})
    'Retention £2.5m a year'
    """
    parts = []
    for k, v in values.items():
        if k in OPTION_WORDS and isinstance(v, int | float):
            none, some = OPTION_WORDS[k]
            parts.append(none if v == 0 else some.format(money(v)))
        elif k in DATED_WORDS and isinstance(v, list | tuple) and all(
                isinstance(x, dict) for x in v):
            parts.extend(DATED_WORDS[k](x) for x in v)
        else:
            parts.append(" ".join(k.split(".")[-2:]).replace("_", " ") + " " + value(v, k))
    return "; ".join(parts) or "as the scenario"


def describe_level(code: str, x: float) -> str:
    """A level in words: '9,181 referrals', 'turnover of 14.2%', 'caseload of 15.0'."""
    m = measure(code)
    value = f"{x:,.{m.decimals}f}"
    if m.rate:
        return f"{m.noun} of {value}%"
    if m.unit in PER_UNIT:
        return f"{m.noun} of {value}"
    return f"{value} {m.noun}"


WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def count_words(n: int) -> str:
    """Small whole numbers in words, as in prose: 5 -> 'five', 12 -> '12'."""
    return WORDS[n] if 0 <= n < len(WORDS) else f"{n:,}"


def is_known(code: str) -> bool:
    return code in MEASURES or code in BUDGET_LINES or code in WEEKLY


# every measure the model writes has words (tests/test_labels.py holds this for new ones)
MISSING = [c for c in (*ANNUAL_METRICS, *WEEKLY_METRICS) if not is_known(c)]
