"""The scenario format: every number a planner might change, validated strictly.

A scenario is data. It is read from YAML (see ``loader.py``), validated here, and never
mutated by the model. Unknown keys are errors. Every number lives in the scenario file with
a comment saying where it came from; the code holds none of them.

This module holds the whole (``Scenario``) and its ``run`` settings; each other section has
its own module (``demand``, ``initial_state``, ``workforce``, ``allocation``,
``interventions``, ``strain``, ``costs``) and the field types they share are in ``fields``.
Every class is importable from here as well.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from sim.scenario.allocation import Allocation, Overflow
from sim.scenario.costs import (
    ByYear,
    Costs,
    PlacementMix,
    Placements,
    PlacementTypes,
    Salaries,
)
from sim.scenario.demand import (
    AssessmentOutcomes,
    CinMoves,
    ClaMoves,
    CpMoves,
    Demand,
    Returns,
    StageDurations,
    Transitions,
)
from sim.scenario.distributions import FieldError
from sim.scenario.fields import (
    CASE_TYPES,
    FY_LABEL,
    ROLES,
    CaseType,
    CrossFieldError,
    Duration,
    FinancialYear,
    Money,
    NonNegFloat,
    NonNegInt,
    PositiveInt,
    Probability,
    Role,
    Shares,
    Strict,
    WorkerType,
)
from sim.scenario.initial_state import (
    CpBandsPct,
    InitialState,
    InitialWorkforce,
    OpenCases,
    StaffByType,
)
from sim.scenario.interventions import (
    MAX_REFERRAL_MULTIPLIER,
    AgencyChange,
    BudgetChange,
    CapChange,
    Clawback,
    DatedHire,
    EarlyHelp,
    EstablishmentChange,
    Interventions,
    OverflowChange,
    RecruitmentCampaign,
    Retention,
)
from sim.scenario.measurement import Measurement
from sim.scenario.strain import (
    AgencyResponse,
    EstablishmentResponse,
    ManagerHolding,
    Strain,
    Thresholds,
)
from sim.scenario.workforce import (
    Agency,
    Caps,
    Cohort,
    Establishment,
    HazardByType,
    Leaving,
    NewlyQualified,
    RecruitmentCampaignDefaults,
    Workforce,
)

__all__ = [
    "CASE_TYPES", "FY_LABEL", "MAX_REFERRAL_MULTIPLIER", "ROLES", "Agency", "AgencyChange",
    "AgencyResponse", "Allocation", "AssessmentOutcomes", "BudgetChange", "ByYear",
    "CapChange", "Caps", "CaseType", "CinMoves", "ClaMoves", "Clawback", "Cohort", "Costs",
    "CpBandsPct", "CpMoves", "CrossFieldError", "DatedHire", "Demand", "Duration", "EarlyHelp",
    "Establishment", "EstablishmentChange", "EstablishmentResponse", "FieldError",
    "FinancialYear", "HazardByType", "InitialState", "InitialWorkforce", "Interventions",
    "Leaving", "ManagerHolding", "Measurement", "Money", "NewlyQualified", "NonNegFloat",
    "NonNegInt", "OpenCases", "Overflow", "OverflowChange", "PlacementMix", "PlacementTypes",
    "Placements",
    "PositiveInt", "Probability", "RecruitmentCampaign", "RecruitmentCampaignDefaults", "Retention",
    "Returns",
    "Role", "RunSettings", "Salaries", "Scenario", "Shares", "StaffByType",
    "StageDurations", "Strain", "Strict", "Thresholds", "Transitions", "WorkerType",
    "Workforce",
]


class RunSettings(Strict):
    """When the simulation starts, how long it runs and its default randomness."""

    start_date: dt.date = Field(
        ge=dt.date(1990, 1, 1), le=dt.date(2100, 12, 31),
        description="first simulated day; the initial state is on it")
    horizon_years: float = Field(gt=0, le=50, description="years simulated from start_date")
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = Field(
        description="default base seed (--seed overrides)")
    replications: Annotated[int, Field(ge=1, le=100_000)] = Field(
        description="default number of replications (--replications overrides)"
    )


class Scenario(Strict):
    """A whole scenario: one validated object the model reads and never changes."""

    name: str = Field(
        description="short name (letters, digits, _ . -); results go to results/<name>/")
    description: str = ""
    council: str | None = Field(
        default=None, description="the English council whose published figures this "
        "scenario represents (used by sim calibrate)")
    run: RunSettings
    demand: Demand
    initial_state: InitialState
    workforce: Workforce
    allocation: Allocation
    interventions: Interventions
    strain: Strain = Field(default_factory=Strain, description="how the service responds "
                           "when work outgrows its workers; none unless given")
    costs: Costs
    measurement: Measurement = Field(
        default_factory=Measurement, description="how the model's counts map onto the "
        "published definitions they are compared with")

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        # the name becomes a directory under results/: nothing that could point elsewhere
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", v) or ".." in v:
            raise ValueError("use 1-100 letters, digits, '_', '.' or '-', starting with a "
                             "letter or digit")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        start = self.run.start_date
        ws = self.initial_state.workforce
        est = self.workforce.establishment
        for role in ROLES:
            staff: StaffByType = getattr(ws, role)
            perm = staff.experienced + staff.newly_qualified
            posts = getattr(est, role)
            if perm > posts:
                raise CrossFieldError(
                    f"initial_state.workforce.{role}",
                    f"{perm} permanent workers but only {posts} funded posts "
                    f"(workforce.establishment.{role})",
                )
            extra = self.workforce.agency.additional if role == "case_holding" else 0
            if staff.agency > posts - perm + extra:
                raise CrossFieldError(
                    f"initial_state.workforce.{role}.agency",
                    f"{staff.agency} agency workers but only {posts - perm} vacancies "
                    f"(+{extra} additional agency posts); allowed at most {posts - perm + extra}",
                )
        for i, change in enumerate(self.interventions.overflow_changes):
            problem = self.allocation.overflow_problem(change.overflow)
            if problem is not None:
                case, text = problem
                raise CrossFieldError(
                    f"interventions.overflow_changes[{i}].overflow.{case}", text)
        ret = self.interventions.retention
        if ret.annual_spend > 0 and ret.end <= start:
            raise CrossFieldError(
                "interventions.retention.end",
                f"{ret.end} is not after the start date ({start})",
            )
        return self
