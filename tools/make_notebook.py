"""Write the notebooks in notebooks/ from the cells below (outputs stripped).

Run: python tools/make_notebook.py. Editing a notebook in Jupyter is fine too; the test
suite checks that committed notebooks carry no outputs and that they run.
"""

from pathlib import Path

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell

cells = [
    md("""# Retention spend, early-help cuts, and both: what does each do?

In 2019 West Sussex put **£5m into recruiting and retaining social workers** while cutting
**£4.9m from early help** (IPEH). This notebook compares four scenarios with `sim`, starting
from the council's published position on 1 April 2019:

| scenario | what changes |
|---|---|
| `baseline` | nothing: published rates carried forward |
| `retention` | £2.5m a year of retention payments for two years |
| `ipeh_cuts` | early help cut by £3m a year from April 2019 and £4.9m from April 2020 |
| `retention_and_ipeh_cuts` | both — what the council did |

**How to read the numbers.** Each scenario is run many times (*replications*) with
different random numbers: children arrive, are assessed, workers leave, at random. Every
replication also draws its own value for each effect the evidence does not pin down (how
much a retention payment cuts leaving, how much early help holds referrals back). The
scenarios share these random numbers replication by replication, so their *differences*
are measured with little noise. An interval is a 95% confidence interval of a mean."""),
    code("""%matplotlib inline
import pandas as pd

import sim
from sim.api import unpaired_ci

pd.set_option("display.width", 120)
pd.set_option("display.float_format", "{:,.2f}".format)

SCENARIOS = [f"../scenarios/{name}.yaml" for name in
             ("baseline", "retention", "ipeh_cuts", "retention_and_ipeh_cuts")]
REPLICATIONS = 12           # a quick look; use 50+ (or precision=0.05) for a decision
SHORT = {"run.horizon_years": 3}   # to March 2022: long enough for both interventions to act"""),
    md("""## 1. Run the four scenarios

`sim.compare` runs every scenario on the same replication numbers and compares each with
the first. (From a terminal: `sim compare scenarios/baseline.yaml scenarios/retention.yaml
… --replications 50`.)"""),
    code("""comp = sim.compare(*SCENARIOS, replications=REPLICATIONS, overrides=SHORT)
comp.table.head()"""),
    md("""## 2. Headline figures

Mean over replications of each scenario, by financial year (April–March). Workforce figures
are 30 September snapshots, filed under the year that contains them."""),
    code("""headline = ["referrals", "cla_31mar", "unallocated_mean", "worker_changes_per_child",
            "inpost_fte", "turnover_rate", "agency_rate", "caseload_per_fte"]
t = comp.table[comp.table.metric.isin(headline)]
wide = t.pivot_table(index=["metric", "scenario"], columns="fy", values="mean", sort=False)
wide.loc[headline]"""),
    md("""## 3. The weekly picture

Lines are means over replications; bands hold 90% of single replications — the range one
real year could fall in."""),
    code("""comp.series_chart(["caseload_mean", "unallocated"],
                  "Caseload and unallocated cases").figure"""),
    code("""figures = comp.figures()  # every chart `sim compare` writes, by file name
print(list(figures))
figures["compare_workforce"]"""),
    md("""## 4. Differences from the baseline, with their intervals

Each dot is the mean of the per-replication differences and its thick bar the 95%
confidence interval of that mean: an interval clear of zero is a difference the replications
can tell from chance (more replications narrow it). The thin line is the 5th–95th percentile
of single replications' differences: the range one real year could show, given both chance
and the uncertain effects (more replications do not narrow it). Note each panel's own scale
and the baseline's level printed above it."""),
    code("""shown = ["inpost_fte", "turnover_rate", "agency_rate", "caseload_per_fte", "referrals",
         "unallocated_mean"]
comp.differences_chart(shown).figure"""),
    code("""year = "2021-22"
d = comp.table[(comp.table.fy == year) & comp.table.metric.isin(headline)
               & (comp.table.scenario != "baseline")]
d.pivot_table(index="metric", columns="scenario",
              values=["diff_mean", "diff_ci_low", "diff_ci_high"], sort=False).loc[headline]"""),
    md("""## 5. Why the scenarios share random numbers

The same children arrive in the baseline and the retention scenario — the referral
difference is exactly zero in every replication — and the same workers face the same luck
until a policy changes their path. Below, the interval of the caseload difference computed
from the pairs, against the interval two independent runs of the same size would give."""),
    code("""diffs = comp.differences
ref = diffs[(diffs.metric == "referrals") & (diffs.scenario == "retention")]
print("referral difference in every replication is zero:", bool((ref["diff"] == 0).all()))

c = diffs[(diffs.metric == "caseload_per_fte") & (diffs.fy == "2020-21")
          & (diffs.scenario == "retention")]
row = comp.table.query("metric == 'caseload_per_fte' and fy == '2020-21' "
                       "and scenario == 'retention'").iloc[0]
_, lo, hi = unpaired_ci(c["base_value"], c["value"])
width = row.diff_ci_high - row.diff_ci_low
print(f"caseload difference 2020-21: paired interval width {width:.3f}, "
      f"unpaired {hi - lo:.3f}")"""),
    md("""## 6. What drives the differences

Each replication drew its own values of the uncertain effects. Regressing (on ranks) each
replication's difference on those draws splits its spread into the part each effect
explains and the part left to chance. This needs more replications than a headline figure,
so we run the retention comparison again with more of them, over two years (the scheme
runs to March 2021). Pale bars cannot be told apart from chance with this many
replications — treat them as unknown, not as zero. A measure whose difference is clear in
no year says so: there is nothing to explain."""),
    code("""TWO_YEARS = {"run.horizon_years": 2}
ret = sim.compare(SCENARIOS[0], SCENARIOS[1], replications=40, overrides=TWO_YEARS)
ret.drivers.query("metric == 'turnover_rate' and fy == '2020-21'")"""),
    code("""chart = ret.drivers_chart("retention", ["turnover_rate", "worker_changes_per_child",
                                         "agency_rate", "caseload_per_fte"])
print(chart.alt)  # the chart in words, as the report gives it
chart.figure"""),
    code("""top = ret.drivers.query("metric == 'turnover_rate' and fy == '2020-21'").iloc[0]
print(f"In this run, {top.parameter} explains {top.share_explained:.0%} of the spread of the "
      f"turnover difference in 2020-21 (adjusted p = {top.p_value:.2g}).")"""),
    md("""Where the retention payment's hazard ratio — how much a payment cuts leaving — comes out
on top, the evidence on that one number matters more than the luck of the draw.

## 7. Chance, or the evidence?

Run the same comparison with every uncertain effect fixed at its central value. The range of
single replications' differences (5th–95th percentile) then reflects chance alone; with the
uncertain effects it reflects both. The difference between the two ranges is what our
ignorance of the effects adds. (The confidence interval of the *mean* difference is another
thing: it narrows with more replications in both runs.)"""),
    code("""fixed = sim.compare(SCENARIOS[0], SCENARIOS[1], replications=24, fixed_parameters=True,
                    overrides=TWO_YEARS)
rows = []
for label, cmp_ in (("uncertain effects", ret), ("central values only", fixed)):
    r = cmp_.table.query("metric == 'turnover_rate' and fy == '2020-21' "
                         "and scenario == 'retention'").iloc[0]
    rows.append((label, r.diff_mean, r.diff_p05, r.diff_p95, r.diff_p95 - r.diff_p05))
pd.DataFrame(rows, columns=["run", "turnover difference", "5th pct", "95th pct",
                            "range of single years"])"""),
    md("""## 8. Keep the results

`save` writes what `sim compare` writes — each scenario's tables, the comparison, the
drivers, every chart as PNG — into a results directory (earlier results there are replaced
only with `force=True`); `sim.report` adds `report.html`, the findings in plain English
to share. `sim.load_results` reads the directory back."""),
    code("""saved = ret.save("../results/notebook_retention", force=True)
sim.report(saved)"""),
    md("""## What these figures mean, and what they do not

- **They are comparisons, not forecasts.** The baseline carries 2016–19 trends forward
  (referrals growing 5.2% a year) with a fixed establishment, so its later years strain —
  West Sussex's published referrals in fact fell after 2020. Differences between scenarios
  are far more robust than any scenario's level.
- **Retention spend** keeps more permanent social workers in post while it is paid and for
  a while after, and so needs fewer agency workers; its effect on caseloads is small,
  because the extra workers fill funded posts that agency staff would otherwise cover.
- **The early-help cut** adds referrals only after a lag (about a year) and by an amount the
  evidence puts at roughly 1–4%; its effects build late, and most of their spread comes
  from the uncertain size and timing of that effect, not from chance.
- **What the model leaves out**: the quality of practice, children's outcomes, thresholds
  that change under pressure, and any effect of the retention payment beyond leaving. An
  interval here covers the randomness and the listed uncertain effects, not these.
- With a dozen replications these intervals are rough; for a decision use 50 or more, or
  `precision=0.05`, which adds replications until the headline measures are within 5%."""),
]

