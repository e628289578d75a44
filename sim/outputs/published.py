"""Simulated figures against published ones, as a table that can be committed and read.

The published figures travel with the package (``sim/data/*_published.csv``, DfE official
statistics under the Open Government Licence v3), each with its source file, row and year,
and with the tolerance that the model is held to where one applies.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import numpy as np
import pandas as pd

from sim.experiment.backtest import CENTRAL_REPLICATIONS
from sim.periods import DAYS_PER_WEEK, FY_START_MONTH, fy_start_year
from sim.scenario import Scenario


def load_published(area: str = "west_sussex") -> pd.DataFrame:
    """Published figures for an area: metric, fy, published, tolerance, tolerance_unit,
    source."""
    with resources.files("sim").joinpath("data", f"{area}_published.csv").open() as f:
        return pd.read_csv(f, dtype={"fy": str})


def compare(summary: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Join a run's summary to the published figures and judge each against its tolerance.

    ``within`` is True/False where a tolerance applies and missing where the figure is shown
    for information only.
    """
    s = summary.set_index(["metric", "fy"])
    rows = []
    for p in published.itertuples(index=False):
        key = (p.metric, p.fy)
        if key in s.index:
            r = s.loc[key]
            mean, lo, hi, p05, p95 = r["mean"], r["ci_low"], r["ci_high"], r["p05"], r["p95"]
        else:
            mean = lo = hi = p05 = p95 = np.nan
        diff = mean - p.published
        pct = 100 * diff / p.published if p.published else np.nan
        if pd.isna(p.tolerance):
            within, tol = pd.NA, ""
        elif p.tolerance_unit == "pct":
            within, tol = bool(abs(pct) <= p.tolerance), f"±{p.tolerance:g}%"
        else:
            within, tol = bool(abs(diff) <= p.tolerance), f"±{p.tolerance:g} points"
        rows.append({
            "metric": p.metric, "fy": p.fy, "published": p.published,
            "simulated": mean, "ci_low": lo, "ci_high": hi, "p05": p05, "p95": p95,
            "difference": diff, "difference_pct": pct, "tolerance": tol,
            "within_tolerance": within, "source": p.source,
        })
    return pd.DataFrame(rows)


