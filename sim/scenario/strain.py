"""The ``strain`` section of a scenario: how the service responds when work outgrows its
workers, as real services do (docs/evidence.md, the ``workload__*`` rows).

*Workload* is referrals in the last 12 months per social worker in post (permanent, every
role: the workforce census's FTE in post, which leaves agency staff out), as in the
evidence; it is compared with its value on the start date (the scenario's referrals a year
over the workers in post then). Each response is switched on by its own section and can be
left out (or ``enabled: false``) to compare a service with and without it. A scenario
without ``strain`` has no responses.
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.fields import NonNegParam, PositiveInt, Strict


class Thresholds(Strict):
    """With more work per worker, more referrals end at assessment (not in need, or no
    further action): the front door tightens."""

    enabled: bool = True
    points_per_10pct: NonNegParam = Field(
        description="percentage points more of referrals ending after assessment for 10% "
        "more workload than at the start (none when workload is at or below it)")


class AgencyResponse(Strict):
    """With more work per worker, agency social workers are bought beyond vacancy cover (in
    case-holding roles); they are released as the workload falls back."""

    enabled: bool = True
    pct_per_10pct: NonNegParam = Field(
        description="% more agency social workers for 10% more workload than at the start")
    review_days: PositiveInt = Field(
        default=28, description="how often the number bought is reviewed")


class EstablishmentResponse(Strict):
    """With more work per worker, case-holding posts are added (and with less, removed) once
    a year, when budgets are set."""

    enabled: bool = True
    pct_per_10pct: NonNegParam = Field(
        description="% more case-holding posts for 10% more workload than at the start")
    month: int = Field(default=4, ge=1, le=12, description="the month posts change (1st)")


class ManagerHolding(Strict):
    """An assessment nobody can take is held by a team manager after a while: it progresses,
    more slowly, counted as unallocated until a worker takes it (it keeps the slower pace to
    its end: a simplification)."""

    enabled: bool = True
    after_days: float = Field(ge=0, le=365, description="days waiting before a manager "
                              "holds the assessment")
    slowdown: float = Field(ge=1, le=10, description="a held assessment takes this many "
                            "times its drawn duration")


class Strain(Strict):
    thresholds: Thresholds | None = None
    agency: AgencyResponse | None = None
    establishment: EstablishmentResponse | None = None
    manager_holding: ManagerHolding | None = None

    def on(self, name: str) -> bool:
        """Whether response ``name`` is in the scenario and enabled."""
        part = getattr(self, name)
        return part is not None and part.enabled
