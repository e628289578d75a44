"""The ``workforce`` section of a scenario: funded posts, caps, the newly qualified year,
leaving, recruitment, cohorts and agency cover.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.scenario.distributions import Fixed
from sim.scenario.fields import (
    Duration,
    NonNegInt,
    NonNegParam,
    PositiveInt,
    Probability,
    RepeatingDuration,
    ShareParam,
    Strict,
)


class Establishment(Strict):
    """Funded posts (FTE) by role."""

    case_holding: NonNegInt
    non_case_holding: NonNegInt


class Caps(Strict):
    """Maximum cases a worker of each type is allocated (before any overflow policy)."""

    experienced: PositiveInt
    newly_qualified: PositiveInt
    agency: PositiveInt


class NewlyQualified(Strict):
    """The assessed and supported year in employment (ASYE) of newly qualified workers."""

    asye_months: float = Field(gt=0, le=36, description="months before they count as experienced")
    ramp_up_months: float = Field(ge=0, le=36, description="months to reach their full cap")
    ramp_up_start_share: float = Field(
        gt=0, le=1, description="share of their cap they carry in their first week"
    )


class HazardByType(Strict):
    experienced: NonNegParam
    newly_qualified: NonNegParam


class Leaving(Strict):
    """How permanent workers leave."""

    annual_hazard: HazardByType = Field(description="base leaving rate per year")
    caseload_effect_per_case: NonNegParam = Field(
        description="relative rise in the leaving hazard per case above the reference "
        "(0.02 = 2% a case; 0 = no effect)"
    )
    caseload_reference: float | None = Field(
        description="cases above which leaving rises; null = the worker's own cap", ge=0
    )
    notice_days: Duration


class RecruitmentCampaignDefaults(Strict):
    round_interval_days: float = Field(ge=1, description="days between recruitment rounds")
    batch_size: PositiveInt = Field(description="most vacancies advertised in one round")
    time_to_hire_days: Duration
    fill_probability: ShareParam = Field(
        description="chance an advertised vacancy is filled by that round"
    )
    newly_qualified_share: Probability = Field(
        description="share of external hires into case-holding posts who are newly qualified"
    )


class Cohort(Strict):
    """A yearly intake of newly qualified workers (e.g. an academy) into vacant posts."""

    size: NonNegInt
    month: Annotated[int, Field(ge=1, le=12)]


class Agency(Strict):
    cover_share: ShareParam = Field(description="share of vacancies covered by agency workers")
    additional: NonNegInt = Field(
        description="agency workers engaged beyond vacancy cover (absence, extra capacity); "
        "they hold cases"
    )
    time_to_engage_days: Duration
    stay_days: RepeatingDuration = Field(
        description="how long an agency worker stays in a post (another may follow: at "
        "least a day on average)")


class WorkforceShocks(Strict):
    """Year-to-year moves of the workforce that no plan in the scenario explains, as councils'
    published figures move: drawn each year from the first anniversary of the start, per
    replication, the same in every scenario."""

    establishment_sd: float = Field(ge=0, le=1, description="sd of the yearly change of the "
                                    "log of case-holding posts; changes last (a random walk)")
    fill_sd: float = Field(ge=0, le=3, description="sd of the log of a year's multiplier of "
                           "the chance of filling a vacancy (each year its own)")
    agency_cover_sd: float = Field(ge=0, le=1, description="sd of a year's change in the share "
                                   "of vacancies covered by agency (each year its own)")
    leaving_sd: float = Field(default=0.0, ge=0, le=3, description="sd of the log of a year's "
                              "multiplier of every permanent worker's leaving hazard (each "
                              "year its own)")


class Absence(Strict):
    """Long absences (sickness, leave) for which a case holder's cases are covered by
    colleagues: the cases are handed over and stay with the colleagues; the worker stays in
    post and takes new cases on their return."""

    per_year: NonNegParam = Field(
        description="covered absences per permanent case holder a year in England (DfE "
        "records absence cover as a reason for a new social worker)")
    relative_rate: float = Field(
        default=1.0, ge=0, le=10, description="the council's absence rate (working days "
        "lost) over England's: multiplies per_year")
    days: Duration = Field(description="how long a covered absence lasts (calendar days)")


class Workforce(Strict):
    establishment: Establishment
    caps: Caps
    newly_qualified: NewlyQualified
    leaving: Leaving
    recruitment: RecruitmentCampaignDefaults
    cohort: Cohort
    agency: Agency
    internal_moves_per_year: NonNegParam = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="share of permanent case holders moving team or role within the council "
        "in a year: each hands every case over (a change of worker each)")
    absence: Absence | None = Field(
        default=None, description="covered absences of permanent case holders (none if not "
        "given)")
    shocks: WorkforceShocks | None = Field(
        default=None, description="year-to-year moves of posts, fill chance and agency cover "
        "(none if not given)")
