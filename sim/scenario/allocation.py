"""The ``allocation`` section of a scenario: who is served first, by whom, and how far
above their caps workers go when nobody has room.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.fields import (
    CASE_TYPES,
    CaseType,
    CrossFieldError,
    Strict,
)


class Overflow(Strict):
    """How far above their cap a worker may be allocated a case of each type when nobody
    has room (what councils do in practice): 1 = never above the cap, 1.5 = up to 150%."""

    assessment: float = Field(ge=1, le=5)
    cin: float = Field(ge=1, le=5)
    cp: float = Field(ge=1, le=5)
    cla: float = Field(ge=1, le=5)


class Allocation(Strict):
    priority: tuple[CaseType, ...] = Field(
        description="case types from first to last served when workers have room"
    )
    method: Literal["least_loaded"] = Field(
        description="least_loaded: the worker with most room (cap minus cases held) takes it"
    )
    keep_worker: bool = Field(
        description="a re-referred child goes back to their previous worker if they have room"
    )
    team_move_on_step: bool = Field(
        default=False, description="a case stepping between child in need and child "
        "protection goes to another worker (a designed change)")
    team_move_after_assessment: bool = Field(
        description="after assessment the case moves to another worker (a designed change)"
    )
    team_move_into_care: bool = Field(
        description="a child who becomes looked after moves to another worker (a children "
        "in care team; a designed change)"
    )
    rebalance_to_starters: float = Field(
        default=0.0, ge=0, le=1, description="a new case holder (a hire or an agency worker) "
        "is given cases from the colleagues with least room until they hold this share of "
        "their cap; each is a change of worker ('managing caseloads'); 0 = only new cases")
    assessment_clock: Literal["from_allocation", "from_referral"] = Field(
        description="whether an assessment's duration runs from allocation or from referral"
    )
    overflow: Overflow

    @field_validator("priority")
    @classmethod
    def _all_types(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if sorted(v) != sorted(CASE_TYPES):
            raise ValueError(
                f"must list each case type once: {', '.join(CASE_TYPES)} (got {', '.join(v)})"
            )
        return v

    def overflow_problem(self, overflow: Overflow) -> tuple[str, str] | None:
        """(case type, why) if ``overflow`` lets a case type go further over the cap than
        one served before it; else None."""
        # otherwise a lower-priority case could take a place a waiting higher one may not
        for hi, lo in zip(self.priority, self.priority[1:], strict=False):
            a, b = getattr(overflow, hi), getattr(overflow, lo)
            if b > a:
                return lo, (f"{lo} ({b:g}) may not go further over the cap than {hi} "
                            f"({a:g}), which comes before it in allocation.priority")
        return None

    @model_validator(mode="after")
    def _overflow_follows_priority(self) -> Allocation:
        problem = self.overflow_problem(self.overflow)
        if problem is not None:
            raise CrossFieldError(f"allocation.overflow.{problem[0]}", problem[1])
        return self
