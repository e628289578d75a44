"""The money: each financial year's spending by budget line, priced from what the model
counted in that year (FTE in post, hires, children looked after by placement type,
retention payments made and clawed back) and the scenario's prices.

Prices in the scenario are those of the financial year that contains the start date. Each
later year is uprated by that year's pay award (staff) or inflation (everything else) or
placement inflation (placements). Costs are cash; real terms divide by the inflation index,
so they are in prices of the first year.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.calendar import Calendar
from sim.periods import DAYS_PER_WEEK, fy_of, next_fy
from sim.scenario.schema import ByYear, Scenario

LINES = ("staff_permanent", "staff_agency", "recruitment", "academy", "retention",
         "retention_clawback", "early_help", "placements", "looked_after_other")
"""Budget lines, in order; ``total`` is their sum."""
TOTAL = "total"
PLACEMENT_TYPES = ("foster", "residential", "other")


class PriceIndex:
    """Cumulative uprating from the first financial year (index 1) by yearly percentages:
    a year's percentage applies from its start."""

    def __init__(self, pct: ByYear, first_fy: str) -> None:
        self._pct = pct
        self._index = {first_fy: 1.0}
        self._last = first_fy

    def __call__(self, fy: str) -> float:
        while fy not in self._index:
            nxt = next_fy(self._last)
            self._index[nxt] = self._index[self._last] * (1 + self._pct.pct(nxt) / 100)
            self._last = nxt
        return self._index[fy]


@dataclass
class YearQuantities:
    """What happened in one financial year that costs money."""

    days: float
    fte_experienced: float  # mean FTE over the year
    fte_newly_qualified: float
    fte_agency: float
    cla_by_type: tuple[float, float, float]  # mean children looked after, by placement type
    hires: int
    cohort_hires: int
    hire_cost: float  # dated hires' own costs, in the first year's prices
    retention_paid: float
    retention_clawed_back: float


class Ledger:
    """Prices a year's quantities into budget lines (cash and real terms)."""

    def __init__(self, s: Scenario, cal: Calendar) -> None:
        self.c = s.costs
        self.eh = s.interventions.early_help
        self.cal = cal
        first = fy_of(cal.start)
        self.pay = PriceIndex(self.c.pay_award_pct, first)
        self.prices = PriceIndex(self.c.inflation_pct, first)
        self.placement_prices = PriceIndex(self.c.placement_inflation_pct, first)

    def early_help(self, t0: float, t1: float) -> float:
        """Early help spend over [t0, t1): each budget level for the share of the year it
        is in force (budgets are cash a year, as set)."""
        steps = [(0.0, self.eh.base_budget)] + [
            (self.cal.day(c.start), self.eh.base_budget + c.annual_change) for c in self.eh.changes
        ]
        total = 0.0
        for i, (start, budget) in enumerate(steps):
            end = steps[i + 1][0] if i + 1 < len(steps) else float("inf")
            overlap = max(0.0, min(t1, end) - max(t0, start))
            total += budget * overlap / (t1 - t0)
        return total

    def year(self, fy: str, t0: float, t1: float, q: YearQuantities) -> list[tuple[str, float,
                                                                                   float]]:
        """(line, cash, real) for one whole financial year [t0, t1), with the total last."""
        c = self.c
        pay, prices, place = self.pay(fy), self.prices(fy), self.placement_prices(fy)
        weeks = q.days / DAYS_PER_WEEK
        oncost = 1 + c.on_cost_share
        cla_weeks = [n * weeks for n in q.cla_by_type]
        weekly = c.placements.weekly
        cash = {
            "staff_permanent": (q.fte_experienced * c.salary.experienced
                                + q.fte_newly_qualified * c.salary.newly_qualified)
            * oncost * pay,
            "staff_agency": q.fte_agency * weeks * c.agency_weekly * pay,
            "recruitment": (q.hires * c.recruitment_per_hire + q.hire_cost) * prices,
            "academy": q.cohort_hires * c.academy_per_newly_qualified * prices,
            "retention": q.retention_paid,
            "retention_clawback": -q.retention_clawed_back,
            "early_help": self.early_help(t0, t1),
            "placements": sum(w * getattr(weekly, k) for w, k in
                              zip(cla_weeks, PLACEMENT_TYPES, strict=True)) * place,
            "looked_after_other": sum(cla_weeks) * c.looked_after_other_weekly * prices,
        }
        rows = [(line, cash[line], cash[line] / prices) for line in LINES]
        total = sum(cash.values())
        rows.append((TOTAL, total, total / prices))
        return rows
