"""A sweep's budget options: what each costs against what it buys (``sweep_frontier.png``),
from ``frontier.csv`` (``front``) and the values each option sets (``sweep.json``'s
``points``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.lines import Line2D

from sim.outputs.finance import OUTCOMES
from sim.outputs.labels import money, number, option, scenario_title
from sim.outputs.plots.style import (
    Chart,
    Source,
    frame,
    listing,
    new_figure,
    panels,
    plain_axis,
    tidy,
)

ON, OFF = "#D55E00", "0.45"


def frontier_chart(front: pd.DataFrame, values: Mapping[str, Mapping[str, Any]],
                   outcome: str, source: Source, scenario: str | None = None) -> Chart:
    """Each option's extra cost (present value over the run) against how much of
    ``outcome`` (a key of ``OUTCOMES``, e.g. ``worker_changes``) it avoids, both against the
    first option, with 95% intervals; the options on the frontier are joined up and each
    option is labelled with what it sets, in words (``values``: point -> dotted path ->
    value)."""
    many = OUTCOMES[outcome][3] if outcome in OUTCOMES else outcome.replace("_", " ")
    words = {p: option(dict(values.get(p, {}))) or str(p) for p in front.point}
    first = front.point.iloc[0]
    fig = new_figure()
    ax = panels(fig, 1)[0]
    f = front.assign(cost_m=front.extra_cost / 1e6)
    ax.errorbar(f.avoided, f.cost_m,
                xerr=[f.avoided - f.avoided_ci_low, f.avoided_ci_high - f.avoided],
                yerr=[f.cost_m - f.extra_cost_ci_low / 1e6,
                      f.extra_cost_ci_high / 1e6 - f.cost_m],
                fmt="none", ecolor="0.7", lw=1, capsize=2, zorder=1)
    on = f[f.on_frontier].sort_values("extra_cost")
    off = f[~f.on_frontier]
    ax.plot(on.avoided, on.cost_m, "-o", color=ON, ms=7, lw=1.6, zorder=3)
    if len(off):
        ax.plot(off.avoided, off.cost_m, "o", color=OFF, ms=7, markerfacecolor="white",
                zorder=3)
    for row in f.itertuples():
        ax.annotate(words[row.point], (row.avoided, row.cost_m), xytext=(7, -3),
                    textcoords="offset points", fontsize=8.5, va="top")
    ax.axhline(0, color="0.2", lw=0.8)
    ax.axvline(0, color="0.2", lw=0.8)
    ax.set_xlabel(f"{many.capitalize()} avoided over the run, against "
                  f"{words[first][:1].lower() + words[first][1:]}", fontsize=9)
    ax.set_ylabel("Extra cost, present value over the run", fontsize=9)
    tidy(ax)
    plain_axis(ax.yaxis, prefix="£", suffix="m")
    plain_axis(ax.xaxis)
    ax.margins(x=0.25, y=0.12)  # room for the options' labels
    legend = ([Line2D([], [], color=ON, marker="o")],
              ["on the frontier: the best buys for their cost"])
    if len(off):
        legend[0].append(Line2D([], [], ls="none", color=OFF, marker="o",
                                markerfacecolor="white"))
        legend[1].append("off it: another option, or a mix of two, avoids more for the money")
    title = "Budget options: what each costs and what it buys"
    frame(fig, title, "Average of paired replications (the same children and chance events "
          "for every option), with 95% intervals.",
          [f"Scenario: {scenario_title(scenario)}, with the options "
           f"{listing(list(words.values()))}" if scenario else
           f"Options: {listing(list(words.values()))}", source.line("per option")], legend)
    parts = []
    for row in f.itertuples():
        if row.point == first:
            continue
        parts.append(f"{words[row.point]}: {money(row.extra_cost, signed=True)}, "
                     f"{number(row.avoided)} {many} avoided")
    frontier = [words[p] for p in on.point]
    alt = (f"Scatter chart of {len(f)} budget options: extra cost against {many} avoided, "
           f"both against {words[first]}. " + "; ".join(parts) + ". On the frontier: "
           f"{listing(frontier) or 'none'}.")
    return Chart(fig, title, alt)


def write_frontier(front: pd.DataFrame, values: Mapping[str, Mapping[str, Any]],
                   outcome: str, source: Source, out: Path,
                   scenario: str | None = None) -> Path:
    path = out / "sweep_frontier.png"
    frontier_chart(front, values, outcome, source, scenario).save(path)
    return path
