"""Excel workbooks for finance: what ``sim run``, ``compare`` and ``sweep`` write with
``--xlsx``, laid out for a council finance business partner to use as they are.

Every workbook starts with a Summary (the headline in plain English and the key table),
has wide tables (lines or measures down, financial years across, then the whole run's total
and its ranges), native Excel charts of the cash profile, an Assumptions sheet (every input
with its source) and a Glossary. Words come from ``labels.py``: no code name reaches a
header or a row label a reader sees. Sheet names are safe for Excel (at most 31 characters,
none of ``[]:*?/\\``) and unique.

The builders take the headline as sentences (``headline: list[str]``): the report's own
(``narrative.headline`` for a comparison, ``narrative.run_headline`` for a run) and, for a
sweep, ``headline.sweep_headline``; the workbook and the report then say the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.summary import ALL_YEARS, PV, run_totals
from sim.model.costs import LINES, TOTAL
from sim.outputs import labels, narrative
from sim.outputs.assumptions import plain_label
from sim.outputs.finance import OUTCOMES
from sim.outputs.xlsx_tables import (
    CODE_COLUMN,
    KEY_OUTCOMES,
    RANGE_COLUMNS,
    TERMS_HEADING,
    assumptions_sheet,
    budget_sheet,
    budget_wide,
    glossary_sheet,
    key_row,
    mean_ci_range,
    measure_format,
    measure_formats,
    outcome_wide,
    total_heading,
    years_of,
)
from sim.outputs.xlsx_writer import COUNT, MONEY, Block, ChartSpec, Sheet, write_sheets

# --- comparison -----------------------------------------------------------------------------

def comparison_sheets(comp: Any, headline: list[str], yaml_texts: dict[str, str | None]
                      | None = None, note: str | None = None) -> list[Sheet]:
    """The sheets of ``comparison.xlsx`` for a ``Comparison``: Summary, cost differences,
    costs by scenario, outcome differences, what the money buys, drivers, one budget per
    scenario, Assumptions and Glossary."""
    base = comp.base
    title = {k: labels.scenario_title(k) for k in comp.names}
    others = [k for k in comp.names if k != base]
    budgets = {k: r.budget for k, r in comp.results.items()}
    rate = comp.results[base].scenario.costs.discount_rate_pct
    fys = years_of(budgets[base])
    span = f"{fys[0]} to {fys[-1]}"
    reps = comp.replications
    seed = comp.results[base].seed

    # the report's own numbers (narrative.py), so the table and the headline above it agree
    key, fmts = [], []
    for k in others:
        cost = narrative.total_cost_difference(comp, k)
        for terms, what in (("cash", f"Total cost, cash, {span}"),
                            ("real", f"Total cost, real terms, {span}"),
                            ("pv", f"Total cost, present value at {rate:g}%")):
            c = cost[terms]
            fmts.append(MONEY)
            key.append(key_row(title[k], what, "£", c, c.clear, True))
        for d in narrative.key_differences(comp, k):
            what = (f"{labels.measure(d.metric).noun.capitalize()} over the run, {span}"
                    if d.fy == narrative.OVER_RUN else f"{labels.label(d.metric)}, {d.fy}")
            fmts.append(measure_format(d.metric))
            key.append(key_row(title[k], what,
                                labels.unit(d.metric), d, d.clear, d.material))
    key_df = pd.DataFrame(key)
    summary = Sheet(
        "Summary",
        [f"{' vs '.join(title.values())}: differences from {title[base]}",
         f"{comp.results[base].scenario.council}, {span}. Each scenario ran {reps} times "
         f"(replications) on the same random events (seed {seed}), so each difference is "
         "paired run by run.",
         "Difference: the average over the runs. 95% interval: where the true average "
         "difference lies; when it includes zero there is no clear difference. Single runs: "
         "the range one run (one possible future) shows. Small: under 1% of the first "
         "scenario's level (half a point for a percentage)."],
        [Block(key_df, heading=f"Key differences from {title[base]}",
               wrap=("What", "Clear difference?"), row_formats=fmts,
               center=("Clear difference?",))],
        bullets=headline)

    # cost differences: per scenario, cash and real by year, then the present value
    diff_blocks = []
    for k in others:
        for terms in ("cash", "real"):
            w = budget_wide(budgets[k], rate, terms, budgets[base])
            chart = None
            diff_blocks.append(Block(
                w, heading=f"{title[k]} minus {title[base]}: {TERMS_HEADING[terms].lower()}, £",
                default_format=MONEY, chart=chart))
        diff_blocks.append(Block(budget_wide(budgets[k], rate, PV, budgets[base]),
                                 heading=f"{title[k]} minus {title[base]}: present value over "
                                         f"the run at {rate:g}% a year, £",
                                 default_format=MONEY))
    # the profile of the difference in total cost, one series per scenario, charted
    prof = pd.DataFrame([{"Scenario": f"{title[k]} minus {title[base]}",
                          **budget_wide(budgets[k], rate, "cash", budgets[base])
                          .iloc[-1].drop("Budget line").to_dict()} for k in others])
    diff_blocks.insert(0, Block(prof, heading="Difference in total cost by year, cash, £",
                                default_format=MONEY,
                                chart=ChartSpec("Difference in total cost from "
                                                f"{title[base]}, cash", "£ a year",
                                                list(range(len(prof))), fys)))
    cost_diff = Sheet("Cost differences",
                      [f"Cost differences from {title[base]}, by budget line",
                       "Mean of the paired differences over the runs; the total over the run "
                       "with its 95% interval and the range of single runs (5th to 95th "
                       "percentile). Real terms are at the first year's prices; the present "
                       f"value discounts them at {rate:g}% a year (HM Treasury Green Book)."],
                      diff_blocks)

    own_blocks = []
    totals = pd.DataFrame([{"Scenario": title[k], **budget_wide(budgets[k], rate, "cash")
                            .iloc[-1].drop("Budget line").to_dict()} for k in comp.names])
    own_blocks.append(Block(totals, heading="Total cost by year, cash, £", default_format=MONEY,
                            chart=ChartSpec("Total cost by year, cash", "£ a year",
                                            list(range(len(totals))), fys)))
    real = pd.DataFrame([{"Scenario": title[k], **budget_wide(budgets[k], rate, "real")
                          .iloc[-1].drop("Budget line").to_dict()} for k in comp.names])
    own_blocks.append(Block(real, heading="Total cost by year, real terms (prices of "
                                          f"{fys[0]}), £", default_format=MONEY))
    pv = pd.DataFrame([{"Scenario": title[k], **budget_wide(budgets[k], rate, PV)
                        .iloc[-1].drop("Budget line").to_dict()} for k in comp.names])
    own_blocks.append(Block(pv, heading=f"Present value of the total cost at {rate:g}%, £",
                            default_format=MONEY))
    costs = Sheet("Costs by scenario", ["Each scenario's total cost",
                                        "Mean over the runs; each scenario's budget by line "
                                        "is on its own sheet."], own_blocks)

    out_blocks = []
    for k in others:
        w, clear = outcome_wide(comp.table, k, difference=True)
        b = Block(w, heading=f"{title[k]} minus {title[base]}", wrap=("Measure",),
                  bold_cells=clear, center=("Last year",))
        measure_formats(b)
        out_blocks.append(b)
    outcomes = Sheet("Outcome differences",
                     [f"Differences in outcomes from {title[base]}, by year",
                      "Mean of the paired differences; bold where the 95% interval excludes "
                      "zero (a clear difference). Stocks are at 31 March, the workforce at "
                      "30 September. The last column is the measure's name in the CSV "
                      "files, for analysts."], out_blocks)

    levels = []
    for k in comp.names:
        w, _ = outcome_wide(comp.table, k, difference=False)
        b = Block(w, heading=title[k], wrap=("Measure",), center=("Last year",))
        measure_formats(b)
        levels.append(b)
    level_sheet = Sheet("Outcomes by scenario", ["Each scenario's outcomes, by year",
                                                 "Mean over the runs, with the last year's "
                                                 "95% interval and range of single runs."],
                        levels)

    sheets = [summary, cost_diff, costs, outcomes, level_sheet,
              _value_sheet(comp, title), _drivers_sheet(comp, title)]
    for k in comp.names:
        r = comp.results[k]
        sheets.append(budget_sheet(r.budget, rate, f"Budget {title[k]}", title[k]))
    texts = yaml_texts or {}
    sheets.append(assumptions_sheet({k: r.scenario for k, r in comp.results.items()}, texts,
                                    base, note, {"run.replications": reps, "run.seed": seed}))
    sheets.append(glossary_sheet())
    return [s for s in sheets if s is not None]



def _by_scenario(frame: pd.DataFrame, title: dict[str, str], columns: dict[str, Any]
                 ) -> pd.DataFrame | None:
    """A table of ``frame``'s rows led by their scenario's title; None when it is empty."""
    return None if frame.empty else pd.DataFrame({"Scenario": frame.scenario.map(title),
                                                  **columns})


def _value_sheet(comp: Any, title: dict[str, str]) -> Sheet | None:
    ce = comp.cost_effectiveness
    df = _by_scenario(ce, title, {
        "Outcome": [OUTCOMES[o][3].capitalize() if o in OUTCOMES else o for o in ce.outcome],
        "Extra cost, present value (£)": ce.cost_diff_pv,
        "Outcome improved by (over the run)": ce.outcome_diff,
        "£ per unit of outcome": ce.ratio,
        "95% interval: from": ce.ratio_ci_low, "to": ce.ratio_ci_high,
        "Unit": ce.unit, "Note": ce.note.fillna(""),
    })
    if df is None:
        return None
    return Sheet("What the money buys",
                 [f"What each scenario's extra spending buys, against {title[comp.base]}",
                  "The present value of the difference in total cost over the run, divided by "
                  "the outcome it improves. A ratio is given only where the outcome's difference "
                  "is clear and material (at least 1% of the first scenario's); a negative "
                  "ratio means the scenario saves money and improves the outcome."],
                 [Block(df, formats={"Extra cost, present value (£)": MONEY,
                                     "£ per unit of outcome": MONEY,
                                     "95% interval: from": MONEY, "to": MONEY},
                        wrap=("Note",))])


def _drivers_sheet(comp: Any, title: dict[str, str]) -> Sheet | None:
    d = comp.drivers
    df = _by_scenario(d, title, {
        "Measure": d.metric.map(labels.label),
        "Year": d.fy,
        "Uncertain effect": [("Chance and interactions" if p.startswith("(") else
                              labels.PARAMETERS.get(p) or plain_label(p)) for p in d.parameter],
        "Share of the spread explained": d.share_explained,
        "Rank correlation": d.spearman,
        "p-value (Holm)": d.p_value,
        "Difference when the effect is low (lowest third)": d.diff_low_third,
        "… when it is high (highest third)": d.diff_high_third,
        CODE_COLUMN: d.parameter,
    })
    if df is None:
        return None
    return Sheet("Drivers",
                 ["What drives each difference",
                  "How much of the spread of a difference across runs each uncertain effect "
                  "explains (rank regression). An effect with a p-value of 0.05 or more "
                  "cannot be told apart from chance with this many runs. The last column is "
                  "the effect's name in the scenario file, for analysts."],
                 [Block(df, formats={"Share of the spread explained": "0%"},
                        wrap=("Measure", "Uncertain effect"))])


# --- one run --------------------------------------------------------------------------------

def run_sheets(results: Any, headline: list[str], yaml_text: str | None = None) -> list[Sheet]:
    """The sheets of ``results.xlsx`` for one scenario's ``Results``: Summary, Budget,
    Outcomes, Single runs, Assumptions, Glossary."""
    sc = results.scenario
    name = labels.scenario_title(sc.name)
    rate = sc.costs.discount_rate_pct
    budget = results.budget
    fys = years_of(budget)
    span = f"{fys[0]} to {fys[-1]}"
    tot = run_totals(budget, rate)
    tot = tot[tot.line == TOTAL]
    key, fmts = [], [MONEY] * 3
    for col, what in (("cash", f"Total cost, cash, {span}"),
                      ("real", f"Total cost, real terms, {span}"),
                      ("pv", f"Total cost, present value at {rate:g}%")):
        m, lo, hi, p05, p95 = mean_ci_range(tot[col].to_numpy())
        key.append({"What": what, "Unit": "£", "Average": m, RANGE_COLUMNS[0]: lo,
                    RANGE_COLUMNS[1]: hi, RANGE_COLUMNS[2]: p05, RANGE_COLUMNS[3]: p95})
    summ = results.summary()
    for metric in KEY_OUTCOMES:
        g = summ[(summ.metric == metric) & summ["mean"].notna()].sort_values("fy")
        if g.empty:
            continue
        r = g.iloc[-1]
        fmts.append(measure_format(metric))
        key.append({"What": f"{labels.label(metric)}, {r.fy}", "Unit": labels.unit(metric),
                    "Average": r["mean"], RANGE_COLUMNS[0]: r.ci_low,
                    RANGE_COLUMNS[1]: r.ci_high, RANGE_COLUMNS[2]: r.p05,
                    RANGE_COLUMNS[3]: r.p95})
    key_df = pd.DataFrame(key)
    block = Block(key_df, heading="Key figures", wrap=("What",), row_formats=fmts)
    summary = Sheet("Summary", [f"{name}: {sc.council}, {span}",
                                f"{len(results.replications)} runs (replications), seed "
                                f"{results.seed}. Average: the mean over the runs; 95% "
                                "interval: where the true average lies; single runs: the "
                                "range one run shows."], [block], bullets=headline)
    w, _ = outcome_wide(summ, sc.name, difference=False)
    ob = Block(w, wrap=("Measure",), center=("Last year",))
    measure_formats(ob)
    outcomes = Sheet("Outcomes", [f"{name}: outcomes by year",
                                  "Mean over the runs, with the last year's 95% interval and "
                                  "range of single runs. The last column is the measure's "
                                  "name in the CSV files, for analysts."], [ob])
    by_rep = budget[budget.line == TOTAL].pivot_table(index="replication", columns="fy",
                                                      values="cost")
    t = run_totals(budget, rate)
    t = t[t.line == TOTAL].set_index("replication")
    by_rep[total_heading(fys)] = t.cash
    by_rep["Present value"] = t.pv
    by_rep = by_rep.reset_index().rename(columns={"replication": "Run"})
    by_rep["Run"] = by_rep["Run"].astype(int) + 1
    single = Sheet("Single runs", [f"{name}: total cost of each run, cash, £",
                                   "Each run is one possible future; the spread is the range "
                                   "of outcomes."],
                   [Block(by_rep, default_format=MONEY, formats={"Run": "0"})])
    return [summary, budget_sheet(budget, rate, "Budget", name, runs=True), outcomes, single,
            assumptions_sheet({sc.name: sc}, {sc.name: yaml_text}, sc.name, None,
                              {"run.replications": len(results.replications),
                               "run.seed": results.seed}),
            glossary_sheet()]


# --- sweep ----------------------------------------------------------------------------------

def sweep_sheets(table: pd.DataFrame, front: pd.DataFrame, options: dict[str, str],
                 outcome_label: str, headline: list[str], scenario: Any = None,
                 yaml_text: str | None = None, swept: Iterable[str] = ()) -> list[Sheet]:
    """The sheets of ``sweep.xlsx``: Summary (the options and the frontier in words), Costs,
    Outcomes, Assumptions (of the base scenario), Glossary. ``options`` names each grid
    point by its values (``option_names``)."""
    first = options[front.point.iloc[0]]
    f = pd.DataFrame({
        "Option": front.point.map(options),
        "Extra cost, present value (£)": front.extra_cost,
        "95% interval: from": front.extra_cost_ci_low, "to": front.extra_cost_ci_high,
        f"{outcome_label.capitalize()} avoided": front.avoided,
        "95% interval: from ": front.avoided_ci_low, "to ": front.avoided_ci_high,
        "Worth considering?": [_frontier_words(r) for r in front.itertuples()],
    })
    f.iloc[0, -1] = "the option the others are measured against"
    summary = Sheet("Summary", [
        "Budget options compared",
        f"Each option against the first ({first}): the extra cost over the run (present "
        f"value) and the {outcome_label} it avoids, both paired run by run.",
        "The frontier: options that no other option beats on both cost and outcome. Choose "
        "among these; the others are dominated (another option costs no more and achieves at "
        "least as much)."],
        [Block(f, heading="Options", default_format=MONEY,
               formats={f"{outcome_label.capitalize()} avoided": COUNT,
                        "95% interval: from ": COUNT, "to ": COUNT},
               wrap=("Option", "Worth considering?"))],
        bullets=headline)
    pts = list(dict.fromkeys(table.point))
    costs = table[table.measure.str.startswith("cost_pv_")]
    rows = []
    for p in pts:
        g = costs[costs.point == p].set_index("measure")
        for line in [*LINES, TOTAL]:
            m = f"cost_pv_{line}"
            if m not in g.index or (line != TOTAL and (g.loc[m, "mean"] == 0)):
                continue
            r = g.loc[m]
            rows.append({"Option": options[p], "Budget line": labels.BUDGET_LINES[line],
                         "Present value": r["mean"], "Difference from the first option":
                         r.diff_mean, "95% interval: from": r.diff_ci_low,
                         "to": r.diff_ci_high})
    cost_sheet = Sheet("Costs", ["Costs of each option, present value over the run, £",
                                 f"Differences are paired, from the first option ({first})."],
                       [Block(pd.DataFrame(rows), default_format=MONEY)])
    out = table[~table.measure.str.startswith("cost_pv_")]
    rows = []
    for p in pts:
        for r in out[out.point == p].itertuples():
            what = (OUTCOMES[r.measure][3].capitalize() + " (over the run)"
                    if r.measure in OUTCOMES else labels.label(r.measure) +
                    " (average over the years)")
            rows.append({"Option": options[p], "Measure": what, "Value": r.mean,
                         "Difference from the first option": r.diff_mean,
                         "95% interval: from": r.diff_ci_low, "to": r.diff_ci_high,
                         CODE_COLUMN: r.measure})
    out_sheet = Sheet("Outcomes", ["Outcomes of each option",
                                   "Changes of social worker and unallocated case-days are "
                                   "totals over the run (discounted like money); the others "
                                   "are averages over its years."],
                      [Block(pd.DataFrame(rows), wrap=("Measure",))])
    sheets = [summary, cost_sheet, out_sheet]
    if scenario is not None:
        swept = list(swept)
        note = ("The options set " + "; ".join(plain_label(p) for p in swept) + ": the values "
                "shown are the base scenario's.") if swept else None
        sheets.append(assumptions_sheet({scenario.name: scenario},
                                        {scenario.name: yaml_text}, scenario.name, note))
    sheets.append(glossary_sheet())
    return sheets


def _frontier_words(r: Any) -> str:
    """Whether an option of a sweep is worth considering, in words."""
    if not r.on_frontier:
        return "no: another option costs no more and avoids at least as much"
    if r.avoided_ci_low > 0:
        return "yes: on the frontier"
    return ("on the frontier on the averages, but what it avoids is not clear (its interval "
            "includes zero)")


# --- the workbooks ---------------------------------------------------------------------------

def comparison_workbook(path: Path, comp: Any, headline: list[str],
                        yaml_texts: dict[str, str | None] | None = None) -> Path:
    """Write ``comparison.xlsx`` for a ``Comparison``. ``headline``: the plain-English
    sentences for the Summary; ``yaml_texts``: each scenario's YAML with its source comments
    (``scenario.yaml`` of its results), for the Assumptions sheet."""
    return write_sheets(path, comparison_sheets(comp, headline, yaml_texts))


def run_workbook(path: Path, results: Any, headline: list[str],
                 yaml_text: str | None = None) -> Path:
    """Write ``results.xlsx`` for one scenario's ``Results``."""
    return write_sheets(path, run_sheets(results, headline, yaml_text))


def sweep_workbook(path: Path, table: pd.DataFrame, front: pd.DataFrame,
                   options: dict[str, str], outcome_label: str, headline: list[str],
                   scenario: Any = None, yaml_text: str | None = None,
                   swept: Iterable[str] = ()) -> Path:
    """Write ``sweep.xlsx``: ``options`` names each grid point (``sweep.option_names``);
    ``scenario`` and ``yaml_text`` are the base scenario's, ``swept`` the paths set."""
    return write_sheets(path, sweep_sheets(table, front, options, outcome_label, headline,
                                           scenario, yaml_text, swept))


def budget_by_year(summary: pd.DataFrame) -> pd.DataFrame:
    """Lines down, financial years across (cash, £), then the run's present value, from a
    budget summary (as the notebook shows it)."""
    cash = summary[(summary.terms == "cash") & (summary.fy != ALL_YEARS)]
    wide = cash.pivot_table(index="line", columns="fy", values="mean", sort=False)
    pv = summary[summary.terms == PV].set_index("line")["mean"]
    wide["present value (real)"] = pv
    return wide.reset_index()
