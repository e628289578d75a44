"""A comparison's yearly differences from the base (``compare_differences.png``) and what
drives them (``drivers_<scenario>.png``), from the tables ``sim compare`` writes:
``comparison.csv`` (``table``) and ``drivers.csv`` (``drivers``)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib.colors
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.model.measures import HEADLINE_METRICS
from sim.outputs.comparison import CHANCE, DRIVER_METRICS
from sim.outputs.labels import (
    describe_change,
    label,
    measure,
    parameter,
    scenario_title,
    short,
)
from sim.outputs.plots.style import (
    TALL,
    Chart,
    Source,
    counts,
    frame,
    legend_of,
    listing,
    new_figure,
    panels,
    plain_axis,
    scenario_line,
    scenario_styles,
    tidy,
)

RISES, FALLS, GREY = "#D55E00", "#0072B2", "0.6"


def _names(table: pd.DataFrame) -> list[str]:
    """The scenarios in the table's order, the base first (its differences are zero)."""
    names = list(dict.fromkeys(table["scenario"]))
    base = table.loc[table["diff_mean"].eq(0) & table["diff_ci_low"].eq(0)
                     & table["diff_ci_high"].eq(0), "scenario"]
    if len(base):
        names.remove(base.iloc[0])
        names.insert(0, base.iloc[0])
    return names


def clear(row) -> bool:
    """Whether a difference's 95% interval excludes zero."""
    return bool(row.diff_ci_low > 0 or row.diff_ci_high < 0)


def differences_chart(table: pd.DataFrame, source: Source,
                      metrics: Sequence[str] = HEADLINE_METRICS) -> Chart:
    """Each scenario's paired difference from the base (the first) by financial year, one
    panel per measure: the mean with its 95% interval (a thick bar; the marker filled when
    the interval excludes zero) and the range of single runs (a thin line)."""
    names = _names(table)
    base, alts = names[0], names[1:]
    styles = scenario_styles(names)
    fig = new_figure(TALL)
    axes = panels(fig, len(metrics), cols=3)
    width = 0.8 / max(1, len(alts))
    clear_ones: dict[str, list[str]] = {a: [] for a in alts}
    for ax, metric in zip(axes, metrics, strict=True):
        t = table[table.metric == metric]
        fys = sorted(t["fy"].unique())
        for i, alt in enumerate(alts):
            a = t[t.scenario == alt].set_index("fy").reindex(fys)
            x = np.arange(len(fys)) + (i - (len(alts) - 1) / 2) * width
            s = styles[alt]
            if "diff_p05" in a:
                ax.vlines(x, a["diff_p05"], a["diff_p95"], color=s.colour, lw=0.9, alpha=0.7)
            ax.vlines(x, a["diff_ci_low"], a["diff_ci_high"], color=s.colour, lw=3)
            filled = [clear(r) for r in a.itertuples()]
            for fill in (True, False):
                k = np.array(filled) == fill
                ax.plot(x[k], a["diff_mean"][k], ls="none", marker=s.marker or "o", ms=5.5,
                        color=s.colour, markerfacecolor=s.colour if fill else "white",
                        label=scenario_title(alt) if fill else "_", zorder=3)
            rows = [r for r in a.reset_index().itertuples() if clear(r)]
            if rows:
                big = max(rows, key=lambda r: abs(r.diff_mean))
                clear_ones[alt].append(f"{describe_change(metric, big.diff_mean)} in "
                                       f"{big.fy}")
        ax.axhline(0, color="0.2", lw=0.9)
        ax.set_xticks(np.arange(len(fys)), fys, fontsize=7.5)
        level = t[t.scenario == base]["mean"].abs().mean()
        m = measure(metric)
        ax.set_title(f"{short(metric)}\n{scenario_title(base)}: "
                     f"{level:,.{m.decimals}f} on average", loc="left", fontsize=9,
                     fontweight="bold", linespacing=1.3)
        ax.set_ylabel(m.unit.replace("percentage points", "points"), fontsize=8)
        tidy(ax, "y")
    # a scenario's legend entry uses its filled marker; add one if it had no clear year
    handles, labels = legend_of(axes)
    for alt in alts:
        if scenario_title(alt) not in labels:
            s = styles[alt]
            handles.append(Line2D([], [], ls="none", marker=s.marker or "o", color=s.colour))
            labels.append(scenario_title(alt))
    handles.append(Line2D([], [], ls="none", marker="o", color="0.3",
                          markerfacecolor="white"))
    labels.append("hollow: no clear difference")
    title = f"Difference from {scenario_title(base)} by financial year"
    frame(fig, title, "Marker and thick bar: the average difference and its 95% interval "
          "(filled where the interval excludes zero: a clear difference). Thin line: the "
          "range of single runs (5th to 95th percentile).",
          [scenario_line(names), source.line("each")], (handles, labels))
    said = [f"{scenario_title(a)}: " + (listing(v) if v else "no clear difference")
            for a, v in clear_ones.items()]
    alt_text = (f"Dot charts of the difference from {scenario_title(base)} by financial year "
                f"for {counts(len(alts), 'scenario', 'scenarios')}, one panel for each of "
                f"{len(metrics)} measures ({listing([label(m).lower() for m in metrics])}). "
                "Largest clear difference in each measure: " + "; ".join(said) + ".")
    return Chart(fig, title, alt_text)


