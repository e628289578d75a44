"""Summary tables across replications: means with 95% confidence intervals and the spread."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the t-based confidence interval of the mean (NaNs ignored)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return (np.nan, np.nan, np.nan)
    m = float(v.mean())
    if n == 1:
        return (m, np.nan, np.nan)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n))
    return (m, m - half, m + half)


def summarise(annual: pd.DataFrame) -> pd.DataFrame:
    """``fy, metric, mean, ci_low, ci_high, p05, p95`` from ``replication, fy, metric, value``.

    The interval is the 95% confidence interval of the mean over replications; p05 and p95
    are the 5th and 95th percentiles of single replications (the spread a year might show).
    """
    rows = []
    for (fy, metric), g in annual.groupby(["fy", "metric"], sort=True):
        v = g["value"].to_numpy(dtype=float)
        m, lo, hi = mean_ci(v)
        finite = v[~np.isnan(v)]
        p05, p95 = (np.percentile(finite, [5, 95]) if len(finite) else (np.nan, np.nan))
        rows.append((fy, metric, m, lo, hi, float(p05), float(p95)))
    return pd.DataFrame(rows, columns=["fy", "metric", "mean", "ci_low", "ci_high", "p05", "p95"])


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
