"""The frontier of a sweep's budget options: the options a budget holder chooses from."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.outputs.sweep import frontier


def _table(cost: list[float], changes_avoided: list[float]) -> pd.DataFrame:
    rows = []
    for i, (c, a) in enumerate(zip(cost, changes_avoided, strict=True)):
        rows.append((f"p{i}", "cost_pv_total", c, c, c))
        rows.append((f"p{i}", "worker_changes", -a, -a, -a))  # avoided: fewer changes
    return pd.DataFrame(rows, columns=["point", "measure", "diff_mean", "diff_ci_low",
                                       "diff_ci_high"])


def test_an_option_dearer_per_change_than_the_next_is_off_the_frontier() -> None:
    """p2 is not dominated (p3 costs more), but spending between p1 and p3 buys more for
    its £3m: it is extendedly dominated. The old frontier kept every such option."""
    front = frontier(_table([0, 1e6, 3e6, 4e6], [0, 100, 150, 400]))
    assert front.set_index("point").on_frontier.to_dict() == {
        "p0": True, "p1": True, "p2": False, "p3": True}


def test_dominated_options_and_rising_prices() -> None:
    from sim.outputs.sweep import efficient

    # dearer and buying less than p1: dominated
    assert efficient(np.array([0, 1e6, 2e6]), np.array([0, 100, 50])).tolist() == \
        [True, True, False]
    # each £ buys less the more is spent: every option is a fair choice
    assert efficient(np.array([0, 2e6, 10e6]), np.array([0, 617, 1951])).all()
    # an option that saves money and buys more beats doing nothing; one without a number
    # cannot be placed
    assert efficient(np.array([0, -1e6, 2e6, np.nan]), np.array([0, 10, 50, 3])).tolist() \
        == [False, True, True, False]
