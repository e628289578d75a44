"""Plots: the weekly series with bands across replications, and comparisons.

Figures are built with matplotlib's object API (``Figure``), never pyplot: no global state,
no window, nothing that depends on a display, and a notebook shows the figure a function
returns.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.colors
import matplotlib.dates as mdates
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from sim.outputs.tables import weekly_bands, weekly_bands_from

BAND_NOTE = "line: mean of replications; band: 5th-95th percentile of replications"

PLOTS = {
    "caseload.png": ("Cases per case-holding social worker", "cases per FTE",
                     {"caseload_mean": "mean caseload"}),
    "unallocated.png": ("Cases waiting for a social worker (unallocated)", "cases",
                        {"unallocated": "unallocated cases"}),
    "workforce.png": ("Social workers in post by type", "FTE",
                      {"fte_experienced": "experienced (permanent)",
                       "fte_newly_qualified": "newly qualified (permanent)",
                       "fte_agency": "agency"}),
}


def _series(ax, bands: pd.DataFrame, metric: str, label: str, color=None,
            dashed: bool = False) -> None:
    b = bands[bands["metric"] == metric]
    x = pd.to_datetime(b["week"])
    line, = ax.plot(x, b["mean"], label=label, color=color, lw=1.8,
                    ls="--" if dashed else "-", zorder=3 if dashed else 2)
    ax.fill_between(x, b["p05"], b["p95"], color=line.get_color(), alpha=0.15, lw=0)


def _style(ax, title: str, ylabel: str, subtitle: str) -> None:
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold", pad=20)
    ax.text(0, 1.015, subtitle, transform=ax.transAxes, fontsize=8.5, color="0.35",
            va="bottom")
    ax.set_ylabel(ylabel)
    # the axis fits the data (so that small differences between scenarios show), but a
    # count never goes below zero
    if ax.get_ylim()[0] < 0:
        ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(mdates.YearLocator(month=4))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def write_plots(results, out: Path, scenario_name: str) -> list[Path]:
    """Write the run's PNG plots into ``out``; return their paths."""
    from sim.model.measures import WEEKLY_METRICS

    bands = weekly_bands_from(results.weekly_values, results.weeks, WEEKLY_METRICS)
    n = len(results.replications)
    paths = []
    for fname, (title, ylabel, series) in PLOTS.items():
        fig = Figure(figsize=(9, 4.5), dpi=110)
        ax = fig.subplots()
        for metric, label in series.items():
            _series(ax, bands, metric, label)
        _style(ax, f"{title} — {scenario_name}", ylabel,
               f"{n} replications; {BAND_NOTE}")
        if len(series) > 1:
            ax.legend(frameon=False, loc="lower left")
        fig.tight_layout()
        path = out / fname
        fig.savefig(path)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- comparisons

SERIES = {
    "compare_caseload.png": ("Cases per case-holding social worker", "cases per FTE",
                             ["caseload_mean"]),
    "compare_unallocated.png": ("Unallocated cases", "cases", ["unallocated"]),
    "compare_workforce.png": ("Social workers in post by type", "FTE",
                              ["fte_experienced", "fte_newly_qualified", "fte_agency"]),
    "compare_open_cases.png": ("Open cases by type", "cases",
                               ["open_assessment", "open_cin", "open_cp", "open_cla"]),
}
NICE = {
    "caseload_mean": "mean caseload", "unallocated": "unallocated",
    "fte_experienced": "experienced", "fte_newly_qualified": "newly qualified",
    "fte_agency": "agency", "open_assessment": "in assessment", "open_cin": "child in need",
    "open_cp": "child protection", "open_cla": "looked after",
}


