"""The headline of a sweep's workbook, one sentence per option: what it costs against the
first and what it avoids, with "no clear difference" where the interval includes zero.
(A comparison's and a run's headlines are the report's, ``narrative.py``; a sweep's report
words its findings inline, so the workbook keeps its own sentences here.)"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.outputs import labels


def _clear(lo: float, hi: float) -> bool:
    return not (np.isnan(lo) or np.isnan(hi) or lo <= 0 <= hi)


def sweep_headline(front: pd.DataFrame, options: dict[str, str], outcome_label: str
                   ) -> list[str]:
    """One sentence per option after the first: its extra cost and what it avoids, against
    the first, and whether it is on the frontier."""
    first = options[front.point.iloc[0]]
    out = []
    for r in front.iloc[1:].itertuples():
        cost = (f"costs {labels.money(r.extra_cost, True)} against {first} over the run "
                f"(present value; 95% interval {labels.money(r.extra_cost_ci_low, True)} to "
                f"{labels.money(r.extra_cost_ci_high, True)})")
        if _clear(r.avoided_ci_low, r.avoided_ci_high):
            gain = (f"avoids {r.avoided:,.0f} {outcome_label}" if r.avoided > 0 else
                    f"adds {-r.avoided:,.0f} {outcome_label}")
        else:
            gain = f"with no clear difference in {outcome_label}"
        where = ("dominated by another option" if not r.on_frontier else "on the frontier"
                 if _clear(r.avoided_ci_low, r.avoided_ci_high) else
                 "on the frontier on the averages only")
        out.append(f"{options[r.point]} {cost}, {gain} ({where}).")
    return out
