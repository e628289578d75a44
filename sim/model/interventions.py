"""What interventions do over time: the early-help effect on referrals, the retention
payment's effect on leaving, and the dated changes of establishment, caps and recruitment.

Uncertain effects arrive here already drawn for the replication (``uncertainty.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.calendar import Calendar
from sim.periods import DAYS_PER_MONTH
from sim.scenario.distributions import param_value
from sim.scenario.schema import EarlyHelp, Retention, Scenario

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.measures import Recorder


def early_help_multiplier(eh: EarlyHelp, cal: Calendar) -> Callable[[np.ndarray], np.ndarray]:
    """Referral rate multiplier over time from early-help budget changes.

    A change from date d reaches referrals from d + lag. With an elasticity e, referrals
    scale by (budget / base budget) ** -e; with ``pct_per_million`` they rise by that many
    percent per £1m a year cut.
    """
    lag = param_value(eh.lag_months) * DAYS_PER_MONTH
    steps = [(cal.day(c.start) + lag, eh.base_budget + c.annual_change) for c in eh.changes]
    if eh.elasticity is not None:
        e = param_value(eh.elasticity)

        def effect(budget: float) -> float:
            return (budget / eh.base_budget) ** (-e)
    else:
        pct = param_value(eh.pct_per_million)

        def effect(budget: float) -> float:
            return max(0.0, 1 + pct / 100 * (eh.base_budget - budget) / 1e6)

    def multiplier(t: np.ndarray) -> np.ndarray:
        out = np.ones_like(t, dtype=float)
        for when, budget in steps:
            out[t >= when] = effect(budget)
        return out

    return multiplier


class RetentionScheme:
    """Retention payments: the annual spend shared among permanent workers while the scheme
    runs. A payment of p a year scales each worker's leaving hazard by
    hazard_ratio ** (p / reference_payment)."""

    def __init__(self, r: Retention, cal: Calendar) -> None:
        self.spend = r.annual_spend
        self.start = cal.day(r.start)
        self.end = cal.day(r.end) + 1  # the end date is the scheme's last day
        self.hr = param_value(r.hazard_ratio)
        self.reference = r.reference_payment
        self.clawback = r.clawback

    def pay(self, workers: Iterable[Any], amount: float, t: float, rec: Recorder) -> None:
        """One instalment, shared equally by the permanent workers in post who have not
        given notice (each keeps what they were paid within the clawback window)."""
        eligible = [w for w in workers if not w.leaving]
        if not eligible:
            return
        each = amount / len(eligible)
        window = self.clawback.months * DAYS_PER_MONTH
        for w in eligible:
            if window > 0:
                w.paid = [p for p in w.paid if t - p[0] < window]
                w.paid.append((t, each))
        rec.retention_paid += amount

    def claw_back(self, w: Any, t: float, rec: Recorder) -> None:
        """A leaver repays the clawback share of what they were paid within the window."""
        cb = self.clawback
        if w.paid and cb.months > 0 and cb.share > 0:
            window = cb.months * DAYS_PER_MONTH
            rec.retention_clawed_back += cb.share * sum(a for tp, a in w.paid if t - tp < window)
        w.paid = []

    def active(self, t: float) -> bool:
        return self.spend > 0 and self.start <= t < self.end

    def hazard_multiplier(self, t: float, permanent_workers: int) -> float:
        if not self.active(t) or permanent_workers == 0:
            return 1.0
        payment = self.spend / permanent_workers
        return self.hr ** (payment / self.reference)


def dated_changes(s: Scenario, cal: Calendar) -> list[tuple[float, str, object]]:
    """Establishment, cap, overflow and agency changes within the run as (time, kind,
    change), in order of time (and, on one day, in that order of kinds)."""
    iv = s.interventions
    out: list[tuple[float, str, object]] = []
    for kind, changes in (("establishment", iv.establishment_changes),
                          ("cap", iv.cap_changes), ("overflow", iv.overflow_changes),
                          ("agency", iv.agency_changes)):
        out.extend((cal.day(c.date), kind, c) for c in changes)
    out = [x for x in out if 0 <= x[0] <= cal.end_day]
    out.sort(key=lambda x: x[0])
    return out


class Recruiting:
    """Recruitment settings at a time, with any campaign in force."""

    def __init__(self, s: Scenario, cal: Calendar) -> None:
        self.base = s.workforce.recruitment
        self.campaigns = [
            (cal.day(c.start), cal.day(c.end) + 1, c) for c in s.interventions.recruitment_campaigns
        ]
        self.fill_factor = 1.0  # this year's shock to the chance of filling (workforce_shocks)

    def at(self, t: float) -> tuple[float, float]:
        """(fill probability, time-to-hire scale) at time t."""
        p, scale = param_value(self.base.fill_probability), 1.0
        for a, b, c in self.campaigns:
            if a <= t < b:
                if c.fill_probability is not None:
                    p = c.fill_probability
                scale *= c.time_to_hire_scale
        return min(1.0, p * self.fill_factor), scale