def write_differences(table: pd.DataFrame, source: Source, out: Path,
                      metrics: Sequence[str] = HEADLINE_METRICS) -> Path:
    path = out / "compare_differences.png"
    differences_chart(table, source, metrics).save(path)
    return path


# --------------------------------------------------------------------------- drivers

def clearest_year(table: pd.DataFrame, scenario: str, metric: str) -> str | None:
    """The financial year in which a scenario's difference in a measure is clearest (the
    largest mean difference relative to the half-width of its interval), among the years
    whose interval excludes zero; None when no year's does."""
    t = table[(table.scenario == scenario) & (table.metric == metric)].dropna(
        subset=["diff_mean", "diff_ci_high"])
    t = t[(t.diff_ci_low > 0) | (t.diff_ci_high < 0)]
    if t.empty:
        return None
    half = (t["diff_ci_high"] - t["diff_mean"]).replace(0, np.nan)
    score = (t["diff_mean"].abs() / half).fillna(np.inf)
    return str(t.loc[score.idxmax(), "fy"])


def drivers_chart(drivers: pd.DataFrame, table: pd.DataFrame, scenario: str, source: Source,
                  metrics: Sequence[str] = DRIVER_METRICS[:4], fy: str | None = None,
                  top: int = 5) -> Chart | None:
    """For one compared scenario: which uncertain effects drive its difference from the base
    in each measure, as the share of the difference's spread each explains. Each measure is
    shown for ``fy`` or, by default, for the year its difference is clearest; a measure with
    no clear difference in any year says so instead of picking one. None when the
    comparison has no drivers for the scenario (too few replications)."""
    if drivers[drivers.scenario == scenario].empty:
        return None
    names = _names(table)
    base = names[0]
    fig = new_figure()
    axes = panels(fig, len(metrics))
    said = []
    for ax, metric in zip(axes, metrics, strict=True):
        year = fy or clearest_year(table, scenario, metric)
        d = drivers[(drivers.scenario == scenario) & (drivers.metric == metric)
                    & (drivers.fy == year)]
        tidy(ax, "x")
        if year is None or d.empty:
            why = ("No clear difference in any year,\nso there is nothing to explain"
                   if year is None else f"No drivers for {year}")
            ax.text(0.5, 0.5, why, transform=ax.transAxes, ha="center", va="center",
                    fontsize=9, color="0.3")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.spines[["left", "bottom"]].set_visible(False)
            ax.set_title(short(metric), loc="left", fontsize=10, fontweight="bold")
            said.append(f"{label(metric)}: " + why.replace("\n", " ").lower())
            continue
        rest = d[d.parameter != CHANCE]
        chance = d[d.parameter == CHANCE]
        shown = pd.concat([rest.head(top), chance]).iloc[::-1]
        colours: list[str | tuple[float, float, float, float]] = []
        for row in shown.itertuples(index=False):
            if row.parameter == CHANCE:
                colours.append(GREY)
            else:
                faint = not row.p_value < 0.05
                colours.append(matplotlib.colors.to_rgba(RISES if row.srrc > 0 else FALLS,
                                                         0.3 if faint else 1.0))
        ax.barh(np.arange(len(shown)), 100 * shown.share_explained, color=colours)
        ax.set_yticks(np.arange(len(shown)),
                      [textwrap.fill(parameter(p), 30) for p in shown.parameter])
        ax.set_xlim(0, 100)
        plain_axis(ax.xaxis, suffix="%")
        ax.tick_params(axis="y", labelsize=7.5)
        any_clear = bool((rest.p_value < 0.05).any())
        ax.set_title(f"{short(metric)} ({year})", loc="left", fontsize=10, fontweight="bold")
        if not any_clear:
            ax.set_xlabel("No single effect stands out from chance", fontsize=9, color="0.2")
        lead = rest.iloc[0] if len(rest) else None
        if lead is not None and any_clear:
            said.append(f"{label(metric)} in {year}: {parameter(lead.parameter).lower()} "
                        f"explains {lead.share_explained:.0%}")
        else:
            said.append(f"{label(metric)} in {year}: no single effect stands out from chance")
    legend = ([Patch(color=RISES), Patch(color=FALLS),
               Patch(color=matplotlib.colors.to_rgba(RISES, 0.3)), Patch(color=GREY)],
              ["the difference rises with the effect", "it falls with the effect",
               "pale: cannot be told from chance", "chance and interactions"])
    title = f"What drives the difference between {scenario_title(scenario)} and " \
            f"{scenario_title(base)}"
    frame(fig, title, "Bars: the share of the spread of the difference across replications "
          "that each uncertain effect explains, in the year the difference is clearest"
          + (f" ({fy})" if fy else "") + ".", [scenario_line([base, scenario]),
                                                source.line("each")], legend)
    alt = (f"Bar charts of what drives the difference between {scenario_title(scenario)} "
           f"and {scenario_title(base)} in {len(metrics)} measures. " + "; ".join(said) + ".")
    return Chart(fig, title, alt)


def write_drivers(drivers: pd.DataFrame, table: pd.DataFrame, scenario: str,
                  source: Source, out: Path, metrics: Sequence[str] = DRIVER_METRICS[:4],
                  fy: str | None = None) -> Path | None:
    chart = drivers_chart(drivers, table, scenario, source, metrics, fy)
    if chart is None:
        return None
    path = out / f"drivers_{scenario}.png"
    chart.save(path)
    return path
