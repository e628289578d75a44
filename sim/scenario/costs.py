"""The ``costs`` section of a scenario: pay, agency, recruitment and placement prices, and
how they are uprated year by year.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.scenario.fields import (
    FY_LABEL,
    FinancialYear,
    Money,
    NonNegFloat,
    Probability,
    Shares,
    Strict,
)


class Salaries(Strict):
    experienced: Money
    newly_qualified: Money


class ByYear(Strict):
    """A yearly percentage: a default, and values for particular financial years."""

    default: float = Field(ge=-50, le=100, description="% a year")
    by_year: dict[FinancialYear, Annotated[float, Field(ge=-50, le=100)]] = Field(
        default_factory=dict, description="% for particular years, e.g. {2020-21: 2.75}",
        json_schema_extra={"propertyNames": {"pattern": FY_LABEL}})

    def pct(self, fy: str) -> float:
        return self.by_year.get(fy, self.default)


class PlacementTypes(Strict):
    foster: NonNegFloat
    residential: NonNegFloat
    other: NonNegFloat


class PlacementMix(Shares):
    """Shares of looked-after children by placement type; they must add up to 1."""

    foster: Probability
    residential: Probability
    other: Probability


class Placements(Strict):
    mix: PlacementMix = Field(description="each child's placement type is drawn from this mix "
                              "when they become looked after")
    weekly: PlacementTypes = Field(description="£ a week per child placed, by type")


class Costs(Strict):
    """What things cost, in prices of the financial year that contains the start date; later
    years are uprated by the pay award (staff) or inflation (everything else)."""

    salary: Salaries = Field(description="£ a year basic pay per FTE")
    on_cost_share: float = Field(ge=0, le=2, description="employer on-costs as a share of pay")
    agency_weekly: Money = Field(description="£ a week per agency FTE, all in")
    recruitment_per_hire: Money = Field(description="£ per external permanent hire")
    academy_per_newly_qualified: Money = Field(
        description="£ per newly qualified worker taken on through the yearly cohort")
    placements: Placements
    looked_after_other_weekly: Money = Field(
        description="£ a week per looked-after child beyond the placement (other S251 "
        "looked-after costs)")
    pay_award_pct: ByYear = Field(description="yearly uprating of pay and agency rates")
    inflation_pct: ByYear = Field(description="yearly inflation of other prices; also the "
                                  "deflator for real terms")
    placement_inflation_pct: ByYear = Field(description="yearly rise in placement prices")
    discount_rate_pct: float = Field(ge=0, le=20, description="for present values (HM "
                                     "Treasury Green Book: 3.5)")