def _panels(n: int):
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(6.5 * cols, 3.6 * rows + 0.6), dpi=110)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def series_figure(weekly: dict[str, pd.DataFrame], metrics: list[str], title: str,
                  ylabel: str | dict[str, str]):
    """Weekly series of several scenarios, one panel per measure, each with its band. The
    first scenario (the base) is dashed and drawn on top, so it shows where others overlap
    it. ``ylabel`` may give one label per measure."""
    bands = {name: weekly_bands(w) for name, w in weekly.items()}
    n = next(iter(weekly.values()))["replication"].nunique()
    names = list(bands)
    fig, axes = _panels(len(metrics))
    for ax, metric in zip(axes, metrics, strict=True):
        for i, name in [*list(enumerate(names))[1:], (0, names[0])]:
            _series(ax, bands[name], metric, name, color=f"C{i}" if i else "black",
                    dashed=i == 0 and len(names) > 1)
        sub = f"{n} replications each" if len(metrics) > 1 else \
            f"{n} replications each; {BAND_NOTE}"
        label = ylabel.get(metric, "") if isinstance(ylabel, dict) else ylabel
        _style(ax, title if len(metrics) == 1 else NICE.get(metric, metric), label, sub)
    handles, labels = axes[0].get_legend_handles_labels()
    order = [labels.index(n) for n in names if n in labels]
    axes[0].legend([handles[i] for i in order], [labels[i] for i in order], frameon=False,
                   fontsize=8, loc="best")
    if len(metrics) > 1:
        fig.suptitle(f"{title} (line: mean; band: 5th-95th percentile of replications)",
                     x=0.01, ha="left", fontweight="bold")
        fig.tight_layout(rect=(0, 0, 1, 0.96))
    else:
        fig.tight_layout()
    return fig


