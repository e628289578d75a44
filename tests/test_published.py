"""Simulated figures against DfE's (``sim check-published``, ``check-costs``, the back-test
league table): the table's shape, a figure inside or outside its band in its own unit,
figures shown for information not judged, and missing figures shown missing, never zero.

The run compared is the golden baseline run (tests/golden/baseline/annual.csv): real
output of the model, read rather than simulated again.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.outputs.published import (
    LEAGUE_INDICATORS,
    compare,
    compare_costs,
    costs_markdown,
    league_markdown,
    load_published,
    load_published_costs,
    to_markdown,
)
from sim.outputs.tables import summarise

GOLDEN_ANNUAL = Path(__file__).resolve().parent / "golden" / "baseline" / "annual.csv"
COLUMNS = ["metric", "fy", "published", "simulated", "ci_low", "ci_high", "p05", "p95",
           "difference", "difference_pct", "tolerance", "within_tolerance", "source"]


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return load_published("west_sussex")


def summary_with(means: dict[tuple[str, str], float]) -> pd.DataFrame:
    """A run's summary holding only the given means (intervals of ±1 around them)."""
    return pd.DataFrame([{"fy": fy, "metric": m, "mean": v, "ci_low": v - 1, "ci_high": v + 1,
                          "p05": v - 2, "p95": v + 2} for (m, fy), v in means.items()])


def row(table: pd.DataFrame, metric: str, fy: str) -> pd.Series:
    got = table[(table.metric == metric) & (table.fy == fy)]
    assert len(got) == 1
    return got.iloc[0]


def test_comparison_of_a_run_with_the_published_figures(published) -> None:
    summary = summarise(pd.read_csv(GOLDEN_ANNUAL, dtype={"fy": str}))
    table = compare(summary, published)
    assert list(table.columns) == COLUMNS
    # a row per published figure, in the published order, with its source
    assert list(zip(table.metric, table.fy, strict=True)) == \
        list(zip(published.metric, published.fy, strict=True))
    assert (table.published.to_numpy() == published.published.to_numpy()).all()
    assert (table.source == published.source).all()
    s = summary.set_index(["metric", "fy"])
    r = row(table, "referrals", "2019-20")
    assert r.simulated == s.loc[("referrals", "2019-20"), "mean"]
    assert (r.ci_low, r.ci_high) == tuple(s.loc[("referrals", "2019-20"), ["ci_low", "ci_high"]])
    assert r.difference == pytest.approx(r.simulated - 9993)
    assert r.difference_pct == pytest.approx(100 * (r.simulated / 9993 - 1))
    assert r.tolerance == "±10%" and row(table, "agency_rate", "2019-20").tolerance == \
        "±5 points"
    # the seven figures the model is held to are judged; the rest are for information
    assert table.within_tolerance.notna().sum() == 7
    info = row(table, "cin_31mar", "2019-20")
    assert pd.isna(info.within_tolerance) and info.tolerance == ""
    # a figure the run does not reach (a two-year run, a 2023-24 figure) is missing
    late = row(table, "children_3plus_workers_rate", "2023-24")
    assert all(math.isnan(late[c]) for c in ("simulated", "ci_low", "p95", "difference"))


@pytest.mark.parametrize("metric, fy, simulated, inside", [
    ("referrals", "2019-20", 9993 * 1.099, True),  # ±10%
    ("referrals", "2019-20", 9993 * 0.901, True),
    ("referrals", "2019-20", 9993 * 1.101, False),
    ("referrals", "2019-20", 9993 * 0.899, False),
    ("cla_31mar", "2019-20", 806 * 1.149, True),  # ±15%
    ("cla_31mar", "2019-20", 806 * 1.151, False),
    # rates are judged in points: 13.3 +4.9 points is 37% off, and inside ±5 points
    ("agency_rate", "2019-20", 13.3 + 4.9, True),
    ("agency_rate", "2019-20", 13.3 - 5.1, False),
    ("turnover_rate", "2020-21", 9.7 + 5.1, False),
    ("turnover_rate", "2020-21", 9.7 - 4.9, True),
])
def test_a_figure_inside_or_outside_its_band(published, metric, fy, simulated,
                                             inside) -> None:
    table = compare(summary_with({(metric, fy): simulated}), published)
    assert row(table, metric, fy).within_tolerance is inside
    # figures the run did not produce but that have a band are not counted inside it
    assert row(table, "inpost_fte", "2019-20").within_tolerance is False


