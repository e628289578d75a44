"""Measures, each as the official statistics define it (DOMAIN.md), so that simulated
figures compare directly with published ones.

The names are a contract that later issues and users' notebooks read:

Per financial year (children's figures, year to 31 March): ``referrals``,
``rereferral_rate``, ``cin_31mar``, ``cp_31mar``, ``cla_31mar``, ``cla_starts``,
``unallocated_mean`` (time-weighted), ``unallocated_max``, ``worker_changes_per_child``,
``children_3plus_workers_rate``; money: ``cost_staff_permanent``, ``cost_staff_agency``,
``cost_retention``.

Workforce (30 September snapshot and the 12 months to it, filed under the financial year
that contains that 30 September): ``inpost_fte``, ``agency_fte``, ``starters_fte``,
``leavers_fte``, ``turnover_rate``, ``vacancy_rate``, ``agency_rate``, ``caseload_per_fte``,
``over_cap_share``. Rates are percentages.

Weekly series: ``open_assessment``, ``open_cin``, ``open_cp``, ``open_cla``,
``unallocated``, ``fte_experienced``, ``fte_newly_qualified``, ``fte_agency``,
``caseload_mean``.

A flow (a count over a year) is reported only for years wholly simulated; a stock or
snapshot whenever its date falls in the run.
"""

from __future__ import annotations

ANNUAL_METRICS = (
    "referrals", "rereferral_rate", "cin_31mar", "cp_31mar", "cla_31mar", "cla_starts",
    "unallocated_mean", "unallocated_max", "worker_changes_per_child",
    "children_3plus_workers_rate", "cost_staff_permanent", "cost_staff_agency",
    "cost_retention",
    "inpost_fte", "agency_fte", "starters_fte", "leavers_fte", "turnover_rate",
    "vacancy_rate", "agency_rate", "caseload_per_fte", "over_cap_share",
)
WEEKLY_METRICS = (
    "open_assessment", "open_cin", "open_cp", "open_cla", "unallocated", "fte_experienced",
    "fte_newly_qualified", "fte_agency", "caseload_mean",
)
HEADLINE_METRICS = (
    "referrals", "cla_31mar", "unallocated_mean", "worker_changes_per_child", "inpost_fte",
    "turnover_rate", "vacancy_rate", "agency_rate", "caseload_per_fte",
)


class TimeAverage:
    """The time-weighted mean and the maximum of a piecewise-constant quantity."""

    __slots__ = ("area", "max", "t", "t0", "value")

    def __init__(self, t: float = 0.0, value: float = 0.0) -> None:
        self.t0 = self.t = t
        self.value = value
        self.area = 0.0
        self.max = value

    def set(self, t: float, value: float) -> None:
        self.area += self.value * (t - self.t)
        self.t = t
        self.value = value
        if value > self.max:
            self.max = value

    def take(self, t: float) -> tuple[float, float]:
        """(mean, max) since the last take, then start again from ``t``."""
        self.set(t, self.value)
        span = t - self.t0
        mean = self.area / span if span > 0 else self.value
        out = (mean, self.max)
        self.t0 = t
        self.area = 0.0
        self.max = self.value
        return out


class Recorder:
    """Collects what happens; the model calls it, and it computes each measure."""

    def __init__(self) -> None:
        self.annual: list[tuple[str, str, float]] = []
        self.weekly: list[tuple[float, str, float]] = []
        # flows in the current financial year
        self.referrals = 0
        self.rereferrals = 0
        self.cla_starts = 0
        self.unallocated = TimeAverage()
        self.fte = {"experienced": TimeAverage(), "newly_qualified": TimeAverage(),
                    "agency": TimeAverage()}
        self.starters: list[float] = []
        self.leavers: list[float] = []
        # totals over the run (for checks)
        self.total_referrals = 0
        self.total_closed = 0
        self.total_changes = 0

    def add(self, fy: str, metric: str, value: float) -> None:
        self.annual.append((fy, metric, float(value)))

    def headcount(self, t: float, kind: str, delta: int) -> None:
        ta = self.fte[kind]
        ta.set(t, ta.value + delta)

    def starter(self, t: float) -> None:
        self.starters.append(t)

    def leaver(self, t: float) -> None:
        self.leavers.append(t)

    def queue_length(self, t: float, n: int) -> None:
        self.unallocated.set(t, n)

    def fte_years(self, t: float) -> dict[str, float]:
        """FTE-years of each kind of worker since the last call (for costs)."""
        out = {}
        for kind, ta in self.fte.items():
            mean, _ = ta.take(t)
            out[kind] = mean
        return out

    def window(self, times: list[float], t0: float, t1: float) -> int:
        return sum(1 for x in times if t0 < x <= t1)