def _f(x: float) -> str:
    if pd.isna(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def to_markdown(table: pd.DataFrame, title: str, command: str, note: str = "") -> str:
    """The comparison as a Markdown page (what the README links)."""
    lines = [
        f"# {title}", "",
        f"Regenerate with `{command}`.", "",
        "Simulated: mean over replications, its 95% confidence interval, and the 5th-95th "
        "percentile of single replications (the spread one year could show). Workforce "
        "figures are 30 September snapshots filed under the financial year that contains "
        "them (30 Sept 2019 → 2019-20); children's figures are years to 31 March.", "",
    ]
    if note:
        lines += [note, ""]
    lines += [
        "| measure | year | published | simulated | 95% CI | 5th–95th pct | difference "
        "| tolerance | within |",
        "|---|---|---:|---:|---|---|---:|---|---|",
    ]
    for r in table.itertuples(index=False):
        within = "" if pd.isna(r.within_tolerance) else ("yes" if r.within_tolerance else
                                                         "**no**")
        unit = "%" if r.tolerance.endswith("%") or not r.tolerance else " pts"
        diff = (f"{r.difference_pct:+.1f}%" if unit == "%" else f"{r.difference:+.1f} pts")
        lines.append(
            f"| {r.metric} | {r.fy} | {_f(r.published)} | {_f(r.simulated)} | "
            f"{_f(r.ci_low)}–{_f(r.ci_high)} | {_f(r.p05)}–{_f(r.p95)} | {diff} | "
            f"{r.tolerance} | {within} |"
        )
    lines += ["", "Sources:", ""]
    for r in table.itertuples(index=False):
        lines.append(f"- {r.metric} {r.fy}: {r.source}")
    return "\n".join(lines) + "\n"


def load_published_costs(area: str = "west_sussex") -> pd.DataFrame:
    """Published costs for an area: item, fy, published, unit, source."""
    with resources.files("sim").joinpath("data", f"{area}_published_costs.csv").open() as f:
        return pd.read_csv(f, dtype={"fy": str})


def compare_costs(budget_summary: pd.DataFrame, annual_summary: pd.DataFrame,
                  scenario: Scenario, published: pd.DataFrame, fy: str = "2019-20") -> pd.DataFrame:
    """Simulated spending in one financial year against what was published or what the
    published workforce implies at the scenario's prices.

    Rows: looked-after spend (placements and other looked-after costs) against the S251
    outturn, with the children looked after that drive it; permanent and agency staff costs
    against the published FTE (the mean of the 30 September counts either side of the
    year) priced as the scenario prices them; and the S251 safeguarding line for context.
    """
    p = published[published.fy == fy].set_index("item").published
    b = budget_summary[(budget_summary.fy == fy) & (budget_summary.terms == "cash")] \
        .set_index("line")
    a = annual_summary.set_index(["metric", "fy"])
    c = scenario.costs
    start = fy_start_year(fy)
    days = (dt.date(start + 1, FY_START_MONTH, 1) - dt.date(start, FY_START_MONTH, 1)).days

    def sim(line: str) -> tuple[float, float, float]:
        r = b.loc[line]
        return r["mean"], r["ci_low"], r["ci_high"]

    la = [sim("placements"), sim("looked_after_other")]
    looked_after = tuple(sum(x[i] for x in la) for i in range(3))
    inpost = (p["inpost_fte_start"] + p["inpost_fte_end"]) / 2
    agency = (p["agency_fte_start"] + p["agency_fte_end"]) / 2
    pay = c.salary.experienced * (1 + c.on_cost_share)
    cla_pub = (p["cla_31mar_start"] + p["cla_31mar_end"]) / 2
    cla_sim_end = a.loc[("cla_31mar", fy), "mean"] if ("cla_31mar", fy) in a.index else np.nan
    rows = [
        ("looked-after spend (placements + other looked-after)", p["looked_after_spend"],
         *looked_after, "S251 outturn"),
        ("children looked after, mean of 31 March either side", cla_pub,
         (scenario.initial_state.open_cases.cla + cla_sim_end) / 2, np.nan, np.nan,
         "drives the looked-after spend"),
        ("permanent staff", inpost * pay, *sim("staff_permanent"),
         f"published FTE {inpost:.1f} (mean of 30 Sept {start} and {start + 1}) x "
         f"£{c.salary.experienced:,.0f} x {1 + c.on_cost_share:g}"),
        ("agency staff", agency * c.agency_weekly * days / DAYS_PER_WEEK, *sim("staff_agency"),
         f"published agency FTE {agency:.1f} x £{c.agency_weekly:,.0f} a week"),
        ("safeguarding (S251, for context)", p["safeguarding_spend"], np.nan, np.nan, np.nan,
         "all children's social care safeguarding, not only social workers' pay"),
    ]
    out = pd.DataFrame(rows, columns=["item", "published", "simulated", "ci_low", "ci_high",
                                      "basis"])
    out["difference_pct"] = 100 * (out.simulated - out.published) / out.published
    return out


def _money_or_count(x: float, money: bool) -> str:
    if pd.isna(x):
        return "–"
    return f"£{x / 1e6:,.2f}m" if money else f"{x:,.1f}"


def costs_markdown(table: pd.DataFrame, title: str, command: str, explanation: str) -> str:
    """The costs comparison as a Markdown page."""
    lines = [f"# {title}", "", f"Regenerate with `{command}`.", "",
             "| item | published | simulated | 95% CI | difference | basis |",
             "|---|---:|---:|---|---:|---|"]
    for r in table.itertuples(index=False):
        money = r.published > 10_000
        f = _money_or_count
        ci = "" if pd.isna(r.ci_low) else f"{f(r.ci_low, money)}–{f(r.ci_high, money)}"
        diff = "" if pd.isna(r.difference_pct) else f"{r.difference_pct:+.1f}%"
        lines.append(f"| {r.item} | {f(r.published, money)} | {f(r.simulated, money)} | "
                     f"{ci} | {diff} | {r.basis} |")
    lines += ["", explanation, ""]
    return "\n".join(lines)


LEAGUE_INDICATORS = {
    "referrals": "referrals (year to 31 March)",
    "cin_31mar": "children in need (31 March)",
    "cp_31mar": "child protection plans (31 March)",
    "cla_31mar": "children looked after (31 March)",
    "inpost_fte": "social workers in post (30 Sept)",
    "caseload_per_fte": "caseload per case holder (30 Sept)",
    "turnover_rate": "turnover (year to 30 Sept)",
    "vacancy_rate": "vacancy rate (30 Sept)",
    "agency_rate": "agency rate (30 Sept)",
    "assessment_timeliness_rate": "assessments within 45 working days (year to 31 March)",
}


def league_markdown(league: pd.DataFrame, start: int, years: int, replications: int,
                    councils: int, skipped: dict[str, str], command: str, wall: float) -> str:
    """The back-test's league table as a Markdown page."""
    lines = [
        f"# Back-test of every council from {start}: {years} years ahead", "",
        f"Regenerate with `{command}` ({wall / 60:.0f} minutes on 2 cores here).", "",
        f"Each council starts from its own published state in {start} (`sim init`, nothing "
        f"published later) and is simulated {years} years with {replications} replications. "
        f"The forecast is the mean of {CENTRAL_REPLICATIONS} more replications with the "
        "uncertain effects at their central values; the interval comes from the "
        "replications that draw them. "
        "Errors are absolute percentage errors for counts and the caseload, absolute "
        "differences in points for rates; *median* and *90th pct* are across councils. "
        "*Naive* is the forecast \"the same as the start year\". *Inside 90%* is the share "
        "of councils whose published figure fell inside the simulated 90% interval (5th to "
        "95th percentile of replications): about 90 is well calibrated.", "",
        f"{councils} councils back-tested; {len(skipped)} skipped (no published state to "
        "start from in that year, e.g. councils created or merged since).", "",
        "| indicator | years ahead | councils | median error | naive median | 90th pct "
        "error | naive 90th pct | beats naive | inside 90% |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in league.itertuples():
        u = " pts" if r.unit == "points" else "%"
        lines.append(
            f"| {LEAGUE_INDICATORS.get(r.indicator, r.indicator)} | {r.years_ahead} | "
            f"{r.councils} | {r.median_error:.1f}{u} | {r.naive_median_error:.1f}{u} | "
            f"{r.p90_error:.1f}{u} | {r.naive_p90_error:.1f}{u} | "
            f"{'yes' if r.beats_naive else 'no'} | {r.inside_90_pct:.0f}% |")
    if skipped:
        lines += ["", "Skipped:", ""] + [f"- {k}: {v}" for k, v in sorted(skipped.items())]
    return "\n".join(lines) + "\n"
