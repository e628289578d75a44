"""Weekly bands across replications, for the plots. The yearly summary and ``mean_ci`` are
``sim/experiment/summary.py``'s, re-exported here for the writers of files and the CLI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiment.summary import mean_ci, summarise

__all__ = ["mean_ci", "summarise", "weekly_bands", "weekly_bands_from"]


def weekly_bands(weekly: pd.DataFrame) -> pd.DataFrame:
    """``week, metric, mean, p05, p95`` across replications."""
    g = weekly.groupby(["week", "metric"], sort=True)["value"]
    out = pd.DataFrame({
        "mean": g.mean(),
        "p05": g.quantile(0.05),
        "p95": g.quantile(0.95),
    }).reset_index()
    return out


def weekly_bands_from(values: np.ndarray, weeks: np.ndarray, metrics: tuple[str, ...]
                      ) -> pd.DataFrame:
    """``week, metric, mean, p05, p95`` from a (replications x weeks x measures) array —
    the same as ``weekly_bands`` without building the long table."""
    mean = np.nanmean(values, axis=0)
    p05, p95 = np.nanpercentile(values, [5, 95], axis=0)
    n_w, n_m = mean.shape
    return pd.DataFrame({
        "week": np.repeat(weeks, n_m), "metric": np.tile(metrics, n_w),
        "mean": mean.reshape(-1), "p05": p05.reshape(-1), "p95": p95.reshape(-1),
    })