budget_cells = [
    md("""# Budget options: what each costs, per financial year, and what it buys

A finance walk-through of the West Sussex question. The council spent **£5m on retaining
social workers** (£2.5m a year for two years) and **cut early help by £4.9m a year** (£3m
from April 2019, the rest from April 2020). What does each cost or save, year by year, once
its knock-on effects are counted — agency spend avoided, recruitment, children's placements?
What is the net position of doing both? And what does a pound of retention spend buy?

**Conventions** (HM Treasury Green Book): costs are cash by financial year (April–March);
real terms are in 2019-20 prices; present values (PV) discount real costs at 3.5% a year
from 2019-20. Every figure is a mean over replications with a 95% confidence interval; the
scenarios share their random numbers, so their differences are measured closely. Prices and
their sources are in `scenarios/baseline.yaml` (`costs:`)."""),
    code("""%matplotlib inline
import pandas as pd

import sim

pd.set_option("display.width", 130)
pd.set_option("display.float_format", "{:,.0f}".format)

SCENARIOS = [f"../scenarios/{name}.yaml" for name in
             ("baseline", "retention", "ipeh_cuts", "retention_and_ipeh_cuts")]
REPLICATIONS = 6   # quick; use 50 or more for a budget paper"""),
    md("""## 1. The baseline budget

What the service costs with no intervention, by line and year (cash, £). Placements and
other looked-after costs are priced per child-week from West Sussex's S251 unit costs;
`docs/baseline_costs_vs_published/comparison.md` compares 2019-20 with the published outturn."""),
    code("""comp = sim.compare(*SCENARIOS, replications=REPLICATIONS)
comp.results["baseline"].budget_by_year()"""),
    md("""## 2. Each option against the baseline, year by year

Differences in cash (£) by line and year, and over the five years in present value. A
negative number is a saving."""),
    code("""def by_year(name):
    t = comp.costs[(comp.costs.scenario == name) & (comp.costs.terms == "cash")]
    wide = t.pivot_table(index="line", columns="fy", values="diff_mean", sort=False)
    pv = comp.costs[(comp.costs.scenario == name) & (comp.costs.terms == "present value")]
    wide["PV, 5 years"] = pv.set_index("line").diff_mean
    return wide.loc[[line for line in wide.index if wide.loc[line].abs().max() > 1_000]]

by_year("retention")"""),
    md("""The retention line is the £5m as paid (less what leavers repay under the clawback);
keeping more permanent workers costs more in permanent pay but less in agency staff and
recruitment. The net cost is close to the £5m spent: retention payments mostly buy
stability, not savings."""),
    code("""by_year("ipeh_cuts")"""),
    md("""The early-help cut saves its budget at once, but referrals rise a year or so later, and
some of those children become looked after — placements are the most expensive line in the
budget. Over five years the knock-on costs claw back part of the saving; how much depends on
the uncertain size of the early-help effect."""),
    code("""by_year("retention_and_ipeh_cuts")"""),
    md("""## 3. The net position, with its uncertainty

Present value over five years of the change in total spending, with its 95% interval."""),
    code("""pv = comp.costs.query("terms == 'present value' and line == 'total' "
                     "and scenario != 'baseline'")
pv[["scenario", "diff_mean", "diff_ci_low", "diff_ci_high"]].rename(columns={
    "diff_mean": "net change in spending (PV, £)", "diff_ci_low": "95% low",
    "diff_ci_high": "95% high"})"""),
    md("""## 4. What the spending buys

For each option, the present value of its extra cost divided by what it improves over the
run: changes of social worker avoided, unallocated case-days avoided, points off the average
caseload. A ratio is given only where the improvement is clear (its 95% interval excludes
zero); for a cut that makes things worse it is the saving per unit lost."""),
    code("""ce = comp.cost_effectiveness
ce[["scenario", "unit", "cost_diff_pv", "outcome_diff", "ratio", "ratio_ci_low",
    "ratio_ci_high", "note"]]"""),
    md("""## 5. How much to spend on retention? A sweep

Four levels of retention spend, each for two years, on common random numbers. The plot puts
each option's extra cost against the changes of social worker it avoids; options on the red
line are on the frontier (no other option, nor spending between two of them, avoids more for
the money). Three years are enough:
the scheme's effects fade after it ends."""),
    code("""options = sim.sweep(SCENARIOS[0],
                    {"interventions.retention.annual_spend": [0, 1_000_000, 2_500_000, 5_000_000]},
                    replications=6, outcome="worker_changes",
                    overrides={"run.horizon_years": 3})
options.summary()[["option", "extra_cost", "avoided", "on_frontier"]]"""),
    code("""options.figures()["sweep_frontier"]"""),
    md("""## What this does and does not say

- The costs are of the **service the model represents**: social workers, recruitment,
  retention, early help and looked-after children. Management, support staff, legal costs
  and overheads are outside it.
- **Prices are assumptions with sources** (S251 unit costs, pay scales, a 2% pay award and
  inflation, 3% placement inflation); change them in the scenario file and the budget
  follows. Real placement prices rose much faster after 2020 than a 2019 planner assumed.
- The early-help effect on referrals is the most uncertain number here (an elasticity of
  0 to 0.10, most likely 0.03, and a lag of 6–18 months: docs/evidence.md); the intervals
  include that uncertainty as well as chance.
- For a budget paper, run `sim compare … --replications 50 --xlsx` and
  `sim sweep … --xlsx`: the workbooks hold these tables with formats for finance."""),
]


def write(cells, name: str) -> None:
    nb = nbf.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    out = Path(__file__).resolve().parents[1] / "notebooks" / name
    nbf.write(nb, out)
    print(f"wrote {out}")


write(cells, "compare_scenarios.ipynb")
write(budget_cells, "budget_options.ipynb")
