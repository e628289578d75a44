"""What the report says, section by section, for a run, a comparison and a sweep: built from
a results directory (``saved.py``) into ``report_html``'s sections, every word from
``labels.py`` and every finding from ``narrative.py``."""

from __future__ import annotations

import platform
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.data.sources import effect_ranges, studies
from sim.experiment.runner import Results
from sim.model.costs import TOTAL
from sim.outputs import labels, narrative, plots
from sim.outputs.comparison import CHANCE, DRIVER_METRICS, Comparison
from sim.outputs.finance import OUTCOMES
from sim.outputs.report_html import Cell, Report, Row, Section
from sim.outputs.saved import COMPARISON, RUN, kind_of, load_comparison, load_run, load_sweep
from sim.scenario import Scenario

LIMITS = [
    "Each referral is one child: brothers and sisters, and families, are not followed "
    "together.",
    "Social workers are one pool: teams, managers and the distance between offices are not "
    "modelled, so any case holder can take any case. Cases waiting for a worker stand for "
    "cases held by managers.",
    "A child's time in care is one length of stay: court proceedings, placement moves, "
    "adoption and leaving care are not separate steps, and placements cost a weekly average "
    "per child (the scenario's unit costs), with no market for places.",
    "Early help acts only through referrals, after a lag; its own families and staff are not "
    "modelled.",
    "The quality of practice, Ofsted's judgements, and what happens to children (harm, "
    "education, health) are not modelled: the measures are the service's own.",
    "Uncertain effects are drawn from ranges set from published evidence (docs/evidence.md); "
    "effects outside those ranges, and shocks such as a pandemic, are not represented.",
    "Budgets do not respond to overspending, and pay and prices follow the scenario's "
    "inflation.",
]


# ------------------------------------------------------------------------- formatting
def _fmt(metric: str, x: float, signed: bool = False, extra: int = 0) -> str:
    if pd.isna(x):
        return "–"
    m = labels.measure(metric)
    d = m.decimals + extra
    body = f"{abs(x):,.{d}f}"
    if float(body.replace(",", "")) == 0:  # never "−0.00"
        return "0"
    if signed:
        return ("−" if x < 0 else "+" if x > 0 else "") + body
    return ("−" if x < 0 else "") + body


def _diff_cell(metric: str, r: pd.Series) -> Cell:
    if pd.isna(r.diff_mean):
        return Cell("–")
    small = max(abs(r.diff_mean), abs(r.diff_ci_high - r.diff_mean)) < 10 ** -labels.measure(
        metric).decimals * 10
    extra = 1 if small else 0
    clear = bool(r.diff_ci_low > 0 or r.diff_ci_high < 0)
    text = _fmt(metric, r.diff_mean, True, extra) if r.diff_mean != 0 else "0"
    sub = (f"{_fmt(metric, r.diff_ci_low, True, extra)} to "
           f"{_fmt(metric, r.diff_ci_high, True, extra)}\nruns "
           f"{_fmt(metric, r.diff_p05, True, extra)} to {_fmt(metric, r.diff_p95, True, extra)}")
    return Cell(text, sub, "clear" if clear else "")


def _value(x: Any, key: str = "") -> str:
    """An input's value for a reader; lists of changes one by one."""
    if isinstance(x, list):
        return "; ".join(_value(v, key) for v in x) if x else "none"
    if isinstance(x, dict):
        if "dist" in x:
            return distribution_words(x)
        return ", ".join(f"{k.replace('_', ' ')} {_value(v, k)}" for k, v in x.items())
    return labels.value(x, key)


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, dict) and d and "dist" not in d:
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: d}


def path_words(path: str) -> str:
    """'interventions.retention.annual_spend' -> 'Interventions › retention › annual spend'."""
    words = " › ".join(p.replace("_", " ") for p in path.split("."))
    return words[:1].upper() + words[1:]


