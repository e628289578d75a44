"""A council's back-test (``backtest.png``): what the model forecast from a start year with
only what was published by then, against what was published later."""

from __future__ import annotations

import matplotlib.ticker
import numpy as np
import pandas as pd

from sim.outputs.labels import short
from sim.outputs.plots.style import (
    TALL,
    Chart,
    Source,
    frame,
    legend_of,
    new_figure,
    panels,
    tidy,
)


def backtest_chart(table: pd.DataFrame, council: str,
                   history: dict[str, dict[int, float]], source: Source) -> Chart:
    """For one council, a panel per indicator: its published history and the model's
    forecast from the start year with its 90% interval (``table``: ``backtest.csv``)."""
    inds = list(dict.fromkeys(table.indicator))
    start = int(table.period.min()) - 1
    fig = new_figure(TALL)
    axes = panels(fig, len(inds), cols=3 if len(inds) > 4 else 2)
    inside = 0
    for ax, ind in zip(axes, inds, strict=True):
        t = table[table.indicator == ind].sort_values("period")
        h = history.get(ind, {})
        years = sorted(h)
        ax.plot(years, [h[y] for y in years], "-o", color="black", ms=3.5, lw=1.4,
                label="published", zorder=3)
        xs = [start, *t.period.tolist()]
        base = h.get(start, np.nan)
        ax.plot(xs, [base, *t.simulated.tolist()], ls=(0, (5, 2)), color="#0072B2", lw=1.6,
                label="simulated average", zorder=2)
        ax.fill_between(xs, [base, *t.p05.tolist()], [base, *t.p95.tolist()],
                        color="#0072B2", alpha=0.2, lw=0, label="simulated 90% interval")
        inside += sum(lo <= h.get(int(p), np.nan) <= hi
                      for p, lo, hi in zip(t.period, t.p05, t.p95, strict=True))
        ax.set_title(short(ind), loc="left", fontsize=9.5, fontweight="bold")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        tidy(ax)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:.0f}"))
    title = f"{council}: back-test from {start}"
    frame(fig, title, f"The model forecast from {start} with only what was published by then, "
          "against what was published later",
          [f"Scenario: {council} as published by {start}, run forward", source.line()],
          legend_of(axes))
    alt = (f"Line charts of {len(inds)} indicators for {council}: published figures and the "
           f"model's forecast from {start} with its 90% interval; {inside} of "
           f"{len(table)} published figures fall inside the interval.")
    return Chart(fig, title, alt)
