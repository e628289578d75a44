"""Write notebooks/compare_scenarios.ipynb from the cells below (outputs stripped).

Run: python tools/make_notebook.py. Editing the notebook in Jupyter is fine too; the test
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
from sim.outputs import plots
from sim.outputs.comparison import unpaired_ci
from sim.outputs.report import LABELS

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
    code("""weekly = {name: r.weekly for name, r in comp.results.items()}
plots.series_figure(weekly, ["caseload_mean", "unallocated"], "Caseload and unallocated cases",
                    "cases")"""),
    code("""plots.series_figure(weekly, ["fte_experienced", "fte_newly_qualified", "fte_agency"],
                    "Social workers in post by type", "FTE")"""),
    md("""## 4. Differences from the baseline, with their intervals

Each point is the mean of the per-replication differences; the bar is its 95% interval. An
interval that does not cross zero is a difference the simulation can distinguish from
chance; one that crosses zero may still be real, but this many replications cannot tell."""),
    code("""plots.differences_figure(comp.table, ["inpost_fte", "turnover_rate", "agency_rate",
                                      "caseload_per_fte", "referrals", "unallocated_mean"],
                         LABELS)"""),
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
runs to March 2021). Pale bars marked *n.s.* cannot be told apart from chance with this
many replications — treat them as unknown, not as zero."""),
    code("""TWO_YEARS = {"run.horizon_years": 2}
ret = sim.compare(SCENARIOS[0], SCENARIOS[1], replications=24, overrides=TWO_YEARS)
ret.drivers.query("metric == 'turnover_rate' and fy == '2020-21'")"""),
    code("""plots.tornado_figure(ret.drivers, "retention", "baseline",
                     ["turnover_rate", "worker_changes_per_child", "agency_rate",
                      "caseload_per_fte"], LABELS, ret.table)"""),
    md("""The retention payment's hazard ratio — how much a payment cuts leaving — drives most of
the spread of its effect on turnover and on changes of social worker: the evidence on that
one number matters more than the luck of the draw.

## 7. Chance, or the evidence?

Run the same comparison with every uncertain effect fixed at its central value: what is
left is the noise of chance alone. The difference between the two widths is how much our
ignorance of the effects adds."""),
    code("""fixed = sim.compare(SCENARIOS[0], SCENARIOS[1], replications=24, fixed_parameters=True,
                    overrides=TWO_YEARS)
rows = []
for label, cmp_ in (("uncertain effects", ret), ("central values only", fixed)):
    r = cmp_.table.query("metric == 'turnover_rate' and fy == '2020-21' "
                         "and scenario == 'retention'").iloc[0]
    rows.append((label, r.diff_mean, r.diff_ci_low, r.diff_ci_high))
pd.DataFrame(rows, columns=["run", "turnover difference", "95% low", "95% high"])"""),
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

nb = nbf.v4.new_notebook()
nb.cells = cells
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.metadata["language_info"] = {"name": "python"}
out = Path(__file__).resolve().parents[1] / "notebooks" / "compare_scenarios.ipynb"
nbf.write(nb, out)
print(f"wrote {out}")
