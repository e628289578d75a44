"""Weekly series: one scenario's (``sim run``) or several scenarios' (``sim compare``)
weekly measures with the spread of their replications, and the weekly paired differences.

Every function takes ``weekly``: scenario name -> the long weekly table (``replication,
week, metric, value``, as ``weekly.parquet``), the base scenario first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from sim.outputs.labels import scenario_title, weekly_label, weekly_unit
from sim.outputs.plots.style import (
    COLOURS,
    Chart,
    Source,
    amount,
    counts,
    decimals_for,
    frame,
    legend_of,
    listing,
    new_figure,
    panel_title,
    panels,
    scenario_line,
    scenario_styles,
    tidy,
    years_axis,
)
from sim.outputs.tables import weekly_bands

WORKFORCE = ("fte_experienced", "fte_newly_qualified", "fte_agency")
OPEN_CASES = ("open_assessment", "open_cin", "open_cp", "open_cla")
BIG_UNALLOCATED = 0.02  # of open cases: a backlog a note should say comes from assumptions
STRAIN = {"thresholds": "tightening the front door", "agency": "buying agency staff",
          "establishment": "adding posts", "manager_holding": "managers holding cases"}


def _bands(weekly: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {name: weekly_bands(w) for name, w in weekly.items()}


def _span(bands: pd.DataFrame) -> str:
    weeks = pd.to_datetime(bands["week"])
    return f"{weeks.min():%B %Y} to {weeks.max():%B %Y}"


def _describe(series: dict[str, pd.Series]) -> str:
    """Each line in words: where it starts and ends and its range, and which lines are the
    same as an earlier one (so a reader knows why one seems missing)."""
    present = {k: v for k, v in series.items() if v.notna().any()}
    d = decimals_for({k: float(np.nanmax(np.abs(v))) for k, v in present.items()})
    parts = []
    done: list[str] = []
    for name, s in series.items():
        if name not in present:  # e.g. the caseload where nobody holds cases
            parts.append(f"{name}: no value")
            continue
        same = [o for o in done
                if np.nanmax(np.abs(series[o].to_numpy() - s.to_numpy())) <=
                0.02 * max(1e-9, float(np.nanmax(np.abs(series[o]))))]
        if same:
            parts.append(f"{name}: the same as {same[0]} within 2% throughout")
        else:
            parts.append(f"{name}: {amount(s.iloc[0], d)} at the start and "
                         f"{amount(s.iloc[-1], d)} at the end, between "
                         f"{amount(s.min(), d)} and {amount(s.max(), d)}")
        done.append(name)
    return "; ".join(parts) + "."


def _line(ax: Axes, b: pd.DataFrame, metric: str, label: str, colour: str, dashes, width,
          zorder: float, marker: str = "", offset: int = 0, band: str | None = None,
          band_label: str | None = None) -> pd.Series:
    m = b[b["metric"] == metric]
    x = pd.to_datetime(m["week"])
    if band:
        ax.fill_between(x, m["p05"], m["p95"], color=band, alpha=0.18, lw=0, zorder=1,
                        label=band_label or "_")
    step = max(1, len(m) // 10)
    ax.plot(x, m["mean"], label=label, color=colour, ls=dashes, lw=width, zorder=zorder,
            marker=marker or None, markevery=(offset % step, step), ms=5,
            markerfacecolor="white" if marker else None, markeredgewidth=1.2)
    return pd.Series(m["mean"].to_numpy(), index=x)


def series_chart(weekly: Mapping[str, pd.DataFrame], metrics: Sequence[str], title: str,
                 source: Source, notes: Sequence[str] = ()) -> Chart:
    """Weekly measures of one or several scenarios.

    One scenario: one panel, a line per measure, each with the band of its replications
    (5th to 95th percentile). Several: a panel per measure and a line per scenario, each
    with its colour, dashes and markers (so that identical lines both show), and the base's
    band in grey. ``notes`` are printed above the source line."""
    bands = _bands(weekly)
    names = list(bands)
    titles = [scenario_title(n) for n in names]
    first = bands[names[0]]
    fig = new_figure()
    one = len(names) == 1
    described: list[str] = []
    if one:
        ax = panels(fig, 1)[0]
        lines = {}
        for i, metric in enumerate(metrics):
            colour = COLOURS[(i + 2) % len(COLOURS)] if len(metrics) > 1 else COLOURS[2]
            lines[weekly_label(metric)] = _line(
                ax, first, metric, weekly_label(metric), colour, "-", 2.0, 3, band=colour)
        units = {weekly_unit(m) for m in metrics}
        ax.set_ylabel(", ".join(sorted(units)))
        years_axis(ax)
        tidy(ax)
        ax.set_ylim(bottom=0)
        axes = [ax]
        reps = counts(source.replications, "replication", "replications")
        subtitle = (f"Line: the average of {reps}; band: the range of single runs (5th to "
                    "95th percentile)")
        described.append(_describe(lines))
        kind = ("Line chart of " + listing([weekly_label(m).lower() for m in metrics]) +
                f", weekly from {_span(first)}, in the {titles[0]} scenario.")
    else:
        styles = scenario_styles(names)
        # three series stack (one above another, on one time axis): side by side, their
        # dates would run into each other
        axes = panels(fig, len(metrics), cols=1 if len(metrics) == 3 else None)
        for ax, metric in zip(axes, metrics, strict=True):
            lines = {}
            for i, (name, t) in enumerate(zip(names, titles, strict=True)):
                s = styles[name]
                lines[t] = _line(ax, bands[name], metric, t, s.colour, s.dashes, s.width,
                                 s.zorder, s.marker, offset=3 * i,
                                 band="0.45" if i == 0 else None,
                                 band_label=f"{titles[0]}: range of single runs")
            if len(metrics) > 1:
                panel_title(ax, weekly_label(metric))
            ax.set_ylabel(weekly_unit(metric), fontsize=9)
            years_axis(ax)
            tidy(ax)
            if ax.get_ylim()[0] < 0:  # a count is never below zero
                ax.set_ylim(bottom=0)
            described.append((f"{weekly_label(metric)}: " if len(metrics) > 1 else "") +
                             _describe(lines))
        if len(metrics) == 3:  # stacked: the dates once, under the last
            for ax in axes[:-1]:
                ax.sharex(axes[-1])
                ax.tick_params(labelbottom=False)
        subtitle = ("Lines: the average of each scenario's replications; grey band: the "
                    f"range of single runs of {titles[0]} (5th to 95th percentile)")
        kind = (f"Line chart{'s' if len(metrics) > 1 else ''} of " +
                listing([weekly_label(m).lower() for m in metrics]) +
                f", weekly from {_span(first)}, for {len(names)} scenarios" +
                (", one panel per measure." if len(metrics) > 1 else "."))
    # one line needs no legend: the title names it
    frame(fig, title, subtitle, [*notes, scenario_line(names),
                                 source.line("each" if not one else "")],
          None if one and len(metrics) == 1 else legend_of(axes))
    alt = " ".join([kind, *described, *notes])
    return Chart(fig, title, alt)


def caseload_chart(weekly: Mapping[str, pd.DataFrame], source: Source) -> Chart:
    """Cases per case-holding social worker, week by week."""
    return series_chart(weekly, ["caseload_mean"], weekly_label("caseload_mean"), source)


def workforce_chart(weekly: Mapping[str, pd.DataFrame], source: Source) -> Chart:
    """Social workers in post: experienced, newly qualified and agency (FTE)."""
    return series_chart(weekly, WORKFORCE, "Social workers in post by type", source)


def open_cases_chart(weekly: Mapping[str, pd.DataFrame], source: Source) -> Chart:
    """Open cases by stage: assessments, children in need, protection plans, looked after."""
    return series_chart(weekly, OPEN_CASES, "Open cases by type", source)


def unallocated_notes(weekly: Mapping[str, pd.DataFrame],
                      scenarios: Mapping[str, object] | None = None) -> list[str]:
    """What a reader must know before reading unallocated cases as a crisis: which
    responses to strain a scenario leaves out, and, when the backlog is large, that it comes
    from assumptions (workers take no case beyond their limit; how the service copes is
    estimated)."""
    notes = []
    for name, sc in (scenarios or {}).items():
        strain = getattr(sc, "strain", None)
        if strain is None:
            continue
        off = [words for part, words in STRAIN.items() if not strain.on(part)]
        if len(off) == len(STRAIN):
            notes.append(f"Assumption: in {scenario_title(name)} the service does not respond "
                         "to strain (no tightening of the front door, extra agency staff or "
                         "posts, or managers holding cases), so cases pile up as they would "
                         "not in a real service.")
        elif off:
            notes.append(f"Assumption: in {scenario_title(name)} the service responds to "
                         f"strain without {listing(off)}.")
    big = {}
    for name, w in weekly.items():
        m = w.groupby(["week", "metric"])["value"].mean().unstack()
        if "unallocated" not in m or not set(OPEN_CASES) <= set(m):
            continue
        share = float((m["unallocated"] / m[list(OPEN_CASES)].sum(axis=1)).max())
        if share >= BIG_UNALLOCATED:
            big[scenario_title(name)] = share
    if big:
        peak = max(big.values())
        notes.append(f"At the peak {peak:.0%} of open cases wait for a worker "
                     f"({listing(list(big))}): how many depends on assumptions (each worker "
                     "takes cases only up to a limit; how the service copes under strain is "
                     "estimated), not on a published count.")
    return notes


def unallocated_chart(weekly: Mapping[str, pd.DataFrame], source: Source,
                      scenarios: Mapping[str, object] | None = None) -> Chart:
    """Cases waiting for a social worker, with a note when the number rests on an
    assumption (``scenarios``: name -> ``Scenario``, to read their ``strain`` sections)."""
    return series_chart(weekly, ["unallocated"], weekly_label("unallocated"), source,
                        unallocated_notes(weekly, scenarios))


def weekly_differences_chart(weekly: Mapping[str, pd.DataFrame], source: Source) -> Chart:
    """Each scenario's weekly paired difference from the first (the base), in four
    measures, with the 95% interval of the mean difference as a band."""
    wanted = ["caseload_mean", "unallocated", "fte_permanent", "fte_agency"]

    def prep(w: pd.DataFrame) -> pd.DataFrame:
        p = w.pivot_table(index=["replication", "week"], columns="metric", values="value",
                          dropna=False)
        p["fte_permanent"] = p["fte_experienced"] + p["fte_newly_qualified"]
        return p.reindex(columns=wanted)

    names = list(weekly)
    base = names[0]
    styles = scenario_styles(names)
    b = prep(weekly[base])
    # a measure with no value (the caseload, where nobody holds cases) has no panel
    metrics = [m for m in wanted if b[m].notna().any()]
    fig = new_figure()
    axes = panels(fig, len(metrics))
    described: dict[str, list[str]] = {m: [] for m in metrics}
    for i, name in enumerate(names[1:], start=1):
        d = (prep(weekly[name]) - b).reset_index()
        g = d.groupby("week")
        s = styles[name]
        for ax, metric in zip(axes, metrics, strict=True):
            m = g[metric].mean()
            n = g[metric].count()
            half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * g[metric].std(ddof=1) / \
                np.sqrt(n)
            x = pd.to_datetime(m.index)
            step = max(1, len(m) // 10)
            ax.fill_between(x, m - half, m + half, color=s.colour, alpha=0.15, lw=0)
            ax.plot(x, m, color=s.colour, ls=s.dashes, lw=1.7, zorder=s.zorder,
                    marker=s.marker, markevery=(3 * i % step, step), ms=5,
                    markerfacecolor="white", label=scenario_title(name))
            dd = decimals_for([float(np.nanmax(np.abs(m)))])
            described[metric].append(
                f"{scenario_title(name)} {amount(float(m.mean()), dd)} on average, between "
                f"{amount(float(m.min()), dd)} and {amount(float(m.max()), dd)}")
    for ax, metric in zip(axes, metrics, strict=True):
        ax.axhline(0, color="0.2", lw=0.9, zorder=1)
        panel_title(ax, weekly_label(metric))
        ax.set_ylabel(weekly_unit(metric), fontsize=9)
        years_axis(ax)
        tidy(ax)
    title = f"Weekly difference from {scenario_title(base)}"
    frame(fig, title, "Line: the average paired difference (same children, same chance "
          "events); band: its 95% interval. Above zero: more than in "
          f"{scenario_title(base)}.", [scenario_line(names), source.line("each")],
          legend_of(axes))
    w0 = weekly_bands(weekly[base])
    alt = (f"Line charts of the weekly difference from {scenario_title(base)}, "
           f"{_span(w0)}, for {counts(len(names) - 1, 'scenario', 'scenarios')}, one panel "
           "per measure. " + " ".join(f"{weekly_label(m)}: {'; '.join(v)}." for m, v in
                                      described.items()))
    return Chart(fig, title, alt)
