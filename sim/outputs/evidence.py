"""The evidence report: ``evidence.csv`` (every estimate and check), ``evidence.md`` (a table,
the scenarios' ranges with their reasoning, a section per effect with its checks, studies and
figure, and every source with its full citation) and a figure per effect."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from sim.evidence.effects import EFFECTS, Effect, design, when
from sim.evidence.ranges import Range

CSV_COLUMNS = ["effect", "outcome", "exposure", "unit", "estimate", "ci_low", "ci_high",
               "n_councils", "years", "method", "lag_years", "p_value", "n_obs",
               "headline"]
FIGURES = "evidence"  # the figures' folder, beside evidence.md
SOURCE_LINE = ("Source: DfE children in need census, children's social work workforce, "
               "LAIT (S251 outturn), ONS; sim evidence")


def fmt(x: float) -> str:
    """A number with three significant figures, written plainly.

    >>> fmt(0.02694), fmt(-1.212), fmt(8.503), fmt(0.0)
    ('0.0269', '-1.21', '8.50', '0')
    """
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else "–"
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:.{digits}f}"


def _interval(r: pd.Series) -> str:
    return f"{fmt(r.estimate)} ({fmt(r.ci_low)} to {fmt(r.ci_high)})"


def _dist(d: dict[str, Any]) -> str:
    params = ", ".join(f"{k} {v:g}" for k, v in d.items() if k != "dist")
    return f"{d['dist']}: {params}"


def _anchor(name: str) -> str:
    return f'<a id="{name}"></a>'


def _verdict(r: pd.Series) -> str:
    if r.ci_low > 0 or r.ci_high < 0:
        return "its 95% interval excludes zero"
    return "its 95% interval includes zero: the data cannot tell it from no association"


def _effect_section(name: str, effects: list[Effect], est: pd.DataFrame,
                    studies: dict[str, dict[str, Any]], ranges: list[Range]) -> list[str]:
    e = effects[0]
    lines = [_anchor(name), f"### `{name}`", "", e.about, ""]
    used = [f"`{r.parameter}`" for r in ranges if r.row == name]
    lines += [f"The scenarios' ranges for {' and '.join(used)} rest on this effect (see "
              "[the scenarios' ranges](#the-scenarios-ranges))." if used
              else "The model does not use this effect yet: it is evidence for the service's "
                   "responses to strain, which are still to be built.", ""]
    rows = est[est.effect == name]
    for eff in effects:
        main = rows[(rows.outcome == eff.outcome_label) & rows.headline].iloc[0]
        lines.append(f"**{eff.outcome_label}** against {eff.exposure_label}"
                     f"{'' if eff.cross_section else ', lag ' + str(eff.scenario_lag)}: "
                     f"{_interval(main)} {eff.unit}, from {main.n_councils} councils, "
                     f"{main.years}; {_verdict(main)}.")
        lines.append("")
    lines += ["| outcome | method | exposure | estimate (95% interval) | councils | years |",
              "|---|---|---|---|--:|---|"]
    for _, r in rows.iterrows():
        lines.append(f"| {r.outcome} | {r.method} | {r.exposure} | {_interval(r)} | "
                     f"{r.n_councils} | {r.years} |")
    cited = [s for s in studies.values() if name in (s.get("used_for") or [])]
    if cited:
        lines += ["", "Published studies:", ""]
        lines += [f"- [{s['id']}](#{s['id']}): {' '.join(str(s['finding']).split())}"
                  for s in cited]
    lines += ["", f"![{name}]({FIGURES}/{name}.png)", ""]
    return lines


def _sources(studies: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["## Sources", "",
             "Every published study, official release and local report the scenarios cite. "
             "*Verified* means the reference and the finding quoted were read in a stored "
             "copy of the source; where that was not possible the entry says so.", ""]
    for s in studies.values():
        url = f" <{s['url']}>" if s.get("url") else ""
        check = "verified" if s.get("verified") else "**not verified**"
        lines += [_anchor(s["id"]), f"**{s['id']}** ({s['kind']}, {check}). "
                  f"{' '.join(str(s['citation']).split())}{url}", "",
                  f"> {' '.join(str(s.get('finding', '')).split())}", ""]
        if s.get("design"):
            lines += [f"Design and limits: {' '.join(str(s['design']).split())}", ""]
        if not s.get("verified"):
            lines += [f"Checked: {' '.join(str(s.get('checked_in', '')).split())}", ""]
    return lines


def evidence_markdown(est: pd.DataFrame, ranges: list[Range],
                      studies: dict[str, dict[str, Any]], n_councils: int,
                      years: str) -> str:
    """The whole report as Markdown (figures linked from ``evidence/``)."""
    main = est[est.headline]
    lines = [
        "# Evidence: the model's uncertain effects in every council's published figures", "",
        "Written by `sim evidence` (regenerate the committed copy with `make evidence`); a "
        "test fails if it no longer matches the data shipped in `sim/data/`.", "",
        f"**Data.** A panel of {n_councils} English councils, {years} (financial years named "
        "by the year they end; workforce figures at 30 September filed under the financial "
        "year that contains it): the Department for Education's children in need census, "
        "children's social work workforce census and Local Authority Interactive Tool "
        "(S251 outturn spending), and ONS child population. See `sim/data/README.md`.", "",
        "**Method.** Two-way fixed effects (council and year) with standard errors clustered "
        "by council (linearmodels `PanelOLS`): each slope compares a council with itself in "
        "other years, after what all councils share in a year. Checks beside each: long "
        "differences (the change over the whole period, across councils), without the "
        "quarter of councils with fewest children, without 2020-21, and for early help a "
        "placebo (spending two years *after* the outcome, which cannot cause it). The share "
        "of children with 3+ social workers is published for 2024 only, so its effects are "
        "comparisons across councils (ordinary least squares, robust standard errors).", "",
        "**What these are not.** These are associations in observational data, not "
        "experiments. A council that changed its early-help spending may have changed much "
        "else; a service under strain both raises caseloads and changes how it records "
        "work. Fixed effects remove what is constant in a council and what is common to a "
        "year, nothing else. Every interval is a 95% interval.", "",
        "## Summary", "",
        "| effect | outcome | exposure | unit | estimate (95% interval) | councils | years |",
        "|---|---|---|---|---|--:|---|",
    ]
    for _, r in main.iterrows():
        lines.append(f"| [`{r.effect}`](#{r.effect}) | {r.outcome} | {r.exposure} | {r.unit} "
                     f"| {_interval(r)} | {r.n_councils} | {r.years} |")
    lines += ["", "## The scenarios' ranges", "",
              "Every uncertain effect of the shipped scenarios takes its range from here "
              "(the panel and the studies combined); `sim init` writes the same ranges, "
              "read from `sim/data/effect_ranges.yaml`.", "",
              "| scenario parameter | row | range | reasoning |", "|---|---|---|---|"]
    for rg in ranges:
        lines.append(f"| `{rg.parameter}` | [`{rg.row}`](#{rg.row}) | {_dist(rg.dist)} | "
                     f"{rg.reasoning} |")
    for row in STUDIES_ONLY:
        lines += ["", _anchor(row), f"### `{row}`", "", "No panel estimate measures this: "
                  "the range above comes from the studies alone.", ""]
        lines += [f"- [{s['id']}](#{s['id']}): {' '.join(str(s['finding']).split())}"
                  for s in studies.values() if row in (s.get("used_for") or [])]
    lines += ["", "## The effects", ""]
    for name, effs in by_effect().items():
        lines += _effect_section(name, effs, est, studies, ranges)
    lines += _sources(studies)
    return "\n".join(lines).rstrip() + "\n"


STUDIES_ONLY = ("retention_payment__leaving", "worker_changes__absence_cover")
"""Rows of the ranges that rest on studies alone (no effect of the panel)."""


def by_effect() -> dict[str, list[Effect]]:
    """The effects by name, each with its outcomes (workload__establishment has two)."""
    out: dict[str, list[Effect]] = {}
    for e in EFFECTS:
        out.setdefault(e.name, []).append(e)
    return out


def _demean(d: pd.DataFrame, cols: list[str], rounds: int = 50) -> pd.DataFrame:
    """Columns less their council and year means (alternating projections)."""
    out = d[cols].copy()
    for _ in range(rounds):
        out = out - out.groupby(level=0).transform("mean")
        out = out - out.groupby(level=1).transform("mean")
    return out


def effect_figure(panel: pd.DataFrame, effects: list[Effect], est: pd.DataFrame) -> Figure:
    """The data behind one effect, a panel per outcome: within-council-and-year deviations
    binned into twenty groups (or, for a cross-section, every council), with the estimated
    slope."""
    fig = Figure(figsize=(7.5, 4.8 * len(effects)), dpi=110)
    for k, e in enumerate(effects, start=1):
        _effect_axes(fig.add_subplot(len(effects), 1, k), panel, e, est)
    fig.text(0.01, 0.01, SOURCE_LINE, fontsize=7, color="0.4")
    fig.tight_layout(rect=(0, 0.03 / len(effects), 1, 1))
    return fig


def _effect_axes(ax: Any, panel: pd.DataFrame, e: Effect, est: pd.DataFrame) -> None:
    row = est[(est.effect == e.name) & (est.outcome == e.outcome_label)
              & est.headline].iloc[0]
    if e.cross_section:
        d = panel[[e.exposure, e.outcome, *e.controls]].xs(2024, level=1).dropna()
        x, y = d[e.exposure].to_numpy(), d[e.outcome].to_numpy()
        ax.scatter(x, y, s=14, alpha=0.6, color="#1f77b4", label="a council")
        xs = np.linspace(x.min(), x.max(), 50)
        ax.plot(xs, y.mean() + row.estimate * (xs - x.mean()), color="#d62728",
                label=f"slope {fmt(row.estimate)} {e.unit} (others held fixed)")
        xlabel, ylabel = e.exposure_label, "% of children with 3+ social workers"
    else:
        d = design(panel, e, e.scenario_lag).dropna(subset=["x", "y"])
        d = d[d.groupby(level=0)["y"].transform("size") > 1]
        r = _demean(d, ["x", "y"])
        bins = pd.qcut(r["x"], 20, duplicates="drop")
        g = r.groupby(bins, observed=True).mean()
        ax.scatter(r["x"], r["y"], s=4, alpha=0.12, color="0.5", label="a council-year")
        ax.scatter(g["x"], g["y"], s=28, color="#1f77b4", label="mean of a twentieth")
        xs = np.linspace(g["x"].min(), g["x"].max(), 50)
        ax.plot(xs, slope_from_reported(e, row.estimate) * xs, color="#d62728",
                label=f"{fmt(row.estimate)} {e.unit} ({fmt(row.ci_low)} to {fmt(row.ci_high)})")
        lo, hi = np.nanpercentile(r["y"], [1, 99])
        ax.set_ylim(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
        xlabel = f"{e.exposure_label}{when(e.scenario_lag)}: less council and year means"
        ylabel = "outcome less council and year means"
    ax.set_title(f"{e.name}: {e.outcome_label}", loc="left", fontsize=10.5,
                 fontweight="bold", wrap=True)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, loc="best", frameon=False)


def slope_from_reported(e: Effect, reported: float) -> float:
    """Back from the reported figure to the slope of the outcome on the exposure as
    estimated (the inverse of ``Effect.scale``)."""
    if e.report != "per_10pct":
        return reported
    if e.log_outcome:
        return math.log(1 + reported / 100) / math.log(1.1)
    return reported / math.log(1.1)


def ranges_yaml(ranges: list[Range]) -> str:
    """The ranges as ``sim/data/effect_ranges.yaml`` holds them (read by ``sim init``)."""
    head = ("# The scenarios' ranges for the uncertain effects, written by `sim evidence` from\n"
            "# the panel estimates and the studies (docs/evidence.md gives the reasoning in\n"
            "# full). Regenerate with `make evidence`; do not edit by hand.\n")
    body = yaml.safe_dump({"ranges": [r.as_dict() for r in ranges]}, sort_keys=False,
                          allow_unicode=True, width=90)
    return head + body


def write_evidence(out: Path, panel: pd.DataFrame, est: pd.DataFrame,
                   ranges: list[Range], studies: dict[str, dict[str, Any]]) -> list[Path]:
    """Write evidence.csv, evidence.md and the figures into ``out`` (an existing directory)."""
    est[CSV_COLUMNS].to_csv(out / "evidence.csv", index=False, float_format="%.6g")
    main = est[est.headline]
    years = main.years.str.split("-", expand=True).astype(int)
    text = evidence_markdown(est, ranges, studies, int(main.n_councils.max()),
                             f"{years[0].min()}-{years[1].max()}")
    (out / "evidence.md").write_text(text, encoding="utf-8")
    (out / "effect_ranges.yaml").write_text(ranges_yaml(ranges), encoding="utf-8")
    (out / FIGURES).mkdir(exist_ok=True)
    written = [out / "evidence.csv", out / "evidence.md", out / "effect_ranges.yaml"]
    for name, effects in by_effect().items():
        path = out / FIGURES / f"{name}.png"
        effect_figure(panel, effects, est).savefig(path, metadata={"Software": None})
        written.append(path)
    return written
