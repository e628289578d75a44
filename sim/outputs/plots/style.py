"""What every figure shares: the ``Chart`` it is returned as, its source line, the colour
and line style of each scenario, and the frame (title, subtitle, legend, notes, source).

A figure is laid out in three bands, measured in the renderer's pixels so that nothing is
cut or covered: a header (title, subtitle, and the legend in a row of its own, so that it
never sits on a line), the panels (matplotlib's constrained layout, kept between the
bands), and a footer (notes, the scenarios in words, the source line).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.dates as mdates
import matplotlib.ticker
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim import __version__
from sim.outputs.labels import number, scenario_title

SLIDE = (10.0, 5.6)  # inches: a 16:9 slide
TALL = (10.0, 7.5)  # a 4:3 slide, for many panels
DPI = 150
MARGIN = 0.18  # inches around the figure's text


@dataclass(frozen=True)
class Chart:
    """A figure with the words a report needs beside it: its title, and ``alt``, a plain
    description of what it shows (generated from the data) for readers who cannot see it."""

    figure: Figure
    title: str
    alt: str

    def save(self, path: Any) -> None:
        self.figure.savefig(path, dpi=DPI)

    def png(self) -> bytes:
        """The chart as PNG bytes, at the PNG files' resolution."""
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=DPI)
        return buf.getvalue()

    def _repr_png_(self) -> bytes:  # a notebook shows the chart itself
        return self.png()


@dataclass(frozen=True)
class Source:
    """Where a figure's numbers come from, for its source line: "Source: sim 0.1.0
    simulation of West Sussex, 20 replications, seed 20190401"."""

    council: str | None
    replications: int
    seed: int
    version: str = __version__

    @classmethod
    def of(cls, results: Any) -> Source:
        """From a run's ``Results`` (or any object with ``scenario``, ``seed`` and
        ``replications``)."""
        made_by = getattr(results, "extra", {}).get("sim_version")  # a saved run's own
        return cls(results.scenario.council, len(results.replications), results.seed,
                   made_by or __version__)

    def line(self, each: str = "") -> str:
        where = f" of {self.council}" if self.council else ""
        reps = f"{self.replications} replication{'s' if self.replications != 1 else ''}"
        return (f"Source: sim {self.version} simulation{where}, {reps}"
                f"{' ' + each if each else ''}, seed {self.seed}")


# Okabe & Ito's colour-blind-safe palette; the first scenario (the base) is always black.
# Yellow is left out: too pale on white for a line (WCAG contrast).
COLOURS = ("#000000", "#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
# Each scenario also has its own dashes and marker, so that two scenarios with the same
# numbers still both show: the base is drawn widest and first, the others narrower, dashed
# and marked at staggered weeks on top of it.
DASHES: tuple[Any, ...] = ("-", (0, (5, 2)), (0, (1, 1.6)), (0, (7, 2, 1.5, 2)),
                           (0, (3, 1.5)), (0, (9, 2.5)), (0, (1.5, 1.5, 4, 1.5)))
MARKERS = ("", "o", "s", "^", "D", "v", "P")


@dataclass(frozen=True)
class Style:
    colour: str
    dashes: Any
    marker: str
    width: float
    zorder: float


def style(i: int) -> Style:
    """The look of the ``i``-th scenario (by its order in the comparison)."""
    k = i % len(COLOURS)
    return Style(COLOURS[k], DASHES[k], MARKERS[k], 2.8 if i == 0 else 1.7, 2 + 0.1 * i)


def scenario_styles(names: Sequence[str]) -> dict[str, Style]:
    """Each scenario's look: the order decides it, so a scenario keeps its colour in every
    figure of a comparison."""
    return {name: style(i) for i, name in enumerate(names)}


def scenario_colours(names: Sequence[str]) -> dict[str, str]:
    return {name: s.colour for name, s in scenario_styles(names).items()}


def scenario_line(names: Sequence[str]) -> str:
    """Which scenarios a figure shows, in words."""
    words = [scenario_title(n) for n in names]
    if len(words) == 1:
        return f"Scenario: {words[0]}"
    return f"Scenarios: {words[0]} (the base), then {', '.join(words[1:])}"


# --------------------------------------------------------------------------- numbers

class PlainFormatter(matplotlib.ticker.Formatter):
    """Tick labels as a reader writes numbers: thousands separators, no scientific
    notation, no offset, as many decimals as the step between ticks needs."""

    def __init__(self, prefix: str = "", suffix: str = "") -> None:
        self.prefix, self.suffix = prefix, suffix
        self.decimals = 0

    def set_locs(self, locs: Any) -> None:
        super().set_locs(locs)
        steps = np.diff(np.sort(np.asarray(locs, dtype=float)))
        step = float(steps.min()) if len(steps) and steps.min() > 0 else 1.0
        # the fewest decimals that still write the step exactly (0.025 needs 3)
        self.decimals = next((d for d in range(7)
                              if abs(step * 10**d - round(step * 10**d)) < 1e-6 * 10**d), 6)

    def __call__(self, x: float, pos: int | None = None) -> str:
        text = number(x, self.decimals)
        if text.lstrip("-").strip("0.,") == "":
            return f"{self.prefix}0"  # "£0", not "£0m"
        return f"{self.prefix}{text.replace('-', '−')}{self.suffix}"


def plain_axis(axis: Any, prefix: str = "", suffix: str = "") -> None:
    axis.set_major_formatter(PlainFormatter(prefix, suffix))


def years_axis(ax: Axes) -> None:
    """Dates as "Apr 2020", one tick a year at the start of the financial year."""
    ax.xaxis.set_major_locator(mdates.YearLocator(month=4))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))


