"""The ``initial_state`` section of a scenario: the service as it stands on the start date
(open cases, protection plans by duration, social workers in post).
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from sim.scenario.distributions import FieldError
from sim.scenario.fields import (
    Duration,
    NonNegFloat,
    NonNegInt,
    Strict,
)


class CpBandsPct(Strict):
    """Child-protection plans open on the start date by how long they have lasted (%)."""

    up_to_3m: NonNegFloat
    m3_to_6m: NonNegFloat
    m6_to_12m: NonNegFloat
    y1_to_2y: NonNegFloat
    over_2y: NonNegFloat

    @model_validator(mode="after")
    def _sum(self) -> CpBandsPct:
        total = sum(self.model_dump().values())
        if abs(total - 100) > 0.5:
            raise ValueError(f"duration bands must add up to 100% (they add up to {total:g}%)")
        return self


class OpenCases(Strict):
    """Cases open on the start date by type."""

    assessment: NonNegInt
    cin: NonNegInt
    cp: NonNegInt
    cla: NonNegInt


class StaffByType(Strict):
    experienced: NonNegInt
    newly_qualified: NonNegInt = 0
    agency: NonNegInt


class InitialWorkforce(Strict):
    """Social workers in post on the start date (headcount of full-time equivalents)."""

    case_holding: StaffByType
    non_case_holding: StaffByType
    newly_qualified_months_in_post: Duration = Field(
        description="months each newly qualified worker has been in post (a distribution)"
    )

    @field_validator("non_case_holding")
    @classmethod
    def _no_nq(cls, v: StaffByType) -> StaffByType:
        if v.newly_qualified:
            raise ValueError("newly qualified workers always hold cases; put them in case_holding")
        return v


class InitialState(Strict):
    """The service as it stands on the start date: planners start from today's state."""

    open_cases: OpenCases
    cp_duration_bands_pct: CpBandsPct
    awaiting_allocation: NonNegInt = Field(
        description="open assessments not yet allocated to a social worker on the start date"
    )
    workforce: InitialWorkforce

    @model_validator(mode="after")
    def _awaiting(self) -> InitialState:
        if self.awaiting_allocation > self.open_cases.assessment:
            raise FieldError(
                "awaiting_allocation",
                f"cannot exceed the open assessments, open_cases.assessment "
                f"({self.open_cases.assessment}) (found {self.awaiting_allocation})",
            )
        return self
