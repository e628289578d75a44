"""The DfE figures sim uses, for every English council, region and England.

``figure(area, measure, period)`` returns a council's published value with a note of where
it came from. Where the council's figure is missing or suppressed it falls back to its
region, then to England: rates, unit costs and percentages are taken as they are; counts
are scaled by the council's child population (0-17) relative to the region's.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

SUPPRESSED = {"c", "x", "z", "u", "-", "", "..", ":", "low"}
"""DfE codes for figures not published: suppressed (c), not available (x), not applicable
(z), low reliability (u), rounds to zero (low). All are read as missing, never as zero."""


def parse_value(v: object) -> float:
    """A published cell as a number, or NaN where it is a code for 'not published'."""
    s = str(v).strip()
    if s.lower() in SUPPRESSED or s == "nan":
        return float("nan")
    return float(s.replace(",", ""))


class UnknownCouncil(LookupError):
    """No council of that name; the message lists the closest matches."""


@functools.cache
def table() -> pd.DataFrame:
    with resources.files("sim.data").joinpath("dfe_published.csv.gz").open("rb") as f:
        return pd.read_csv(f, compression="gzip", dtype={"period": str, "area_code": str,
                                                          "region": str})


@functools.cache
def measures() -> pd.DataFrame:
    with resources.files("sim.data").joinpath("dfe_measures.csv").open() as f:
        return pd.read_csv(f).set_index("measure")


@functools.cache
def _index() -> dict[tuple[str, str, str], float]:
    t = table()
    return dict(zip(zip(t.area, t.measure, t.period, strict=True), t.value, strict=True))


@functools.cache
def by_council(measure: str) -> pd.DataFrame:
    """Councils x periods: a measure's published figures (missing where not published)."""
    t = table()
    return t[(t.level == "la") & (t.measure == measure)].pivot_table(
        index="area", columns="period", values="value")


MAD_TO_SD = 1.4826  # median absolute deviation x this = sd, for a normal distribution


def robust_sd(x: np.ndarray) -> float:
    """The median absolute deviation of the finite values, as an sd (NaN if none): a few
    councils' recording breaks do not set it."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(MAD_TO_SD * np.median(np.abs(x - np.median(x)))) if len(x) else float("nan")


def councils(period: str | None = None, measure: str = "referrals") -> list[str]:
    """Councils with a figure for ``measure`` (in ``period``, if given)."""
    t = table()
    t = t[(t.level == "la") & (t.measure == measure) & t.value.notna()]
    if period is not None:
        t = t[t.period == period]
    return sorted(t.area.unique())


def resolve(name: str) -> str:
    """The council's name as published, matched without regard to case; an unknown name
    raises UnknownCouncil listing the closest matches."""
    names = sorted(table().loc[table().level == "la", "area"].unique())
    exact = {n.lower(): n for n in names}
    if name.strip().lower() in exact:
        return exact[name.strip().lower()]
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else \
        " (sim init --list shows them all)"
    raise UnknownCouncil(f"no English council called {name!r}{hint}")


def region_of(area: str) -> str:
    t = table()
    r = t.loc[(t.area == area) & (t.level == "la"), "region"].dropna()
    return str(r.iloc[0]) if len(r) else ""


@dataclass(frozen=True)
class Figure:
    value: float
    area: str  # whose figure it is (the council, its region or England)
    period: str
    measure: str
    note: str  # where it came from, for a comment

    @property
    def fallback(self) -> bool:
        return "fallback" in self.note


def source(measure: str, area: str, period: str) -> str:
    m = measures().loc[measure]
    return f"{m.file}, {area}, {'time_period' if '-' not in period else 'year'} {period}, " \
           f"{m.column}"


def figure(area: str, measure: str, period: str, fallback: bool = True) -> Figure:
    """A council's published figure, or its region's or England's where it is missing."""
    idx = _index()
    v = idx.get((area, measure, period), np.nan)
    if not np.isnan(v):
        return Figure(v, area, period, measure, source(measure, area, period))
    if not fallback:
        return Figure(np.nan, area, period, measure, "missing")
    kind = measures().loc[measure, "kind"]
    region = region_of(area)
    for other in (region, "England"):
        ov = idx.get((other, measure, period), np.nan)
        if np.isnan(ov):
            continue
        if kind == "count":
            pop = idx.get((area, "population_0_17", period), np.nan)
            opop = idx.get((other, "population_0_17", period), np.nan)
            if np.isnan(pop) or np.isnan(opop):
                continue
            ov = ov * pop / opop
            how = f"{other}'s figure scaled by child population ({pop:,.0f} of {opop:,.0f})"
        else:
            how = f"{other}'s figure"
        return Figure(ov, other, period, measure,
                      f"fallback: {area} not published; {how}; {source(measure, other, period)}")
    return Figure(np.nan, area, period, measure, "missing, with no regional or England figure")
