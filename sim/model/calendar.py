"""Simulated time (days from the start date) and the calendar that reports use.

Children's figures count financial years to 31 March; workforce figures are a snapshot at
30 September filed under the financial year that contains it (DfE definitions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sim.periods import DAYS_PER_YEAR, fy_of

fy_label = fy_of
"""The financial year containing a date: the old name of ``sim.periods.fy_of``, kept for
code not yet moved to it."""


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


@dataclass(frozen=True)
class Calendar:
    start: dt.date
    horizon_years: float

    @property
    def end(self) -> dt.date:
        whole = int(self.horizon_years)
        frac = self.horizon_years - whole
        return _add_years(self.start, whole) + dt.timedelta(days=round(frac * DAYS_PER_YEAR))

    @property
    def end_day(self) -> float:
        return float((self.end - self.start).days)

    def day(self, d: dt.date) -> float:
        return float((d - self.start).days)

    def date(self, t: float) -> dt.date:
        return self.start + dt.timedelta(days=int(t))

    def months(self, t: np.ndarray) -> np.ndarray:
        """Calendar month (0 = January) of each time in ``t``."""
        days = np.datetime64(self.start, "D") + np.floor(t).astype("timedelta64[D]")
        return days.astype("datetime64[M]").astype(int) % 12

    def fy_ends(self) -> list[tuple[float, str, bool]]:
        """(time, label, complete) for each 31 March snapshot in the run: the start of
        1 April. ``complete`` says whether the whole financial year was simulated."""
        out: list[tuple[float, str, bool]] = []
        y = self.start.year if self.start.month < 4 else self.start.year + 1
        while True:
            d = dt.date(y, 4, 1)
            if d > self.end:
                return out
            if d > self.start:
                complete = dt.date(y - 1, 4, 1) >= self.start
                out.append((self.day(d), fy_of(d - dt.timedelta(days=1)), complete))
            y += 1

    def workforce_snapshots(self) -> list[tuple[float, str, bool, float]]:
        """(time, financial year, complete, window start) for each 30 September snapshot
        (taken at the start of 1 October); ``complete`` says whether the 12 months before it
        (from the window start, 1 October a year earlier) were simulated, so that starters,
        leavers and turnover can be counted."""
        out: list[tuple[float, str, bool, float]] = []
        y = self.start.year if (self.start.month, self.start.day) <= (10, 1) else \
            self.start.year + 1
        while True:
            d = dt.date(y, 10, 1)
            if d > self.end:
                return out
            if d > self.start:
                before = dt.date(y - 1, 10, 1)
                out.append((self.day(d), fy_of(dt.date(y, 9, 30)), before >= self.start,
                            self.day(before)))
            y += 1

    def months_between(self, first: dt.date, last: dt.date) -> list[float]:
        """Times of the 1st of every month from ``first`` (rounded up to a 1st) to ``last``,
        within the run."""
        y, m = first.year, first.month
        if first.day > 1:
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        out: list[float] = []
        while dt.date(y, m, 1) <= min(last, self.end):
            d = dt.date(y, m, 1)
            if d >= self.start and d < self.end:
                out.append(self.day(d))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def anniversary(self, k: int) -> float:
        """The day of the start's ``k``-th anniversary (28 February for a 29 February start).

        >>> Calendar(dt.date(2019, 4, 1), 5).anniversary(1)
        366.0
        """
        d = self.start
        return self.day(dt.date(d.year + k, d.month, min(d.day, 28) if d.month == 2
                                else d.day))

    def first_of_month(self, month: int) -> list[float]:
        """Times of the 1st of ``month`` (1-12) within the run, after the start."""
        out: list[float] = []
        y = self.start.year
        while True:
            d = dt.date(y, month, 1)
            if d > self.end:
                return out
            if d >= self.start:
                out.append(self.day(d))
            y += 1
