"""Figures as a reader sees them: every chart has a title, alt text, a source line and plain
words; nothing is cut, covered or hidden; a scenario keeps its colour; sizes fit a slide.

The charts are drawn from small made-up result tables (the shapes ``sim compare`` and
``sim sweep`` write), built so that the hard cases are there: two scenarios with the same
numbers, levels in the tens of thousands, an uncertain effect that explains nothing, a
measure with no clear difference in any year, an option off the frontier.
"""

from __future__ import annotations

import re

import matplotlib.colors
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.model.measures import HEADLINE_METRICS, WEEKLY_METRICS

NAMES = ["baseline", "retention", "ipeh_cuts", "retention_and_ipeh_cuts"]
OKABE_ITO = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00",
             "#cc79a7"}
CODE = re.compile(r"[A-Za-z0-9]_[A-Za-z0-9]|\d[eE][+-]?\d|[A-Za-z]+=\d")
SLIDE_PX = (1600, 1200)


def weekly_tables() -> dict[str, pd.DataFrame]:
    """Four scenarios' weekly series: retention the same as the base (as when its payments
    change nothing), and the combined scenario the same as the early-help cut."""
    rng = np.random.default_rng(1)
    weeks = pd.date_range("2019-04-01", periods=261, freq="7D")
    reps = 3
    level = {"open_assessment": 900, "open_cin": 2300, "open_cp": 600, "open_cla": 850,
             "unallocated": 40, "fte_experienced": 440, "fte_newly_qualified": 40,
             "fte_agency": 70, "caseload_mean": 15.5}
    base = {(r, m): level[m] * (1 + 0.05 * np.sin(np.arange(261) / 9 + r))
            + rng.normal(0, 0.01 * level[m], 261) for r in range(reps) for m in WEEKLY_METRICS}
    cut = {k: v * (1.06 if k[1] != "fte_agency" else 1.2) for k, v in base.items()}

    def long(values: dict) -> pd.DataFrame:
        return pd.DataFrame([(r, w, m, float(v[i])) for (r, m), v in values.items()
                             for i, w in enumerate(weeks)],
                            columns=["replication", "week", "metric", "value"])

    return {"baseline": long(base), "retention": long(base), "ipeh_cuts": long(cut),
            "retention_and_ipeh_cuts": long(cut)}


def comparison() -> pd.DataFrame:
    from sim.outputs.comparison import comparison_table

    rng = np.random.default_rng(2)
    fys = ["2019-20", "2020-21", "2021-22"]
    level = {"referrals": 11_100, "cla_31mar": 850, "unallocated_mean": 0.3,
             "worker_changes_per_child": 0.84, "inpost_fte": 500, "turnover_rate": 11.1,
             "vacancy_rate": 9.5, "agency_rate": 11.1, "caseload_per_fte": 15.0}
    effect = {"retention": {"turnover_rate": -2.0, "inpost_fte": 8.0},
              "ipeh_cuts": {"referrals": 300.0, "cla_31mar": 5.0},
              "retention_and_ipeh_cuts": {"referrals": 300.0, "turnover_rate": -2.0}}
    noise = {(r, fy, m): rng.normal(0, 0.01 * level[m]) for r in range(6) for fy in fys
             for m in HEADLINE_METRICS}
    annual = {}
    for name in NAMES:
        e = effect.get(name, {})
        annual[name] = pd.DataFrame(
            [(r, fy, m, level[m] + noise[r, fy, m] + e.get(m, 0.0)
              + rng.normal(0, 0.002 * level[m])) for (r, fy, m) in noise],
            columns=["replication", "fy", "metric", "value"])
    return comparison_table(annual, "baseline")


def drivers_table() -> pd.DataFrame:
    """Drivers of retention's difference: turnover driven by the retention effect (clear);
    workers in post by nothing that stands out from chance."""
    rows = []
    for metric, p in (("turnover_rate", 0.001), ("inpost_fte", 0.4)):
        for fy in ("2019-20", "2020-21", "2021-22"):
            rows += [
                ("retention", metric, fy, "interventions.retention.hazard_ratio", 0.7, p,
                 0.7, 0.5, -1.0, -3.0),
                ("retention", metric, fy, "workforce.leaving.caseload_effect_per_case", 0.1,
                 0.9, 0.1, 0.05, -2.0, -2.1),
                ("retention", metric, fy, "(chance and interactions)", np.nan, np.nan,
                 np.nan, 0.45, np.nan, np.nan)]
    return pd.DataFrame(rows, columns=["scenario", "metric", "fy", "parameter", "spearman",
                                       "p_value", "srrc", "share_explained",
                                       "diff_low_third", "diff_high_third"])