def tidy(ax: Axes, grid: str = "both") -> None:
    ax.grid(alpha=0.3, axis=grid)  # type: ignore[arg-type]
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8.5)
    plain_axis(ax.yaxis)


# --------------------------------------------------------------------------- the frame

def new_figure(size: tuple[float, float] = SLIDE) -> Figure:
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # a renderer to measure text with, without pyplot
    return fig


def _fit(text: Text, width_px: float, renderer: Any) -> None:
    """Wrap a text onto more lines until it fits ``width_px``."""
    words = text.get_text()
    chars = len(words)
    while chars > 10 and text.get_window_extent(renderer).width > width_px:
        chars = int(chars * 0.9)
        text.set_text(textwrap.fill(words, chars))


def frame(fig: Figure, title: str, subtitle: str, footer: Sequence[str],
          legend: tuple[list, list] | None = None) -> None:
    """Lay out the figure's header and footer around its panels (see the module's
    docstring). ``legend`` is ``(handles, labels)``, shown in a row under the subtitle."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    w, h = fig.bbox.width, fig.bbox.height
    pad = MARGIN * fig.dpi
    usable = w - 2 * pad
    y = h - pad
    for words, size, weight, colour in ((title, 14, "bold", "black"),
                                        (subtitle, 9.5, "normal", "0.25")):
        if not words:
            continue
        t = fig.text(pad / w, y / h, words, fontsize=size, fontweight=weight, color=colour,
                     va="top", ha="left")
        _fit(t, usable, renderer)
        y -= t.get_window_extent(renderer).height + 0.25 * size
    if legend and legend[0]:
        handles, labels = legend
        for ncols in range(len(handles), 0, -1):
            leg = fig.legend(handles, labels, loc="upper left", ncols=ncols, frameon=False,
                             fontsize=9, bbox_to_anchor=(pad / w - 0.005, y / h),
                             handlelength=3.2, columnspacing=1.6, borderaxespad=0)
            if leg.get_window_extent(renderer).width <= usable or ncols == 1:
                break
            leg.remove()
        y -= leg.get_window_extent(renderer).height + 6
    top = y - 4
    yb = pad * 0.6
    for i, words in enumerate(reversed([f for f in footer if f])):
        t = fig.text(pad / w, yb / h, words, fontsize=7.5 if i == 0 else 8,
                     color="0.3" if i == 0 else "0.15", va="bottom", ha="left")
        _fit(t, usable, renderer)
        yb += t.get_window_extent(renderer).height + 3
    bottom = yb + 4
    fig.get_layout_engine().set(rect=(0, bottom / h, 1, (top - bottom) / h))  # type: ignore


def panels(fig: Figure, n: int, cols: int | None = None) -> list[Axes]:
    """``n`` panels in a grid (two or three a row), the spare cells hidden."""
    cols = cols or (1 if n == 1 else 3 if n in (3, 5, 6) or n > 8 else 2)
    rows = (n + cols - 1) // cols
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return list(axes.flat[:n])


def panel_title(ax: Axes, words: str, size: float = 10) -> None:
    """A panel's title, wrapped to the panel's width so that it never runs into the next."""
    fig = ax.get_figure(root=True)
    width_in = ax.get_position().width * (fig.get_figwidth() if fig else SLIDE[0])
    chars = max(12, int(width_in * 72 / (0.62 * size)))
    ax.set_title(textwrap.fill(words, chars), loc="left", fontsize=size, fontweight="bold")


def legend_of(axes: Sequence[Axes]) -> tuple[list, list]:
    """The distinct entries of the panels' legends, in the order they were drawn."""
    seen: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if not label.startswith("_"):
                seen.setdefault(label, handle)
    return list(seen.values()), list(seen)


# --------------------------------------------------------------------------- words

def listing(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def amount(x: float, decimals: int = 0) -> str:
    """A level in words for an alt text, with the minus sign a screen reader says."""
    return ("minus " if x < 0 else "") + number(abs(x), decimals)


def counts(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def decimals_for(values: Mapping[str, float] | Sequence[float]) -> int:
    vals = np.abs(np.asarray(list(values.values() if isinstance(values, Mapping) else values),
                             dtype=float))
    vals = vals[np.isfinite(vals) & (vals > 0)]
    top = float(vals.max()) if len(vals) else 1.0
    return 0 if top >= 100 else 1 if top >= 1 else 2 if top >= 0.1 else 3
