"""What the page shows, as plain tables and sentences (the page only lays them out): the
council's published state, the baseline's outlook, and a comparison's differences and
money, in the words of ``labels.py`` and ``narrative.py`` (shared with `sim report`)."""

from __future__ import annotations

import pandas as pd

from sim.experiment.runner import Results
from sim.outputs import labels, narrative
from sim.outputs.comparison import Comparison
from sim.scenario import Scenario

OUTLOOK_MEASURES = ("referrals", "cla_31mar", "caseload_per_fte", "unallocated_mean",
                    "children_3plus_workers_rate", "inpost_fte", "agency_rate")
TERMS = {"cash": "In cash", "real": "In real terms (first year's prices)",
         "pv": "Present value"}


def published_state(sc: Scenario) -> pd.DataFrame:
    """The service on the start date, as the scenario took it from published figures."""
    d, i, w = sc.demand, sc.initial_state, sc.workforce
    held = i.workforce.case_holding
    rows = [
        ("Referrals in the year before the start", f"{d.referrals_per_year:,.0f}"),
        ("Assessments under way", f"{i.open_cases.assessment:,}"),
        ("Children in need (on plans)", f"{i.open_cases.cin:,}"),
        ("Children on protection plans", f"{i.open_cases.cp:,}"),
        ("Children looked after", f"{i.open_cases.cla:,}"),
        ("Case-holding social workers in post (experienced, newly qualified, agency)",
         f"{held.experienced:,}, {held.newly_qualified:,}, {held.agency:,}"),
        ("Case-holding posts funded", f"{w.establishment.case_holding:,}"),
        ("Caseload caps (experienced, newly qualified, agency)",
         f"{w.caps.experienced}, {w.caps.newly_qualified}, {w.caps.agency}"),
        ("Early help budget a year", labels.money(sc.interventions.early_help.base_budget)),
    ]
    return pd.DataFrame(rows, columns=["On " + sc.run.start_date.strftime("%-d %B %Y"),
                                       "figure"])


def _level(code: str, mean: float, p05: float, p95: float) -> str:
    d = labels.measure(code).decimals
    return f"{mean:,.{d}f} ({p05:,.{d}f} to {p95:,.{d}f})"


def outlook_table(res: Results) -> pd.DataFrame:
    """Each key measure by financial year: the mean, and the range of single runs."""
    s = res.summary()
    s = s[s.metric.isin(OUTLOOK_MEASURES)]
    rows = {}
    for code in OUTLOOK_MEASURES:
        r = s[s.metric == code].sort_values("fy")
        if not r.empty:
            rows[labels.label(code)] = {fy: _level(code, m, lo, hi) for fy, m, lo, hi in
                                        zip(r.fy, r["mean"], r.p05, r.p95, strict=True)}
    return pd.DataFrame.from_dict(rows, orient="index")


def outlook_headline(res: Results, council: str) -> list[str]:
    return narrative.run_headline(res.summary(), res.budget_summary(), council)


def _signed(code: str, x: float) -> str:
    """A difference in the measure's precision (one more place when it is small): '−1,376',
    '+0.7' (the words are the headline's)."""
    places = labels.measure(code).decimals + (1 if abs(x) < 10 else 0)
    text = f"{abs(x):,.{places}f}"
    return text if float(text.replace(",", "")) == 0 else ("−" if x < 0 else "+") + text


def differences_table(comp: Comparison, scenario: str) -> pd.DataFrame:
    """The key paired differences: mean, 95% interval, range of single runs, in words."""
    rows = []
    for d in narrative.key_differences(comp, scenario):
        verdict = ("clear" if d.material else "clear but small") if d.clear else \
            "no clear difference"
        name = labels.label(d.metric)
        if d.fy == narrative.OVER_RUN:  # a flow told over the whole run, not in a year
            name = name.replace(" in the year", "")
        rows.append((name, d.fy, _signed(d.metric, d.mean),
                     narrative.interval(d.metric, d.ci_low, d.ci_high),
                     narrative.interval(d.metric, d.p05, d.p95), verdict))
    return pd.DataFrame(rows, columns=["Measure", "When", "Difference", "95% interval",
                                       "Single runs (5th to 95th)", "Verdict"])


def money_table(comp: Comparison, scenario: str) -> pd.DataFrame:
    """Total cost over the run less the baseline's, in cash, real terms and present value."""
    rows = []
    for terms, c in narrative.total_cost_difference(comp, scenario).items():
        rows.append((TERMS[terms], labels.money(c.mean, signed=True),
                     f"{labels.money(c.ci_low, signed=True)} to "
                     f"{labels.money(c.ci_high, signed=True)}",
                     f"{labels.money(c.p05, signed=True)} to "
                     f"{labels.money(c.p95, signed=True)}"))
    return pd.DataFrame(rows, columns=["Extra cost over the run", "Average", "95% interval",
                                       "Single runs"])