def sweep() -> tuple[pd.DataFrame, dict]:
    from sim.outputs.sweep import frontier

    cost, avoided = [0, 2.1e6, 6e6, 10.1e6], [0, 620, 700, 1950]
    rows = []
    for i, (c, a) in enumerate(zip(cost, avoided, strict=True)):
        rows.append((f"p{i}", "cost_pv_total", c, c - 4e5, c + 4e5))
        rows.append((f"p{i}", "worker_changes", -a, -a - 300, -a + 300))
    table = pd.DataFrame(rows, columns=["point", "measure", "diff_mean", "diff_ci_low",
                                        "diff_ci_high"])
    values = {f"p{i}": {"interventions.retention.annual_spend": v}
              for i, v in enumerate([0, 1_000_000, 2_500_000, 5_000_000])}
    return frontier(table), values


def backtest() -> tuple[pd.DataFrame, str, dict[str, dict[int, float]]]:
    rows = [("referrals", 2020, 11_500.0, 10_900.0, 12_100.0),
            ("referrals", 2021, 11_800.0, 10_700.0, 12_900.0),
            ("turnover_rate", 2020, 14.0, 11.0, 17.0), ("turnover_rate", 2021, 15.0, 11.5, 18.5)]
    table = pd.DataFrame(rows, columns=["indicator", "period", "simulated", "p05", "p95"])
    history = {"referrals": {2017: 10_500.0, 2018: 11_000.0, 2019: 11_200.0, 2020: 11_900.0,
                             2021: 12_000.0},
               "turnover_rate": {2017: 12.0, 2018: 13.0, 2019: 13.5, 2020: 16.0, 2021: 15.0}}
    return table, "West Sussex", history


@pytest.fixture(scope="module")
def charts():
    from sim.outputs import plots

    weekly = weekly_tables()
    table = comparison()
    source = plots.Source("West Sussex", 3, 20190401)
    front, values = sweep()
    out = {
        "caseload": plots.caseload_chart(weekly, source),
        "unallocated": plots.unallocated_chart(weekly, source),
        "workforce": plots.workforce_chart(weekly, source),
        "open_cases": plots.open_cases_chart(weekly, source),
        "run_workforce": plots.workforce_chart({"baseline": weekly["baseline"]}, source),
        "differences": plots.differences_chart(table, source),
        "weekly_differences": plots.weekly_differences_chart(weekly, source),
        "drivers": plots.drivers_chart(drivers_table(), table, "retention", source,
                                       ["turnover_rate", "inpost_fte", "cla_31mar"]),
        "frontier": plots.frontier_chart(front, values, "worker_changes", source,
                                         "baseline"),
        "backtest": plots.backtest_chart(*backtest(), source),
    }
    for chart in out.values():
        chart.figure.canvas.draw()  # lays it out and sets the tick labels
    return out


# --------------------------------------------------------------------------- checks on a
# figure: plain functions, so they can be run on any matplotlib figure

def texts(fig: Figure) -> list[Text]:
    """Every text a reader sees (a tick outside its axis's range is not drawn)."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not ax.get_visible() or not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    hidden |= {id(tick.label1), id(tick.label2)}
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and id(t) not in hidden]


def coded(fig: Figure) -> list[str]:
    """Texts with a code name (``annual_spend``, ``diff_ci_low``, ``x=5``) or scientific
    notation (``1.11e+04``)."""
    return [t.get_text() for t in texts(fig) if CODE.search(t.get_text())]


def legends_over_data(fig: Figure) -> list[str]:
    """Legends whose box overlaps a panel's data area."""
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return [", ".join(t.get_text() for t in leg.get_texts()) for leg in legends
            for ax in fig.axes if ax.get_visible()
            and leg.get_window_extent(r).overlaps(ax.get_window_extent(r))]


def cut_texts(fig: Figure) -> list[str]:
    """Texts that run off the figure's edges."""
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    w, h = fig.bbox.width, fig.bbox.height
    out = []
    for t in texts(fig):
        b = t.get_window_extent(r)
        if b.x0 < -1 or b.x1 > w + 1 or b.y0 < -1 or b.y1 > h + 1:
            out.append(t.get_text())
    return out