def write_comparison_series(weekly: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """One figure per group of weekly series, every scenario in it with its band."""
    paths = []
    for fname, (title, ylabel, metrics) in SERIES.items():
        fig = series_figure(weekly, metrics, title, ylabel)
        fig.savefig(out / fname)
        paths.append(out / fname)
    return paths


def differences_figure(table: pd.DataFrame, metrics: list[str], labels: dict[str, str]):
    """Paired differences from the base by financial year: the mean with its 95% confidence
    interval (thick), and the 5th-95th percentile of single replications' differences
    (thin) — the range one year could show, given chance and the uncertain effects."""
    base = table.loc[table["diff_mean"].eq(0) & table["diff_ci_low"].eq(0), "scenario"]
    base_name = base.iloc[0] if len(base) else ""
    alts = [s for s in table["scenario"].unique() if s != base_name]
    fig, axes = _panels(len(metrics))
    width = 0.8 / max(1, len(alts))
    for ax, metric in zip(axes, metrics, strict=True):
        t = table[(table.metric == metric) & (table.scenario != base_name)]
        fys = sorted(t["fy"].unique())
        for i, alt in enumerate(alts):
            a = t[t.scenario == alt].set_index("fy").reindex(fys)
            x = np.arange(len(fys)) + (i - (len(alts) - 1) / 2) * width
            color = f"C{list(table['scenario'].unique()).index(alt)}"
            if "diff_p05" in a:
                ax.vlines(x, a["diff_p05"], a["diff_p95"], color=color, lw=0.8, alpha=0.6)
            err = [a["diff_mean"] - a["diff_ci_low"], a["diff_ci_high"] - a["diff_mean"]]
            ax.errorbar(x, a["diff_mean"], yerr=err, fmt="o", ms=5, elinewidth=2.5,
                        capsize=0, color=color, label=alt)
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xticks(np.arange(len(fys)), fys, fontsize=8)
        level = table[(table.metric == metric) & (table.scenario == base_name)]["mean"]
        ax.set_title(labels.get(metric, metric), loc="left", fontsize=10, fontweight="bold",
                     pad=14)
        if len(level):
            ax.text(0, 1.01, f"{base_name}: {level.abs().mean():,.3g} a year on average",
                    transform=ax.transAxes, fontsize=7.5, color="0.35", va="bottom")
        ax.grid(alpha=0.3, axis="y")
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle(f"Difference from {base_name} by financial year. Dot and thick bar: the "
                 "mean difference and its 95% confidence interval (clear of 0: a difference "
                 "the replications can tell from chance).\nThin line: the 5th-95th "
                 "percentile of single replications' differences, the range one year could "
                 "show.", x=0.01, ha="left", fontsize=9.5, fontweight="bold")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def write_differences(table: pd.DataFrame, metrics: list[str], labels: dict[str, str],
                      out: Path) -> Path:
    fig = differences_figure(table, metrics, labels)
    path = out / "compare_differences.png"
    fig.savefig(path)
    return path


def weekly_differences_figure(weekly: dict[str, pd.DataFrame], base: str):
    """Weekly paired differences from the base with a 95% interval band."""
    metrics = {"caseload_mean": "mean caseload", "unallocated": "unallocated cases",
               "fte_permanent": "permanent social workers (FTE)",
               "fte_agency": "agency social workers (FTE)"}

    def prep(w: pd.DataFrame) -> pd.DataFrame:
        p = w.pivot_table(index=["replication", "week"], columns="metric", values="value")
        p["fte_permanent"] = p["fte_experienced"] + p["fte_newly_qualified"]
        return p[list(metrics)]

    b = prep(weekly[base])
    fig, axes = _panels(len(metrics))
    for i, (name, w) in enumerate(weekly.items()):
        if name == base:
            continue
        d = (prep(w) - b).reset_index()
        g = d.groupby("week")
        for ax, metric in zip(axes, metrics, strict=True):
            m = g[metric].mean()
            half = stats.t.ppf(0.975, np.maximum(g[metric].count() - 1, 1)) * \
                g[metric].std(ddof=1) / np.sqrt(g[metric].count())
            x = pd.to_datetime(m.index)
            ax.plot(x, m, color=f"C{i}", lw=1.6, label=name)
            ax.fill_between(x, m - half, m + half, color=f"C{i}", alpha=0.2, lw=0)
    for ax, label in zip(axes, metrics.values(), strict=True):
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_title(label, loc="left", fontsize=10, fontweight="bold")
        ax.xaxis.set_major_locator(mdates.YearLocator(month=4))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle(f"Weekly difference from {base} (line: mean of paired replications; band: "
                 "its 95% interval)", x=0.01, ha="left", fontsize=10, fontweight="bold")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def write_weekly_differences(weekly: dict[str, pd.DataFrame], base: str, out: Path) -> Path:
    fig = weekly_differences_figure(weekly, base)
    path = out / "compare_differences_weekly.png"
    fig.savefig(path)
    return path


def clearest_year(table: pd.DataFrame, scenario: str, metric: str) -> str | None:
    """The financial year in which a scenario's difference in a measure is clearest: the
    largest mean difference relative to the half-width of its interval."""
    t = table[(table.scenario == scenario) & (table.metric == metric)].dropna(
        subset=["diff_mean", "diff_ci_high"])
    if t.empty:
        return None
    half = (t["diff_ci_high"] - t["diff_mean"]).replace(0, np.nan)
    score = (t["diff_mean"].abs() / half).fillna(0)
    return str(t.loc[score.idxmax(), "fy"])


def tornado_figure(drivers: pd.DataFrame, scenario: str, base: str, metrics: list[str],
                   labels: dict[str, str], table: pd.DataFrame | None = None,
                   fy: str | None = None):
    """For one compared scenario: which uncertain effects drive its difference from the base
    in each measure (share of the spread explained, coloured by direction; pale where the
    effect cannot be told apart from chance). Each measure is shown for ``fy`` or, by
    default, for the year its difference is clearest (needs ``table``). None if there is
    nothing to show."""
    panels = []
    for metric in metrics:
        year = fy or (clearest_year(table, scenario, metric) if table is not None else None)
        d = drivers[(drivers.scenario == scenario) & (drivers.metric == metric)
                    & (drivers.fy == year)]
        if not d.empty:
            panels.append((metric, year, d))
    if not panels:
        return None
    fig, axes = _panels(len(panels))
    for ax, (metric, year, d) in zip(axes, panels, strict=True):
        t = d.head(9).iloc[::-1]
        colors: list[str | tuple[float, float, float, float]] = []
        names: list[str] = []
        for row in t.itertuples(index=False):
            if row.parameter == "(chance and interactions)":
                colors.append("0.6")
                names.append(row.parameter)
                continue
            c = "C3" if row.srrc > 0 else "C0"
            faint = row.p_value >= 0.05
            colors.append(matplotlib.colors.to_rgba(c, 0.3 if faint else 1.0))
            names.append(row.parameter.split(".", 1)[-1] + (" (n.s.)" if faint else ""))
        ax.barh(names, 100 * t.share_explained, color=colors)
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the spread of the difference explained", fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_title(f"{labels.get(metric, metric)}, {year}", loc="left", fontsize=10,
                     fontweight="bold")
        ax.grid(alpha=0.3, axis="x")
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"What drives the difference {scenario} − {base}.\nRed: the difference "
                 "rises with the effect's value; blue: it falls; grey: chance; pale (n.s.): "
                 "not distinguishable from chance", x=0.01, ha="left", fontsize=9.5,
                 fontweight="bold")
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def write_tornado(drivers: pd.DataFrame, scenario: str, base: str, metrics: list[str],
                  labels: dict[str, str], out: Path, table: pd.DataFrame | None = None,
                  fy: str | None = None) -> Path | None:
    fig = tornado_figure(drivers, scenario, base, metrics, labels, table, fy)
    if fig is None:
        return None
    path = out / f"drivers_{scenario}.png"
    fig.savefig(path)
    return path


