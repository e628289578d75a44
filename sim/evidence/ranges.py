"""The scenarios' ranges for the uncertain effects, from the panel estimates and the studies
combined, each with its reasoning in words. ``sim evidence`` writes them to
``sim/data/effect_ranges.yaml`` (read by ``sim init``) and to the evidence report; the shipped
scenarios carry the same numbers (a test keeps them equal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.evidence.effects import MAIN

DIGITS = 3


@dataclass(frozen=True)
class Range:
    parameter: str      # dotted path in the scenario
    row: str            # the effect's row in docs/evidence.md
    dist: dict[str, Any]
    reasoning: str
    studies: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"parameter": self.parameter, "row": self.row, "dist": self.dist,
                "reasoning": self.reasoning, "studies": list(self.studies)}


def _main(est: pd.DataFrame, effect: str, lag: int) -> pd.Series:
    rows = est[(est.effect == effect) & (est.method == MAIN) & (est.lag_years == lag)]
    if len(rows) != 1:
        raise LookupError(f"no single {MAIN} estimate of {effect} at lag {lag}")
    return rows.iloc[0]


def _r(x: float) -> float:
    return round(float(x), DIGITS)


def early_help_elasticity(est: pd.DataFrame) -> Range:
    m = _main(est, "early_help_spend__referrals", 1)
    # the model's elasticity e scales referrals by (budget ratio) ** -e: e = -slope
    mode, high = max(0.0, -m.estimate), max(0.0, -m.ci_low)
    return Range(
        "interventions.early_help.elasticity", "early_help_spend__referrals",
        {"dist": "triangular", "low": 0.0, "mode": _r(mode), "high": _r(high)},
        f"Panel, spend a year before: slope {m.estimate:.3f} (95% interval {m.ci_low:.3f} to "
        f"{m.ci_high:.3f}), so an elasticity of {-m.estimate:.3f} that cannot be told from "
        "zero; Webb (2021) likewise found no clear effect after 2014-15 (0.07-0.157 before). "
        "Range: from no effect (0) to the panel's largest plausible effect (the end of its "
        "interval), most likely at its central estimate. Negative values (a cut lowering "
        "referrals) are left out as implausible.", ("webb_2021", "bennett_2021"))


def early_help_lag() -> Range:
    return Range(
        "interventions.early_help.lag_months", "early_help_spend__referrals",
        {"dist": "triangular", "low": 6, "mode": 12, "high": 18},
        "The panel's estimates at lags of 0, 1 and 2 years are all indistinguishable from "
        "zero, so they cannot place the lag; Bennett et al. (2021) found their effect on care "
        "entry the year after the spending change and Webb (2021) models yearly lags. Range: "
        "six months to a year and a half, most likely a year.", ("bennett_2021", "webb_2021"))


def caseload_effect(est: pd.DataFrame, panel: pd.DataFrame) -> Range:
    lag1, lag0 = _main(est, "caseload__turnover", 1), _main(est, "caseload__turnover", 0)
    years = [int(y) for y in lag1.years.split("-")]
    span = panel.index.get_level_values(1)
    base = float(panel.loc[(span >= years[0]) & (span <= years[1]), "turnover_rate"].mean())
    return Range(
        "workforce.leaving.caseload_effect_per_case", "caseload__turnover",
        {"dist": "triangular", "low": 0.0, "mode": _r(max(0.0, lag1.estimate) / base),
         "high": _r(max(0.0, lag0.ci_high) / base)},
        f"Panel: {lag1.estimate:.2f} points of turnover per case of the caseload a year before "
        f"(95% interval {lag1.ci_low:.2f} to {lag1.ci_high:.2f}) and {lag0.estimate:.2f} per "
        f"case of the same year's caseload (to {lag0.ci_high:.2f}), on an average turnover of "
        f"{base:.1f}%: a relative rise in the leaving hazard of {lag1.estimate / base:.3f} a "
        f"case (lag 1) to {lag0.ci_high / base:.3f} (the top of the same-year interval, which "
        "may include leavers raising caseloads). Range: from none, as the lag-1 interval "
        "allows, to that top, most likely the lag-1 estimate. Surveys name workload among "
        "the main causes of stress but give no dose-response.",
        ("dfe_csww_statistics", "dfe_longitudinal_sw_wave1_2019"))


def retention_hazard_ratio() -> Range:
    return Range(
        "interventions.retention.hazard_ratio", "retention_payment__leaving",
        {"dist": "uniform", "low": 0.75, "high": 1.0},
        "No study measures a retention payment's effect on social workers leaving (Turley "
        "et al.'s review found none usable). Payments to teachers of a similar relative size "
        "went with leaving lower by 17% (Clotfelter et al. 2008; hazard ratio about 0.83), "
        "9-12% (Feng and Sass 2018; 0.88-0.91), 23% (Sims and Benhenda 2022; 0.77) and 5%, "
        "not significant (NFER 2025; 0.95, interval including 1). Range: every value "
        "from the largest of these effects (0.75) to none (1.0) equally likely, because none "
        "was measured on social workers and West Sussex changed its scheme within a year.",
        ("clotfelter_2008", "feng_sass_2018", "sims_benhenda_2022",
         "nfer_2025_retention_payments", "turley_workforce_interventions_review"))


def absence_cover() -> Range:
    mode = 5_930 / 83_300
    return Range(
        "workforce.absence.per_year", "worker_changes__absence_cover",
        {"dist": "triangular", "low": _r(mode / 2), "mode": _r(mode),
         "high": _r(mode / (1 - 0.41))},
        "DfE recorded 5,930 social-worker episodes for absence cover or return from absence "
        f"for the 83,300 children looked after on 31 March 2024: {mode:.3f} a child-year. "
        "A covered absence in the model hands every case over for good, so this is its rate "
        "a case holder-year in England. Range: from half (if every cover was followed by a "
        "recorded return, which adds no new worker) to the rate with the 41% of episodes "
        "recorded as 'other' shared out as the named reasons are, most likely the recorded "
        "rate. A council's rate is this times its absence rate over England's.",
        ("dfe_stability_measures_cla_2024", "communitycare_three_social_workers_2025"))


def _workload(est: pd.DataFrame, parameter: str, effect: str, lag: int, outcome: str,
              what: str) -> Range:
    rows = est[(est.effect == effect) & (est.method == MAIN) & (est.lag_years == lag)
               & est.outcome.str.startswith(outcome)]
    if len(rows) != 1:
        raise LookupError(f"no single {MAIN} estimate of {effect} ({outcome}) at lag {lag}")
    m = rows.iloc[0]
    low, mode, high = (max(0.0, x) for x in (m.ci_low, m.estimate, m.ci_high))
    when = "the same year" if lag == 0 else "the next year"
    return Range(
        parameter, effect, {"dist": "triangular", "low": _r(low), "mode": _r(mode),
                            "high": _r(high)},
        f"Panel: {_r(m.estimate)} {m.unit} {when} (95% interval {_r(m.ci_low)} to "
        f"{_r(m.ci_high)}): {what}. Range: the interval, most likely its centre"
        + (", with negative values (a response against the strain) left out."
           if min(m.ci_low, m.estimate) < 0 else "."))


def strain_ranges(est: pd.DataFrame) -> list[Range]:
    """The strain responses (the scenario's ``strain`` section)."""
    return [
        _workload(est, "strain.thresholds.points_per_10pct", "workload__not_in_need_share", 0,
                  "referrals ending", "more referrals end with no further action or not in "
                  "need when there are more referrals per social worker"),
        _workload(est, "strain.agency.pct_per_10pct", "workload__agency_fte", 0, "agency",
                  "councils with more referrals per social worker than usual have more agency "
                  "staff"),
        _workload(est, "strain.establishment.pct_per_10pct", "workload__establishment", 1,
                  "posts", "posts the next year do not follow the workload, as far as the data "
                  "can tell"),
    ]


def scenario_ranges(est: pd.DataFrame, panel: pd.DataFrame) -> list[Range]:
    """Every uncertain effect of the shipped scenarios, in the order of the scenario file."""
    return [caseload_effect(est, panel), absence_cover(), retention_hazard_ratio(),
            early_help_elasticity(est), early_help_lag(), *strain_ranges(est)]