def test_suppressed_and_missing_figures_stay_missing(published) -> None:
    """A suppressed published figure (read as missing) and a figure the run lacks are
    missing in the table and shown as a dash, never as zero."""
    pub = pd.DataFrame([
        {"metric": "cp_31mar", "fy": "2019-20", "published": np.nan, "tolerance": np.nan,
         "tolerance_unit": np.nan, "source": "d5, time_period 2020: suppressed (c)"},
        {"metric": "cin_31mar", "fy": "2019-20", "published": 5536.0, "tolerance": np.nan,
         "tolerance_unit": np.nan, "source": "b1"},
    ])
    table = compare(summary_with({("cp_31mar", "2019-20"): 0.0}), pub)
    cp, cin = row(table, "cp_31mar", "2019-20"), row(table, "cin_31mar", "2019-20")
    assert math.isnan(cp.published) and cp.simulated == 0.0
    assert math.isnan(cp.difference) and math.isnan(cp.difference_pct)
    assert cin.published == 5536 and math.isnan(cin.simulated)
    cells = {r.split("|")[1].strip(): [c.strip() for c in r.split("|")[2:-1]]
             for r in to_markdown(table, "t", "cmd").splitlines() if r.startswith("| c")}
    assert cells["cp_31mar"][1:3] == ["–", "0.0"]  # published missing, simulated a true 0
    assert cells["cin_31mar"][1:3] == ["5,536", "–"]


def test_markdown_page(published) -> None:
    means = {("referrals", "2019-20"): 9000.0, ("agency_rate", "2019-20"): 14.0,
             ("cin_31mar", "2019-20"): 5600.0}
    table = compare(summary_with(means), published)
    md = to_markdown(table, "Baseline against published figures",
                     "sim check-published scenarios/baseline.yaml", note="A note.")
    lines = md.splitlines()
    assert lines[0] == "# Baseline against published figures"
    assert "Regenerate with `sim check-published scenarios/baseline.yaml`." in lines
    assert "A note." in lines
    rows = {tuple(c.strip() for c in ln.split("|")[1:3]): [c.strip() for c in
                                                             ln.split("|")[3:-1]]
            for ln in lines if ln.startswith("| ") and "---" not in ln}
    assert len(rows) == len(published) + 1  # the header
    # published, simulated, 95% CI, 5th-95th, difference, tolerance, within
    assert rows[("referrals", "2019-20")] == ["9,993", "9,000", "8,999–9,001", "8,998–9,002",
                                              "-9.9%", "±10%", "yes"]
    assert rows[("agency_rate", "2019-20")][4:] == ["+0.7 pts", "±5 points", "yes"]
    assert rows[("inpost_fte", "2019-20")][-1] == "**no**"  # not simulated: not inside
    assert rows[("cin_31mar", "2019-20")][-1] == ""  # for information
    assert f"- referrals 2019-20: {published.source.iloc[0]}" in lines


# --- costs ------------------------------------------------------------------------------

def budget_rows(fy: str, terms: str, means: dict[str, float]) -> list[dict]:
    return [{"fy": fy, "line": k, "terms": terms, "mean": v, "ci_low": 0.9 * v,
             "ci_high": 1.1 * v, "p05": 0.8 * v, "p95": 1.2 * v} for k, v in means.items()]


