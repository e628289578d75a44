"""What the report says, section by section, for a run, a comparison and a sweep: built from
a results directory (``saved.py``) into ``report_html``'s sections, every word from
``labels.py`` and every finding from ``narrative.py``; the parts they share are in
``report_sections.py``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiment.runner import Results
from sim.model.costs import TOTAL
from sim.outputs import labels, narrative, plots
from sim.outputs.comparison import CHANCE, DRIVER_METRICS, Comparison
from sim.outputs.finance import OUTCOMES
from sim.outputs.report_html import Cell, Report, Row, Section
from sim.outputs.report_sections import (
    assumptions_section,
    diff_cell,
    fmt,
    limits_section,
    reproduce_section,
    scenario_changes,
    years_words,
)
from sim.outputs.saved import COMPARISON, RUN, kind_of, load_comparison, load_run, load_sweep


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
                cells.append(Cell("–") if r.empty else diff_cell(metric, r.iloc[0]))
            rows.append(Row(labels.measure(metric).label, cells))
        s.heading(f"{labels.scenario_title(name)} against {labels.scenario_title(comp.base)}")
        s.table(f"{labels.scenario_title(name)} less {labels.scenario_title(comp.base)}: "
                "average difference by year", ["Measure", *fys], rows)
    chart = plots.differences_chart(comp.table, plots.Source.of(comp.results[comp.base]),
                                    list(narrative.KEY_MEASURES))
    s.chart(chart,
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
            out.append(f"{title}: saves {labels.money(abs(row.ratio))} for each "
                       f"{unit.removesuffix(' avoided').removesuffix(' reduced')} "
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
    s.table(f"Total cost over {years_words(fys)}, with the range of single runs",
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
        cd = narrative.total_cost_difference(comp, name)
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
        s.table(f"Difference in total cost from {base} over {years_words(fys)}",
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
                f"{fmt(metric, r.diff_low_third, True, 1)}, the highest third "
                f"{fmt(metric, r.diff_high_third, True, 1)}.")
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
        f"{council}, {years_words(fys)}: {comp.replications} paired runs of each scenario",
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
            cells.append(Cell(fmt(metric, x["mean"]),
                              f"runs {fmt(metric, x.p05)} to {fmt(metric, x.p95)}"))
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
        source = plots.Source.of(results)
        chart = (plots.unallocated_chart({sc.name: weekly}, source, {sc.name: sc})
                 if metrics == ["unallocated"] else
                 plots.series_chart({sc.name: weekly}, metrics, title, source))
        out.chart(chart,
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
                  f"{sc.council or 'A council'}, {years_words(fys)}: "
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
    lines += narrative.sweep_headline(front, name, many)  # the workbook's sentences
    head.callout(lines)
    head.note("On the frontier (best value for its cost): no other option avoids more for "
              "less, nor does spending part-way between two other options. "
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
    chart = plots.frontier_chart(
        front, points, outcome, plots.Source(meta.get("council"), int(meta.get("replications", 0)),
                                             int(meta.get("seed", 0))), meta.get("scenario"))
    opts.chart(chart, "Extra cost against what each option avoids.")
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
