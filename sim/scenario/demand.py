"""The ``demand`` section of a scenario: referrals and the paths children take through the
service (outcomes of assessment, moves between stages, how long each stage lasts).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from sim.scenario.distributions import Distribution, param_metadata
from sim.scenario.fields import (
    Duration,
    NonNegFloat,
    Probability,
    RepeatingDuration,
    Shares,
    Strict,
)


class AssessmentOutcomes(Shares):
    """Shares of completed assessments by outcome; they must add up to 1."""

    not_in_need: Probability
    cin: Probability
    cp: Probability
    cla: Probability


class CinMoves(Shares):
    """Where a child-in-need plan goes when it ends; shares add up to 1."""

    cp: Probability = 0.0
    cla: Probability = 0.0
    close: Probability


class CpMoves(Shares):
    """Where a child-protection plan goes when it ends; shares add up to 1."""

    cin: Probability = 0.0
    cla: Probability = 0.0
    close: Probability


class ClaMoves(Shares):
    """Where a period of being looked after goes when it ends; shares add up to 1."""

    cin: Probability = 0.0
    close: Probability


class Transitions(Strict):
    cin: CinMoves
    cp: CpMoves
    cla: ClaMoves


class StageDurations(Strict):
    """How long each stage lasts, in days."""

    assessment: Duration
    cin: Duration
    cp: Duration
    cla: Duration


class ReferralLevel(Strict):
    """How the referral level wanders from year to year, as councils' levels do: a random
    walk (changes that last) plus a year's own deviation (changes that pass), on the log of
    the level. Each replication draws its own path, the same in every scenario."""

    walk_sd: float = Field(ge=0, le=1, description="sd of the yearly change of the log level "
                           "that lasts (0.1: about 10% a year)")
    noise_sd: float = Field(ge=0, le=1, description="sd of each year's passing deviation of "
                            "the log level")


class Returns(Strict):
    """Children coming back: when a case closes, the child is referred again with
    ``chance``, ``delay`` days later. A return within 12 months of the child's previous
    referral is a re-referral (the published rate); a later one is a referral that is not.
    New children arrive at the referral level times (1 - chance), so that in steady state
    referrals are the level and the re-referral rate is what the base year's return chance
    gives (``sim/scenario/rereferrals.py`` solves the chance from the published rate)."""

    chance: Probability = Field(description="chance that a child comes back after their "
                                "case closes (over any time; the same after every case)")
    delay: RepeatingDuration = Field(
        description="days from a case's closure to the child's next referral, for those who "
        "come back (at least a day on average: a child may come back again and again)")


class Demand(Strict):
    """Referrals and the paths children take through the service."""

    referrals_per_year: float = Field(
        gt=0, description="referrals in the 12 months before start_date (the trend runs "
        "on), new children and returns together")
    trend_pct_per_year: Annotated[Distribution, *param_metadata(-50, 100)] = Field(
        description="% growth a year")
    seasonality: tuple[NonNegFloat, ...] = Field(
        description="12 relative monthly multipliers, January first; normalised to average 1",
        json_schema_extra={"minItems": 12, "maxItems": 12},
    )
    returns: Returns = Field(description="children whose case closed coming back as "
                             "referrals (re-referrals are an outcome)")
    level: ReferralLevel | None = Field(
        default=None, description="year-to-year random changes of the referral level (none "
        "if not given)")
    assessment_outcomes: AssessmentOutcomes
    transitions: Transitions
    durations: StageDurations
    assessment_pace_sd: float = Field(
        default=0.0, ge=0, le=2, description="sd of the log of a year's multiplier of the "
        "time assessments take (each year its own, from the first anniversary of the start; "
        "0 = the same pace every year)")

    @field_validator("seasonality")
    @classmethod
    def _twelve(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if len(v) != 12:
            raise ValueError(f"needs 12 monthly values, January first (got {len(v)})")
        if sum(v) <= 0:
            raise ValueError("at least one month must have referrals")
        return v

    def seasonality_normalised(self) -> tuple[float, ...]:
        mean = sum(self.seasonality) / 12
        return tuple(s / mean for s in self.seasonality)