def test_costs_against_published_spending(baseline) -> None:
    cash = {"placements": 50e6, "looked_after_other": 10e6, "staff_permanent": 25e6,
            "staff_agency": 5e6}
    budget = pd.DataFrame(
        budget_rows("2019-20", "cash", cash)
        # other years and real terms must not be read for a 2019-20 cash comparison
        + budget_rows("2019-20", "real", {k: 2 * v for k, v in cash.items()})
        + budget_rows("2020-21", "cash", {k: 3 * v for k, v in cash.items()}))
    annual = summary_with({("cla_31mar", "2019-20"): 800.0})
    pub = load_published_costs("west_sussex")
    t = compare_costs(budget, annual, baseline, pub).set_index("item")
    assert list(t.columns) == ["published", "simulated", "ci_low", "ci_high", "basis",
                               "difference_pct"]
    la = t.loc["looked-after spend (placements + other looked-after)"]
    assert la.published == 66714979
    assert [la.simulated, la.ci_low, la.ci_high] == pytest.approx([60e6, 54e6, 66e6])
    assert la.difference_pct == pytest.approx(100 * (60e6 / 66714979 - 1))
    cla = t.loc["children looked after, mean of 31 March either side"]
    assert cla.published == (705 + 806) / 2
    assert cla.simulated == (baseline.initial_state.open_cases.cla + 800) / 2
    c = baseline.costs
    perm = t.loc["permanent staff"]
    assert perm.published == pytest.approx((494.5 + 503.1) / 2 * c.salary.experienced
                                           * (1 + c.on_cost_share))
    assert perm.simulated == 25e6 and "published FTE 498.8" in perm.basis
    agency = t.loc["agency staff"]  # 2019-20 has 366 days
    assert agency.published == pytest.approx((75.9 + 95.2) / 2 * c.agency_weekly * 366 / 7)
    context = t.loc["safeguarding (S251, for context)"]
    assert context.published == 43433654 and math.isnan(context.simulated)
    assert math.isnan(context.difference_pct)

    md = costs_markdown(t.reset_index(), "Costs", "sim check-costs", "Why they differ.")
    assert "Regenerate with `sim check-costs`." in md and md.rstrip().endswith(
        "Why they differ.")
    assert "| £66.71m | £60.00m | £54.00m–£66.00m | -10.1% |" in md
    assert "| 755.5 | " in md  # counts are not money
    assert "| £43.43m | – |  |  |" in md  # context: nothing simulated, no difference


def test_league_table_page() -> None:
    league = pd.DataFrame([
        {"indicator": "cla_31mar", "years_ahead": 1, "councils": 150, "unit": "%",
         "median_error": 6.04, "p90_error": 15.0, "naive_median_error": 5.0,
         "naive_p90_error": 14.0, "beats_naive": False, "inside_90_pct": 88.4},
        {"indicator": "turnover_rate", "years_ahead": 2, "councils": 149, "unit": "points",
         "median_error": 3.0, "p90_error": 8.0, "naive_median_error": 4.0,
         "naive_p90_error": 9.0, "beats_naive": True, "inside_90_pct": 91.0},
    ])
    md = league_markdown(league, 2019, 2, 20, 150, {"Zeta": "merged", "Alpha": "new"},
                         "sim backtest --all", wall=600)
    assert md.startswith("# Back-test of every council from 2019: 2 years ahead")
    assert "`sim backtest --all` (10 minutes on 2 cores here)" in md
    assert "150 councils back-tested; 2 skipped" in md
    assert (f"| {LEAGUE_INDICATORS['cla_31mar']} | 1 | 150 | 6.0% | 5.0% | 15.0% | 14.0% "
            "| no | 88% |") in md
    assert "| turnover (year to 30 Sept) | 2 | 149 | 3.0 pts | 4.0 pts | 8.0 pts | 9.0 pts " \
           "| yes | 91% |" in md
    assert md.index("- Alpha: new") < md.index("- Zeta: merged")  # skipped, sorted


def test_published_costs_are_the_councils_own_and_refuse_a_missing_year() -> None:
    from sim.outputs.published_costs import MissingFigure, published_costs

    t = published_costs("Barnsley", "2019-20").set_index("item").published
    # 30 September 2019 and 2020, 31 March 2019 and 2020, the 2019-20 outturn
    assert t["inpost_fte_start"] == 132.5 and t["inpost_fte_end"] == 144.9
    assert t["cla_31mar_start"] == 301 and t["cla_31mar_end"] == 300
    with pytest.raises(MissingFigure, match="Cumberland: no published looked_after_spend "
                       "for 2022-23"):
        published_costs("Cumberland", "2022-23")  # the council was created in April 2023