def overlapping_texts(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of texts drawn over each other (a panel's title running into the next)."""
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ts = [(t.get_text(), t.get_window_extent(r)) for t in texts(fig)]
    return [(a, b) for i, (a, ba) in enumerate(ts) for b, bb in ts[i + 1:]
            if ba.overlaps(bb)]


def has_source(fig: Figure) -> bool:
    words = [t.get_text() for t in texts(fig)]
    return any(w.startswith("Source: sim ") for w in words) and \
        any(w.startswith(("Scenario", "Options")) for w in words)


def hidden_lines(fig: Figure) -> list[str]:
    """Pairs of lines with the same numbers where the one on top covers the other: the same
    dashes and markers, and no narrower."""
    out = []
    for ax in fig.axes:
        lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")
                 and len(ln.get_xdata()) > 2]
        for i, a in enumerate(lines):
            for b in lines[i + 1:]:
                ya, yb = np.asarray(a.get_ydata(), float), np.asarray(b.get_ydata(), float)
                if ya.shape != yb.shape or not np.allclose(ya, yb):
                    continue
                top, under = (a, b) if a.get_zorder() >= b.get_zorder() else (b, a)
                same_look = (top.get_linestyle() == under.get_linestyle()
                             and top.get_marker() == under.get_marker())
                covers = top.get_linewidth() >= under.get_linewidth() and \
                    top.get_linestyle() == "-"
                if same_look or covers:
                    out.append(f"{top.get_label()} over {under.get_label()}")
    return out


def colours_by_label(fig: Figure) -> dict[str, str]:
    out = {}
    for ax in fig.axes:
        for ln in ax.get_lines():
            if not ln.get_label().startswith("_"):
                out[ln.get_label()] = matplotlib.colors.to_hex(ln.get_color())
    return out


# --------------------------------------------------------------------------- tests

def test_every_chart_has_a_title_and_alt_text(charts) -> None:
    for name, chart in charts.items():
        assert chart.title.strip(), name
        assert len(chart.alt) > 40 and not CODE.search(chart.alt), (name, chart.alt)
        assert chart.title in " ".join(t.get_text().replace("\n", " ")
                                       for t in texts(chart.figure)), name


def test_no_code_names_or_scientific_notation(charts) -> None:
    for name, chart in charts.items():
        assert coded(chart.figure) == [], name


def test_legends_cover_no_data(charts) -> None:
    for name, chart in charts.items():
        assert legends_over_data(chart.figure) == [], name


def test_titles_and_notes_fit_the_figure(charts) -> None:
    for name, chart in charts.items():
        assert cut_texts(chart.figure) == [], name
        assert overlapping_texts(chart.figure) == [], name


def test_every_figure_has_a_source_and_a_scenario_line(charts) -> None:
    for name, chart in charts.items():
        assert has_source(chart.figure), name


def test_scenarios_with_the_same_numbers_both_show(charts) -> None:
    for name in ("caseload", "unallocated", "workforce", "open_cases", "weekly_differences"):
        assert hidden_lines(charts[name].figure) == [], name
    # and the alt text says why they look as one
    assert "Retention: the same as Baseline" in charts["caseload"].alt


def test_a_scenario_keeps_its_colour_and_the_palette_is_colour_blind_safe(charts) -> None:
    seen: dict[str, set[str]] = {}
    for name in ("caseload", "workforce", "weekly_differences", "differences"):
        for label, colour in colours_by_label(charts[name].figure).items():
            seen.setdefault(label, set()).add(colour)
    assert {"Baseline", "Retention", "IPEH cuts", "Retention and IPEH cuts"} <= set(seen)
    assert all(len(c) == 1 for c in seen.values()), seen
    assert seen["Baseline"] == {"#000000"}
    assert set().union(*seen.values()) <= OKABE_ITO


def test_sizes_fit_a_slide(charts) -> None:
    for name, chart in charts.items():
        w, h = chart.figure.bbox.width, chart.figure.bbox.height
        assert w <= SLIDE_PX[0] and h <= SLIDE_PX[1] and w >= h, (name, w, h)


def test_drivers_say_plainly_when_nothing_is_clear(charts) -> None:
    words = " ".join(t.get_text().replace("\n", " ") for t in texts(charts["drivers"].figure))
    # retention changes no child's care: no year is picked for it
    assert "No clear difference in any year" in words
    # the effects behind workers in post cannot be told from chance
    assert "No single effect stands out from chance" in words
    assert "Leaving with retention payments, relative to none" in words


def test_sweep_options_in_words_and_the_frontier(charts) -> None:
    fig = charts["frontier"].figure
    words = [t.get_text() for t in texts(fig)]
    assert "Retention £5.0m a year" in words and "Retention £0 a year" in words
    # £2.5m buys little more than £1m: off the frontier, drawn hollow and grey
    hollow = [ln for ln in fig.axes[0].get_lines() if ln.get_markerfacecolor() == "white"]
    assert len(hollow) == 1 and len(hollow[0].get_xdata()) == 1
    assert "On the frontier: Retention £0 a year, Retention £1.0m a year and Retention " \
        "£5.0m a year" in charts["frontier"].alt


def test_unallocated_cases_say_when_they_rest_on_an_assumption() -> None:
    from sim.outputs import plots
    from sim.outputs.plots.series import unallocated_notes
    from sim.scenario.strain import Strain

    class Scenario:  # only its strain section is read
        strain = Strain()

    weekly = {"baseline": weekly_tables()["baseline"]}
    notes = unallocated_notes(weekly, {"baseline": Scenario()})
    assert any("does not respond to strain" in n for n in notes)
    # 40 of some 4,650 open cases wait: under the threshold, no note on the size
    assert not any("depends on assumptions" in n for n in notes)
    big = weekly["baseline"].copy()
    big.loc[big.metric == "unallocated", "value"] *= 10
    chart = plots.unallocated_chart({"baseline": big}, plots.Source(None, 3, 1))
    assert "depends on assumptions" in chart.alt
    assert any("depends on assumptions" in t.get_text() for t in texts(chart.figure))
