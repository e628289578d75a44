"""The DfE figures sim uses, for every English council, region and England.

``figure(area, measure, period)`` returns a council's published value with a note of where
it came from. Where the council's figure is missing or suppressed it falls back to its
region, then to England: rates, unit costs and percentages are taken as they are; counts
are scaled by the council's child population (0-17) relative to the region's (that of the
financial year's first year for spending; of the nearest year where it is not published).
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


@functools.cache
def _council_names() -> list[str]:
    return sorted(table().loc[table().level == "la", "area"].unique())


def resolve(name: str) -> str:
    """The council's name as published, matched without regard to case; an unknown name
    raises UnknownCouncil listing the closest matches."""
    names = _council_names()
    exact = {n.lower(): n for n in names}
    if name.strip().lower() in exact:
        return exact[name.strip().lower()]
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else \
        " (sim init --list shows them all)"
    raise UnknownCouncil(f"no English council called {name!r}{hint}")


@functools.cache
def region_of(area: str) -> str:
    t = table()
    r = t.loc[(t.area == area) & (t.level == "la"), "region"].dropna()
    return str(r.iloc[0]) if len(r) else ""


POPULATION_YEARS = 5
"""A count falls back to a region's scaled by child population of at most this many years
from the period's own: populations change slowly, a council's share of its region more so."""


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


@functools.cache
def _kind(measure: str) -> str:
    return str(measures().loc[measure, "kind"])


@functools.cache
def _file_column(measure: str) -> tuple[str, str]:
    m = measures().loc[measure]
    return str(m.file), str(m.column)


def source(measure: str, area: str, period: str) -> str:
    file, column = _file_column(measure)
    return f"{file}, {area}, {'time_period' if '-' not in period else 'year'} {period}, " \
           f"{column}"


def populations(area: str, other: str, period: str) -> tuple[float, float, str] | None:
    """The child populations (0-17) of ``area`` and ``other`` that scale ``other``'s count
    to ``area`` in ``period``: the mid-year estimate of the period's (first) year, or, where
    either is not published for it (a council created or abolished about then, the latest
    year), that of the nearest year both have; and which year it is."""
    idx = _index()
    year = int(period[:4])
    have = [y for y in range(year - POPULATION_YEARS, year + POPULATION_YEARS + 1)
            if not np.isnan(idx.get((area, "population_0_17", str(y)), np.nan))
            and not np.isnan(idx.get((other, "population_0_17", str(y)), np.nan))]
    if not have:
        return None
    y = str(min(have, key=lambda h: (abs(h - year), h)))  # a tie: the earlier
    return (idx[(area, "population_0_17", y)], idx[(other, "population_0_17", y)], y)


def figure(area: str, measure: str, period: str, fallback: bool = True) -> Figure:
    """A council's published figure, or its region's or England's where it is missing."""
    idx = _index()
    v = idx.get((area, measure, period), np.nan)
    if not np.isnan(v):
        return Figure(v, area, period, measure, source(measure, area, period))
    if not fallback:
        return Figure(np.nan, area, period, measure, "missing")
    kind = _kind(measure)
    region = region_of(area)
    for other in (region, "England"):
        ov = idx.get((other, measure, period), np.nan)
        if np.isnan(ov):
            continue
        if kind == "count":
            pops = populations(area, other, period)
            if pops is not None:
                pop, opop, when = pops
                ov = ov * pop / opop
                how = (f"{other}'s figure scaled by child population ({pop:,.0f} of "
                       f"{opop:,.0f}"
                       f"{'' if when == period[:4] else f', mid-{when}: the nearest published'})")
            else:  # no population for a council of old boundaries (Bournemouth, Poole)
                year = period if "-" not in period else str(int(period[:4]) + 1)
                refs = idx.get((area, "referrals", year), np.nan)
                orefs = idx.get((other, "referrals", year), np.nan)
                if measure == "referrals" or np.isnan(refs) or not orefs > 0:
                    continue
                ov = ov * refs / orefs
                how = (f"{other}'s figure scaled by referrals in the year to 31 March {year} "
                       f"({refs:,.0f} of {orefs:,.0f}; no child population is published "
                       f"for {area})")
        else:
            how = f"{other}'s figure"
        return Figure(ov, other, period, measure,
                      f"fallback: {area} not published; {how}; {source(measure, other, period)}")
    return Figure(np.nan, area, period, measure, "missing, with no regional or England figure")
