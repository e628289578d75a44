"""The ``interventions`` section of a scenario: retention payments, the early-help budget,
and changes of establishment, caps and recruitment over the run.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.allocation import Overflow
from sim.scenario.distributions import FieldError, Fixed
from sim.scenario.fields import (
    Duration,
    Money,
    NonNegInt,
    NonNegParam,
    Param,
    PositiveInt,
    PositiveParam,
    Probability,
    Role,
    Strict,
    WorkerType,
)

MAX_REFERRAL_MULTIPLIER = 2.0
"""How far interventions may raise the referral rate (the model draws referrals by thinning
a rate this many times the baseline's; see ``model/demand.py``)."""


class Clawback(Strict):
    """What a worker who leaves soon after a retention payment pays back."""

    months: float = Field(ge=0, le=60, description="payments in this many months before "
                          "leaving are clawed back (0 = none)")
    share: Probability = Field(description="share of those payments recovered")


class Retention(Strict):
    """Money spent on retention payments to permanent social workers.

    The spend is paid in equal monthly instalments on the first of each month from ``start``
    to ``end``, each shared equally among the permanent social workers in post who have not
    given notice."""

    annual_spend: Money = Field(description="£ a year paid out, shared among permanent workers")
    start: dt.date = Field(description="first month of payments (paid on the 1st)")
    end: dt.date = Field(description="payments run to this date (the last on the 1st before)")
    clawback: Clawback
    reference_payment: float = Field(
        gt=0, description="£ a year per worker at which the hazard ratio applies"
    )
    hazard_ratio: PositiveParam = Field(
        description="leaving hazard with the reference payment relative to none; a payment "
        "of p gives hazard_ratio ** (p / reference_payment)"
    )

    @model_validator(mode="after")
    def _dates(self) -> Retention:
        if self.end <= self.start:
            raise FieldError("end", f"must be after start ({self.start}) (found {self.end})")
        return self


class BudgetChange(Strict):
    start: dt.date = Field(description="date from which the new budget applies")
    annual_change: float = Field(description="£ a year relative to the base budget (cut < 0)")


class EarlyHelp(Strict):
    """Early help (prevention) budget and its effect on referrals."""

    base_budget: float = Field(gt=0, description="£ a year of early help before any change")
    changes: tuple[BudgetChange, ...] = ()
    elasticity: Param | None = Field(
        default=None,
        description="% fewer referrals per 1% more early help spending (positive = protective)",
    )
    pct_per_million: Param | None = Field(
        default=None, description="% more referrals per £1m a year cut (alternative form)"
    )
    lag_months: NonNegParam = Field(description="months before a budget change reaches referrals")

    @field_validator("changes")
    @classmethod
    def _in_order(cls, v: tuple[BudgetChange, ...]) -> tuple[BudgetChange, ...]:
        for a, b in itertools.pairwise(v):
            if b.start < a.start:
                raise ValueError(f"must be in date order (found {b.start} after {a.start})")
        return v

    @model_validator(mode="after")
    def _one_effect(self) -> EarlyHelp:
        if (self.elasticity is None) == (self.pct_per_million is None):
            raise ValueError("give exactly one of elasticity or pct_per_million")
        for c in self.changes:
            budget = self.base_budget + c.annual_change
            if budget <= 0:
                raise ValueError(
                    f"a change of {c.annual_change:,.0f} leaves no early help budget "
                    f"(base {self.base_budget:,.0f})"
                )
            worst = self.largest_effect(budget)
            if worst > MAX_REFERRAL_MULTIPLIER:
                raise ValueError(
                    f"a change of {c.annual_change:,.0f} could multiply referrals by "
                    f"{worst:.2f}; the model allows at most {MAX_REFERRAL_MULTIPLIER:g}"
                )
        return self

    def largest_effect(self, budget: float) -> float:
        """The largest referral multiplier a budget could give over the effect's range."""
        if self.elasticity is not None:
            e = self.elasticity
            lo, hi = float(e.ppf(1e-9)), float(e.ppf(1 - 1e-9))
            ratio = budget / self.base_budget
            return max(ratio ** (-lo), ratio ** (-hi))
        pct = self.pct_per_million
        if pct is None:  # pragma: no cover - _one_effect asks for one of the two
            raise ValueError("give exactly one of elasticity or pct_per_million")
        top = max(abs(float(pct.ppf(1e-9))), abs(float(pct.ppf(1 - 1e-9))))
        return 1 + top / 100 * abs(self.base_budget - budget) / 1e6


class EstablishmentChange(Strict):
    date: dt.date
    role: Role
    change: int = Field(description="posts added (positive) or removed (negative)")


class CapChange(Strict):
    date: dt.date
    worker_type: WorkerType
    cap: PositiveInt


class RecruitmentCampaign(Strict):
    start: dt.date
    end: dt.date
    fill_probability: Probability | None = Field(
        default=None, description="replaces the usual fill probability during the campaign"
    )
    time_to_hire_scale: float = Field(
        default=1.0, gt=0, description="multiplies the time to hire during the campaign"
    )

    @model_validator(mode="after")
    def _dates(self) -> RecruitmentCampaign:
        if self.end <= self.start:
            raise FieldError("end", f"must be after start ({self.start}) (found {self.end})")
        return self


class OverflowChange(Strict):
    """From ``date``, how far above their caps workers may go when nobody has room
    (``allocation.overflow``'s values; 1 for every type = a hard cap). Workers already above
    the new limit keep their cases; they take no more until they are under it."""

    date: dt.date
    overflow: Overflow


class AgencyChange(Strict):
    """From ``date``, the share of vacancies covered by agency staff, the number of agency
    staff beyond vacancy cover, or both (``workforce.agency``). Each vacancy keeps the draw
    that decided its cover, so a higher share covers more of the vacancies open then and a
    lower one leaves some uncovered: their agency worker is not replaced at the end of their
    stay. Agency staff beyond cover are engaged (after the time to engage) or released at
    once, newest first."""

    date: dt.date
    cover_share: Probability | None = Field(default=None, description="share of vacancies "
                                            "covered from the date (null: unchanged)")
    additional: NonNegInt | None = Field(default=None, description="agency staff beyond "
                                         "vacancy cover from the date (null: unchanged)")

    @model_validator(mode="after")
    def _something(self) -> AgencyChange:
        if self.cover_share is None and self.additional is None:
            raise ValueError("give cover_share, additional or both")
        return self


class DatedHire(Strict):
    """A number of permanent social workers hired at once, on a date: international
    recruitment, or a one-off campaign that fills a known number of posts. Each recruit
    starts after their own time to start, in a post of their own (``into: new_posts``, the
    establishment grows) or in a vacant post (``into: vacancies``; a new post if none is
    vacant then); they leave at their own rate, and cost ``cost_per_hire`` each, once,
    in the recruitment budget line."""

    date: dt.date = Field(description="the date the recruits are hired (offers accepted)")
    number: PositiveInt = Field(description="recruits who start")
    kind: Literal["experienced", "newly_qualified"] = Field(
        default="experienced", description="experienced workers carry a full caseload at "
        "once; newly qualified ones ramp up through their first year (workforce.newly_qualified)")
    role: Role = "case_holding"
    into: Literal["new_posts", "vacancies"] = Field(
        default="new_posts", description="new_posts: each recruit comes with a funded post of "
        "their own; vacancies: each fills a vacant post, or a new one if none is vacant")
    time_to_start_days: Duration = Field(
        default_factory=lambda: Fixed(value=0.0), description="days from the date to each "
        "recruit's first day (visas, notice, relocation), drawn for each recruit")
    annual_hazard: NonNegParam | None = Field(
        default=None, description="the recruits' own leaving rate a year; null = that of "
        "their kind (workforce.leaving.annual_hazard)")
    cost_per_hire: Money = Field(
        default=0.0, description="£ once per recruit who starts (agency fee, visa, "
        "relocation), in prices of the start year; in place of costs.recruitment_per_hire")
    label: str = Field(default="", max_length=80, description="a name for the reports")


class Interventions(Strict):
    retention: Retention
    early_help: EarlyHelp
    establishment_changes: tuple[EstablishmentChange, ...] = ()
    cap_changes: tuple[CapChange, ...] = ()
    recruitment_campaigns: tuple[RecruitmentCampaign, ...] = ()
    overflow_changes: tuple[OverflowChange, ...] = Field(
        default=(), description="dated changes of how far workers go above their caps "
        "(allocation.overflow)")
    agency_changes: tuple[AgencyChange, ...] = Field(
        default=(), description="dated changes of agency cover (workforce.agency)")
    hires: tuple[DatedHire, ...] = Field(
        default=(), description="dated hires of a number of permanent workers (international "
        "recruitment, a one-off campaign)")
