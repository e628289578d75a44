"""What the published figures of every English council say about the model's uncertain
effects: a council-by-year panel (``panel.py``), the effects and how each is estimated
(``effects.py``), and the estimators (``estimators.py``). Associations in observational data,
not experiments: each estimate comes with its checks."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.evidence.effects import estimate_all
from sim.evidence.panel import council_panel
from sim.evidence.ranges import Range, scenario_ranges


@dataclass(frozen=True)
class Evidence:
    panel: pd.DataFrame       # council x year, the published figures and the exposures
    estimates: pd.DataFrame   # every effect, lag and specification (evidence.csv)
    ranges: list[Range]       # the scenarios' ranges for the uncertain effects


def estimate_evidence() -> Evidence:
    """Every estimate and the scenarios' ranges, from the figures shipped in sim/data."""
    panel = council_panel()
    est = estimate_all(panel)
    return Evidence(panel, est, scenario_ranges(est, panel))
