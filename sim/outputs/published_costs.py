"""A council's spending against what the model costs: the published figures that
``sim check-costs`` compares with (S251 outturn, the workforce and the children looked after
either side of the year), and the note on how to read the gaps, written from the council's
own figures and the run."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from sim.data import dfe
from sim.periods import fy_start_year, next_fy


class MissingFigure(ValueError):
    """A figure the comparison needs is not published for the council and year."""


# The published figures compare_costs needs: (item, DfE measure, period), the period being
# the financial year, or the 30 September / 31 March that starts (0) or ends (1) it.
COST_FIGURES = (
    ("looked_after_spend", "looked_after_spend", "fy"),
    ("safeguarding_spend", "safeguarding_spend", "fy"),
    ("inpost_fte_start", "inpost_fte", 0), ("inpost_fte_end", "inpost_fte", 1),
    ("agency_fte_start", "agency_fte", 0), ("agency_fte_end", "agency_fte", 1),
    ("cla_31mar_start", "cla_31mar", 0), ("cla_31mar_end", "cla_31mar", 1),
)


def published_costs(council: str, fy: str) -> pd.DataFrame:
    """A council's published figures for the costs of financial year ``fy`` (``item, fy,
    published``): S251 spending, and the workforce and children looked after either side
    of the year. Its own figures only: a region's would not be the council's spending."""
    y = fy_start_year(fy)
    rows = []
    for item, measure, when in COST_FIGURES:
        period = fy if when == "fy" else str(y + int(when))
        value = dfe.figure(council, measure, period, fallback=False).value
        if np.isnan(value) and item != "safeguarding_spend":  # that one is for context
            raise MissingFigure(f"{council}: no published {measure} for {period}; sim "
                                "check-costs needs the council's own figures for the year "
                                "(--fy chooses another)")
        rows.append((item, fy, value))
    return pd.DataFrame(rows, columns=["item", "fy", "published"])


def _gap(table: pd.DataFrame, item: str) -> str:
    """How a simulated cost (an item of compare_costs) differs from the published one."""
    r = table.set_index("item").loc[item]
    if r.published == 0:
        return "nil, as published" if r.simulated == 0 else \
            f"£{r.simulated / 1e6:,.2f}m where none is published"
    return "about the same" if abs(r.difference_pct) < 0.05 else \
        f"{abs(r.difference_pct):.1f}% {'lower' if r.difference_pct < 0 else 'higher'}"


def _than(a: float, b: float) -> str:
    return "fewer than" if a < b else "more than" if a > b else "as many as"


def costs_note(council: str, fy: str, published: pd.DataFrame, table: pd.DataFrame,
               summary: pd.DataFrame) -> str:
    """How to read the comparison of costs, with the council's own figures and what the
    run simulated (``summary`` of its annual measures)."""
    pub = published.set_index("item").published
    mean = summary.set_index(["metric", "fy"])["mean"]
    y, nxt = fy_start_year(fy), next_fy(fy)

    def sim(metric: str, year: str) -> float:
        return float(mean.get((metric, year), np.nan))

    weekly = dfe.figure(council, "looked_after_weekly", fy, fallback=False).value
    start, end = pub["cla_31mar_start"], pub["cla_31mar_end"]
    parts = [
        "How to read the gaps. The looked-after spend is priced per child-week from "
        f"{council}'s own S251 figures: fostering and residential care at their weekly unit "
        "costs with England's placement mix, and the rest of the "
        f"£{pub['looked_after_spend'] / 1e6:,.1f}m spread over the children looked after "
        "through the year as other looked-after costs" + ("" if np.isnan(weekly) else
        f" (S251's published unit cost of £{weekly:,.0f} a week divides the spend by the "
        f"children looked after on 31 March, which were {_than(end, start)} the year's "
        "average)") + ".",
        "So the looked-after gap is the gap in child-weeks: the model starts from the "
        f"published {start:,.0f} and ends the year at {sim('cla_31mar', fy):,.0f} "
        f"(published: {end:,.0f}), and its path within the year differs from the real one.",
        "Staff costs compare like with like: the published workforce (the mean of the 30 "
        "September counts either side of the year) priced as the scenario prices it, every "
        "permanent worker at the experienced salary.",
        f"The simulated permanent cost is {_gap(table, 'permanent staff')}: some simulated "
        "workers are newly qualified, on a lower salary",
    ]
    inpost = (sim("inpost_fte", fy) + sim("inpost_fte", nxt)) / 2
    if not np.isnan(inpost):  # both 30 Septembers in the run
        parts[-1] += (f", and the simulated workforce in post averages {inpost:,.1f} FTE "
                      "against the published "
                      f"{(pub['inpost_fte_start'] + pub['inpost_fte_end']) / 2:,.1f}")
    parts[-1] += "."
    parts.append(f"The simulated agency cost is {_gap(table, 'agency staff')}")
    agency = sim("agency_fte", nxt)
    if not np.isnan(agency):
        rate = [dfe.figure(council, "agency_rate", str(y + i), fallback=False).value
                for i in (0, 1)]
        parts[-1] += (
            f": by September {y + 1} the model keeps {agency:,.0f} agency workers (FTE), "
            f"{_than(agency, pub['agency_fte_end'])} the {pub['agency_fte_end']:,.0f} "
            f"{council} had (its agency rate is {sim('agency_rate', fy):.1f}% at September "
            f"{y} and {sim('agency_rate', nxt):.1f}% at September {y + 1}, against the "
            f"published {rate[0]:.1f}% and {rate[1]:.1f}%)")
    parts[-1] += "."
    parts.append("The S251 safeguarding line is shown for scale only: it also pays managers, "
                 "support staff, legal costs, services and overheads that the model does not "
                 "cost.")
    return textwrap.fill(" ".join(parts), width=92) + "\n"