# --------------------------------------------------------------------------- sweeps

def sweep_figure(front: pd.DataFrame, labels: dict[str, str], outcome_label: str):
    """Extra cost against the outcome avoided, for each grid point, with 95% intervals; the
    options not dominated are joined up."""
    fig = Figure(figsize=(9, 5.5), dpi=110)
    ax = fig.subplots()
    f = front
    ax.errorbar(f.avoided / 1, f.extra_cost / 1e6,
                xerr=[f.avoided - f.avoided_ci_low, f.avoided_ci_high - f.avoided],
                yerr=[(f.extra_cost - f.extra_cost_ci_low) / 1e6,
                      (f.extra_cost_ci_high - f.extra_cost) / 1e6],
                fmt="none", ecolor="0.6", lw=1, capsize=2)
    on = f[f.on_frontier].sort_values("extra_cost")
    off = f[~f.on_frontier]
    ax.plot(on.avoided, on.extra_cost / 1e6, "-o", color="C3", ms=7, lw=1.5,
            label="not dominated (the frontier)")
    if len(off):
        ax.plot(off.avoided, off.extra_cost / 1e6, "o", color="0.5", ms=6,
                label="dominated: another option costs less and avoids more")
    for row in f.itertuples():
        ax.annotate(labels.get(row.point, row.point), (row.avoided, row.extra_cost / 1e6),
                    xytext=(6, 4), textcoords="offset points", fontsize=8)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel(f"{outcome_label} avoided, against the first option")
    ax.set_ylabel("extra cost, present value over the run (£m)")
    ax.set_title("Budget options: what each costs and what it buys", loc="left",
                 fontweight="bold", pad=20)
    ax.text(0, 1.015, "mean of paired replications with 95% intervals", fontsize=8.5,
            color="0.35", transform=ax.transAxes, va="bottom")
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8, loc="best")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- back-tests

def backtest_figure(table: pd.DataFrame, council: str, history: dict[str, dict[int, float]]):
    """For one council: each indicator's published history and what the model forecast
    from the start year, with its 90% interval."""
    inds = list(dict.fromkeys(table.indicator))
    fig, axes = _panels(len(inds))
    for ax, ind in zip(axes, inds, strict=True):
        t = table[table.indicator == ind].sort_values("period")
        h = history.get(ind, {})
        years = sorted(h)
        ax.plot(years, [h[y] for y in years], "-o", color="black", ms=4, lw=1.4,
                label="published")
        start = int(t.period.min()) - 1
        xs = [start, *t.period.tolist()]
        base = h.get(start, np.nan)
        ax.plot(xs, [base, *t.simulated.tolist()], "--", color="C0", lw=1.6,
                label="simulated mean")
        ax.fill_between(xs, [base, *t.p05.tolist()], [base, *t.p95.tolist()], color="C0",
                        alpha=0.2, lw=0, label="simulated 90% interval")
        ax.set_title(ind.replace("_", " "), loc="left", fontsize=10, fontweight="bold")
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle(f"{council}: back-test from {int(table.period.min()) - 1} (only what was "
                 "published by then), against what was published later", x=0.01, ha="left",
                 fontweight="bold")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig
