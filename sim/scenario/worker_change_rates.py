"""How often a looked-after child's social worker changes for reasons other than a worker
leaving: covered absences and caseloads rebalanced to new colleagues
(``workforce.absence``, ``allocation.rebalance_to_starters``), from DfE's reasons for a new
social worker (children looked after, 2023-24; sim/data/studies.yaml,
dfe_stability_measures_cla_2024).

DfE recorded 172,570 social-worker episodes in 2023-24 for the 83,300 children looked after
on 31 March 2024, 5,930 (3%) for "absence cover or return from absence" and 23,050 (13%)
for "managing caseloads"; 41% of episodes were "other" (a council could not give the
reason), so each named reason is a lower bound.

**Covered absences.** England's rate a case holder-year is an uncertain effect with its range
in docs/evidence.md (``worker_changes__absence_cover``: 0.071 cover episodes a child-year,
from half that to the rate with "other" shared out). A council's rate is England's times its
own absence rate (% of working days lost, the workforce census) over England's 3.4% (30
September 2024): the assumption is that covered absences are a fixed share of days lost.

**Rebalancing.** A new case holder is given colleagues' cases until they hold a share of
their cap (or loads are even). No study gives that share; 0.5 is a share at which the
West Sussex 2019 baseline's first year gives 0.23-0.27 rebalanced changes a looked-after
child-year against DfE's 0.28 (23,050 / 83,300; docs/change_reasons.md, from `python
tools/change_reasons.py scenarios/baseline.yaml --replications 8`). It was set on the
national rate, never on a council's share of children with 3+ workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.data import dfe

ENGLAND_ABSENCE_PCT = 3.4  # csww 30 September 2024, % of working days lost
ABSENCE_DAYS = {"dist": "lognormal", "mean": 42, "sd": 30}
"""Assumption: cover is arranged for long absences, weeks rather than days; at 0.07 a year
that is about 3 of the 12 days a year an FTE loses at 3.3% absence."""
REBALANCE_SHARE = 0.5


@dataclass(frozen=True)
class RelativeAbsence:
    rate: float
    note: str


def relative_absence(area: str, year: int) -> RelativeAbsence:
    """``area``'s absence rate over England's, from the workforce census of September
    ``year`` (or the one before; 1 if neither is published)."""
    for period in (str(year), str(year - 1)):
        f = dfe.figure(area, "absence_rate", period, fallback=False)
        if not np.isnan(f.value) and f.value > 0:
            return RelativeAbsence(
                round(f.value / ENGLAND_ABSENCE_PCT, 3),
                f"{f.note}: {f.value:g}% of working days lost, over England's "
                f"{ENGLAND_ABSENCE_PCT}% (csww 2024; sim/scenario/worker_change_rates.py)")
    return RelativeAbsence(1.0, f"no absence rate published for {area} in {year - 1} or "
                                f"{year}: England's")