def scenario_changes(base: Scenario, other: Scenario) -> list[str]:
    """What ``other`` sets differently from ``base``, one line per input."""
    skip = {"name", "description"}
    a = _flatten(base.model_dump(mode="json", exclude=skip))
    b = _flatten(other.model_dump(mode="json", exclude=skip))
    return [f"{path_words(k)}: {_value(a.get(k), k)} → {_value(b.get(k), k)}"
            for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def distribution_words(d: Any) -> str:
    """An uncertain effect's range in words."""
    if not isinstance(d, dict):
        return _value(d)
    kind = d.get("dist")
    if kind == "triangular":
        return f"from {_value(d['low'])} to {_value(d['high'])}, most likely {_value(d['mode'])}"
    if kind == "uniform":
        return f"anywhere from {_value(d['low'])} to {_value(d['high'])}, all equally likely"
    if kind in ("normal", "lognormal", "gamma"):
        return f"around {_value(d['mean'])} (standard deviation {_value(d['sd'])})"
    # any other kind by its parameters (not _value(d): that would come back here)
    return ", ".join(f"{k.replace('_', ' ')} {_value(v, k)}" for k, v in d.items()
                     if k != "dist") or "none"


def _at(scenario: Scenario, path: str) -> Any:
    node: Any = scenario.model_dump(mode="json")
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# ---------------------------------------------------------------------- shared sections
STRAIN_WORDS = {
    "thresholds": "thresholds tighten (more assessments end with no further action)",
    "agency": "agency staff are bought",
    "establishment": "posts are added the next year",
    "manager_holding": "managers hold waiting cases, which move on more slowly",
}


def strain_words(scenario: Scenario) -> str:
    """Which of the service's responses to strain the scenario has, in a sentence."""
    on = [w for name, w in STRAIN_WORDS.items() if scenario.strain.on(name)]
    if not on:
        return ("The service's responses to strain are switched off in this scenario, so "
                "extra work shows as cases waiting for a social worker rather than as "
                "tighter thresholds, agency staff or new posts.")
    return ("When the work per social worker rises, the service responds as councils' "
            "published figures show: " + narrative.join(on) + ".")


def assumptions_section(scenario: Scenario, uncertain: Iterable[str]) -> Section:
    s = Section("assumptions", "The assumptions that matter most")
    s.text("These effects are uncertain, so each run of the model draws its own value from "
           "the range below, and the spread of the results includes them. Each range comes "
           "from published figures for every English council and from the studies cited.")
    ranges, cited = effect_ranges(), studies()
    numbers: dict[str, int] = {}  # study id -> its number in the list of sources
    items = []
    wanted = set(uncertain)
    for p in [p for p in ranges if p in wanted] + sorted(wanted - set(ranges)):
        r = ranges.get(p, {})
        text = "Range: " + distribution_words(_at(scenario, p)) + "."
        if r.get("reasoning"):
            text += " " + " ".join(str(r["reasoning"]).split())
        refs = [numbers.setdefault(i, len(numbers) + 1) for i in r.get("studies", [])
                if i in cited]
        if refs:
            text += " Sources: " + ", ".join(f"[{n}]" for n in refs) + "."
        items.append((labels.label(p), text))
    if items:
        s.definitions(items)
    s.text(strain_words(scenario))
    if numbers:
        s.heading("Sources")
        s.sources([" ".join(str(cited[i]["citation"]).split()) for i in numbers])
    return s


def limits_section(extra: list[str] | None = None) -> Section:
    s = Section("limits", "What the model does not represent")
    s.bullets(LIMITS + (extra or []))
    return s


def reproduce_section(commands: list[str], seed: int, replications: int,
                      version: str | None, python: str | None,
                      kept: str = "Each scenario as it was run, every input resolved, is in "
                                  "run.json in the results directory.") -> Section:
    s = Section("reproduce", "How to reproduce these results")
    s.text(f"With sim {version or __version__} (Python {python or platform.python_version()}), "
           f"seed {seed} and {replications} replications, these commands give the same "
           "numbers, to the last digit:")
    s.code("\n".join(commands))
    s.note(kept)
    return s


def _years(fys: list[str]) -> str:
    return f"{fys[0]} to {fys[-1]}" if len(fys) > 1 else fys[0]


# ------------------------------------------------------------------------- comparison
def _scenarios_section(comp: Comparison) -> Section:
    s = Section("scenarios", "The scenarios")
    base = comp.results[comp.base].scenario
    rows = []
    for name in comp.names:
        sc = comp.results[name].scenario
        changes = ("the starting point" if name == comp.base else
                   "; ".join(scenario_changes(base, sc)) or "nothing")
        rows.append(Row(labels.scenario_title(name), [Cell(sc.description.strip(), css="text"),
                                                      Cell(changes, css="text")]))
    s.table("Each scenario, and what it changes against the first",
            ["Scenario", "What it is", "What it changes"], rows, words=True)
    return s


def _differences_section(comp: Comparison) -> Section:
    s = Section("differences", "What changes")
    s.text("Each table gives the average difference from "
           f"{labels.scenario_title(comp.base)} by year: in bold where it is clear; below "
           "it, the 95% interval of the average and the range of single runs.")
    fys = sorted(comp.table.fy.unique())
    t = comp.table
    for name in comp.names:
        if name == comp.base:
            continue
        rows = []
        for metric in narrative.KEY_MEASURES:
            cells = []
            for fy in fys:
                r = t[(t.scenario == name) & (t.metric == metric) & (t.fy == fy)]
                cells.append(Cell("–") if r.empty else _diff_cell(metric, r.iloc[0]))
            rows.append(Row(labels.measure(metric).label, cells))
        s.heading(f"{labels.scenario_title(name)} against {labels.scenario_title(comp.base)}")
        s.table(f"{labels.scenario_title(name)} less {labels.scenario_title(comp.base)}: "
                "average difference by year", ["Measure", *fys], rows)
    fig = plots.differences_figure(comp.table, list(narrative.KEY_MEASURES),
                                   {m: labels.measure(m).short for m in narrative.KEY_MEASURES})
    s.chart(fig, "Small multiples, one per measure: each scenario's average difference from "
            f"{labels.scenario_title(comp.base)} by year with its 95% interval.",
            "Differences from the first scenario by year, with 95% intervals.")
    return s


def _cost_per_outcome(comp: Comparison) -> list[str]:
    """Cost per outcome, only where the outcome's difference is clear and material."""
    out = []
    for row in comp.cost_effectiveness.itertuples():
        _, _, unit, many = OUTCOMES[row.outcome]
        title = labels.scenario_title(row.scenario)
        if pd.isna(row.ratio):  # unclear or not material (finance.cost_effectiveness)
            out.append(f"{title}: no cost per {unit} is given ({row.note}).")
            continue
        lo, hi = sorted((abs(row.ratio_ci_low), abs(row.ratio_ci_high)))
        if row.note:
            out.append(f"{title}: saves {labels.money(abs(row.ratio))} for each {unit[:-8]} "
                       f"lost (95% interval {labels.money(lo)} to {labels.money(hi)}).")
        elif row.ratio < 0:
            out.append(f"{title}: saves money and improves {many} at once.")
        else:
            out.append(f"{title}: {labels.money(row.ratio)} per {unit} (95% interval "
                       f"{labels.money(lo)} to {labels.money(hi)}).")
    return out


TOTALS = (("cash", "Cash"), ("real", "Real terms"), ("pv", "Present value"))


def _pv_note(rate: float) -> str:
    return ("Cash: as spent, with pay and prices rising. Real terms: at the first year's "
            f"prices. Present value: real terms discounted at {rate:g}% a year (HM Treasury "
            "Green Book).")


def _money_section(comp: Comparison) -> Section:
    """Cost by year, then totals over the run, for every scenario and as differences: four
    narrow tables rather than two wide ones, so each fits a phone and an A4 page."""
    s = Section("money", "Money")
    fys = sorted(comp.table.fy.unique())
    rate = comp.results[comp.base].scenario.costs.discount_rate_pct
    by_year, totals = [], []
    for name in comp.names:
        bs = comp.results[name].budget_summary()
        tot = bs[bs.line == TOTAL]
        cash = tot[tot.terms == "cash"].set_index("fy")
        by_year.append(Row(labels.scenario_title(name),
                           [Cell(labels.money(cash.loc[fy, "mean"]) if fy in cash.index
                                 else "–") for fy in fys]))
        cells = []
        for _, terms in (("cash", "cash"), ("real", "real"), ("pv", "present value")):
            r = tot[(tot.fy == "all years") & (tot.terms == terms)].iloc[0]
            cells.append(Cell(labels.money(r["mean"]),
                              f"runs {labels.money(r.p05)} to {labels.money(r.p95)}"))
        totals.append(Row(labels.scenario_title(name), cells))
    s.table("Total cost of the service by year, cash (average of runs)", ["Scenario", *fys],
            by_year)
    s.table(f"Total cost over {_years(fys)}, with the range of single runs",
            ["Scenario", *[w for _, w in TOTALS]], totals, _pv_note(rate))
    by_year, totals = [], []
    c = comp.costs
    for name in comp.names:
        if name == comp.base:
            continue
        title = labels.scenario_title(name)
        by_year.append(Row(title, [_money_cell(c[(c.scenario == name) & (c.line == TOTAL)
                                                 & (c.fy == fy) & (c.terms == "cash")])
                                   for fy in fys]))
        cd = narrative.cost_differences(comp, name)
        totals.append(Row(title, [Cell(labels.money(cd[k].mean, signed=True),
                                       f"{labels.money(cd[k].ci_low, signed=True)} to "
                                       f"{labels.money(cd[k].ci_high, signed=True)}\nruns "
                                       f"{labels.money(cd[k].p05, signed=True)} to "
                                       f"{labels.money(cd[k].p95, signed=True)}",
                                       "clear" if cd[k].clear else "") for k, _ in TOTALS]))
    if by_year:
        base = labels.scenario_title(comp.base)
        s.table(f"Difference in total cost from {base} by year, cash", ["Scenario", *fys],
                by_year, "Below each figure: the 95% interval of the average.")
        s.table(f"Difference in total cost from {base} over {_years(fys)}",
                ["Scenario", *[w for _, w in TOTALS]], totals,
                "Below each figure: the 95% interval of the average, then the range of single "
                "runs. In bold: a clear difference.")
        s.heading("What the money buys")
        s.bullets(_cost_per_outcome(comp))
    return s


def _drivers_section(comp: Comparison) -> Section:
    s = Section("drivers", "What drives the difference")
    if comp.drivers_note or comp.drivers.empty:
        s.text("This needs more replications than the run has: "
               f"{comp.drivers_note or 'no difference varied between runs'}. Run the "
               "comparison with more replications to see which uncertain effects matter.")
        return s
    d = comp.drivers
    found, quiet = [], []
    for name in comp.names:
        if name == comp.base:
            continue
        for metric in DRIVER_METRICS:
            fy = narrative.last_year(comp.table, metric)
            rows = d[(d.scenario == name) & (d.metric == metric) & (d.fy == fy)
                     & (d.parameter != CHANCE) & (d.p_value < 0.05)]
            noun = labels.measure(metric).noun
            if rows.empty:
                quiet.append(f"{noun} ({labels.scenario_title(name)})")
                continue
            r = rows.iloc[0]
            found.append(
                f"{labels.scenario_title(name)}, {noun} in {fy}: depends most on "
                f"{labels.label(r.parameter).lower()} ({100 * r.share_explained:.0f}% of the "
                f"spread). Runs with it in the lowest third of its range gave a difference of "
                f"{_fmt(metric, r.diff_low_third, True, 1)}, the highest third "
                f"{_fmt(metric, r.diff_high_third, True, 1)}.")
    if found:
        s.bullets(found)
    if quiet:
        s.text("No uncertain effect clearly drives the difference in " + ", ".join(quiet)
               + ": chance explains its spread.")
    return s


def _money_cell(r: pd.DataFrame) -> Cell:
    if r.empty:
        return Cell("–")
    x = r.iloc[0]
    clear = bool(x.diff_ci_low > 0 or x.diff_ci_high < 0)
    return Cell(labels.money(x.diff_mean, signed=True),
                f"{labels.money(x.diff_ci_low, signed=True)} to "
                f"{labels.money(x.diff_ci_high, signed=True)}", "clear" if clear else "")


def comparison_report(comp: Comparison, meta: dict) -> Report:
    base = comp.results[comp.base]
    fys = sorted(comp.table.fy.unique())
    council = base.scenario.council or "the council"
    others = [labels.scenario_title(n) for n in comp.names if n != comp.base]
    head = Section("headline", "In brief")
    head.callout(narrative.headline(comp))
    head.note(narrative.HOW_TO_READ)
    uncertain = set(comp.parameters.parameter.unique())
    cmd = meta.get("command") or ("sim compare " + " ".join(f"{n}.yaml" for n in comp.names)
                                  + f" --replications {comp.replications} --seed {base.seed}")
    return Report(
        "Comparison of scenarios",
        f"{', '.join(others)} against {labels.scenario_title(comp.base)}",
        f"{council}, {_years(fys)}: {comp.replications} paired runs of each scenario",
        [head, _scenarios_section(comp), _differences_section(comp), _money_section(comp),
         _drivers_section(comp), assumptions_section(base.scenario, uncertain),
         limits_section(), reproduce_section([cmd], base.seed, comp.replications,
                                             meta.get("sim_version"),
                                             base.extra.get("python"))])


# ------------------------------------------------------------------------------- run
def run_report(results: Results) -> Report:
    sc = results.scenario
    summary = results.summary()
    fys = sorted(summary.fy.unique())
    head = Section("headline", "In brief")
    head.callout(narrative.run_headline(summary, results.budget_summary(),
                                        sc.council or "the council"))
    head.note("The range of single runs (5th to 95th percentile) shows how much one real "
              "year could differ, because of chance and because some effects are uncertain.")
    scen = Section("scenario", "The scenario")
    scen.text(sc.description.strip())
    out = Section("outlook", "The outlook, year by year")
    rows = []
    for metric in (*narrative.KEY_MEASURES, "turnover_rate", "vacancy_rate"):
        if metric == "worker_changes":
            metric = "worker_changes_per_child"
        cells = []
        for fy in fys:
            r = summary[(summary.metric == metric) & (summary.fy == fy)]
            if r.empty or pd.isna(r["mean"].iloc[0]):
                cells.append(Cell("–"))
                continue
            x = r.iloc[0]
            cells.append(Cell(_fmt(metric, x["mean"]),
                              f"runs {_fmt(metric, x.p05)} to {_fmt(metric, x.p95)}"))
        rows.append(Row(labels.measure(metric).label, cells))
    out.table("Key measures by year: the average of the runs, and the range of single runs",
              ["Measure", *fys], rows)
    weekly = results.weekly
    for metrics, title in ((["unallocated"], "Cases waiting for a social worker"),
                           (["fte_experienced", "fte_newly_qualified", "fte_agency"],
                            "Social workers in post")):
        if metrics == ["unallocated"]:
            w = weekly[weekly.metric == "unallocated"]
            if w.empty or w.value.max() < 0.5:
                out.text("No case waited for a social worker in any run.")
                continue
        fig = plots.series_figure({sc.name: weekly}, metrics, title,
                                  {m: labels.WEEKLY[m] for m in metrics})
        out.chart(fig, f"Line chart by week, {_years(fys)}: "
                  + ", ".join(labels.WEEKLY[m].lower() for m in metrics)
                  + ", average of the runs with a band from the 5th to the 95th percentile.",
                  f"{title}: average of runs, with the range of single runs shaded.")
    money = Section("money", "Money")
    bs = results.budget_summary()
    rows = []
    for line in (*[k for k in labels.BUDGET_LINES if k != TOTAL], TOTAL):
        b = bs[bs.line == line]
        cash = b[(b.terms == "cash") & (b.fy != "all years")].set_index("fy")["mean"]
        if b.empty or (cash.abs().max() < 500 and line != TOTAL):
            continue
        cells = [Cell(labels.money(cash.get(fy, np.nan))) for fy in fys]
        for terms in ("cash", "real", "present value"):
            r = b[(b.fy == "all years") & (b.terms == terms)].iloc[0]
            cells.append(Cell(labels.money(r["mean"]),
                              f"runs {labels.money(r.p05)} to {labels.money(r.p95)}"))
        rows.append(Row(labels.label(line), cells, total=line == TOTAL))
    money.table("Spending by line: cash by year, and over the run",
                ["Line", *fys, "All years, cash", "All years, real terms", "Present value"],
                rows, "Real terms: at the first year's prices. Present value: real terms "
                f"discounted at {sc.costs.discount_rate_pct:g}% a year (HM Treasury Green "
                "Book).")
    uncertain = set(results.parameters.parameter.unique()) if len(results.parameters) else set()
    cmd = results.extra.get("command") or (
        f"sim run {sc.name}.yaml --replications {len(results.replications)} "
        f"--seed {results.seed}")
    return Report("Scenario run", labels.scenario_title(sc.name),
                  f"{sc.council or 'A council'}, {_years(fys)}: "
                  f"{len(results.replications)} runs",
                  [head, scen, out, money, assumptions_section(sc, uncertain),
                   limits_section(), reproduce_section(
                       [cmd], results.seed, len(results.replications),
                       results.extra.get("sim_version"), results.extra.get("python"))])


# ----------------------------------------------------------------------------- sweep
def sweep_report(directory: Path) -> Report:
    sw = load_sweep(directory)
    front, meta = sw.frontier, sw.meta
    outcome = meta.get("outcome", "worker_changes")
    many = OUTCOMES.get(outcome, (outcome, "", outcome, outcome))[3]
    points = meta.get("points", {})
    name = {p: labels.option_name(points.get(p, {})) for p in front.point}
    first = name[front.point.iloc[0]]
    head = Section("headline", "In brief")
    n = len(front) - 1
    lines = [f"{labels.count_words(n).capitalize()} option{'s' if n != 1 else ''} against "
             "the first "
             f"({first}): the extra cost over the run (present value) and the {many} each "
             "avoids, on the same simulated children and events."]
    for r in front.iloc[1:].itertuples():
        clear = r.avoided_ci_low > 0 or r.avoided_ci_high < 0
        what = (f"{abs(r.avoided):,.0f} {'fewer' if r.avoided > 0 else 'more'} {many} "
                f"(95% interval {r.avoided_ci_low:,.0f} to {r.avoided_ci_high:,.0f})"
                if clear else f"no clear difference in {many}")
        best = " It is among the best value for its cost." if r.on_frontier and clear else ""
        lines.append(f"{name[r.point]}: {labels.money(r.extra_cost, signed=True)} for "
                     f"{what}.{best}")
    head.callout(lines)
    head.note("Best value for its cost: no other option avoids more for less (the frontier). "
              + narrative.HOW_TO_READ)
    opts = Section("options", "The options")
    rows = []
    for r in front.itertuples():
        clear = r.avoided_ci_low > 0 or r.avoided_ci_high < 0
        avoided = "0" if r.Index == 0 else f"{r.avoided:,.0f}"
        rows.append(Row(name[r.point], [
            Cell(labels.money(r.extra_cost, signed=True)),
            Cell(avoided, "" if r.Index == 0 else
                 f"{r.avoided_ci_low:,.0f} to {r.avoided_ci_high:,.0f}",
                 "clear" if clear else ""),
            Cell("yes" if r.on_frontier else "no")]))
    opts.table("Each option against the first, over the run",
               ["Option", "Extra cost (present value)", f"{many.capitalize()} avoided",
                "Best value for its cost"], rows,
               "Below the number avoided: its 95% interval.")
    fig = plots.sweep_figure(front, name, many)
    opts.chart(fig, f"Scatter chart: each option's extra cost (present value) against the "
               f"{many} it avoids, with 95% intervals; the best-value options are joined.",
               "Extra cost against what each option avoids.")
    reps = int(meta.get("replications", 0))
    return Report("Sweep of options", f"Options for {labels.scenario_title(meta['scenario'])}"
                  if meta.get("scenario") else "Options compared", f"{reps} runs of each option",
                  [head, opts, limits_section(),
                   reproduce_section([str(meta.get("command", "sim sweep ..."))],
                                     int(meta.get("seed", 0)), reps,
                                     meta.get("sim_version"), None,
                                     "The options' settings are in sweep.json, each option's "
                                     "results in sweep.csv, in the results directory.")])


def build(directory: Path) -> Report:
    """The report for whatever sim wrote in ``directory``."""
    kind = kind_of(directory)
    if kind == RUN:
        return run_report(load_run(directory))
    if kind == COMPARISON:
        comp, meta = load_comparison(directory)
        return comparison_report(comp, meta)
    return sweep_report(directory)
