"""The scenario format: every number a planner might change, validated strictly.

A scenario is data. It is read from YAML (see ``loader.py``), validated here, and never
mutated by the model. Unknown keys are errors. Every number lives in the scenario file with a
comment saying where it came from; the code holds none of them.

Two kinds of randomness are written with the same distribution syntax:

* a **duration** (``Duration``) is drawn afresh for every case or worker;
* an **uncertain parameter** (``Param``) — an effect whose size the evidence does not pin
  down — is drawn once per replication, the same draw in every scenario of a comparison.

Either may also be written as a plain number.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from sim.scenario.distributions import (
    Distribution,
    FieldError,
    Normal,
    Param,
    _number_to_fixed,
    number_or_distribution,
    param,
)

CASE_TYPES = ("assessment", "cin", "cp", "cla")
OPEN_STAGES = ("cin", "cp", "cla")
WORKER_TYPES = ("experienced", "newly_qualified", "agency")
ROLES = ("case_holding", "non_case_holding")

CaseType = Literal["assessment", "cin", "cp", "cla"]
WorkerType = Literal["experienced", "newly_qualified", "agency"]
Role = Literal["case_holding", "non_case_holding"]

_TOL = 1e-6
MAX_REFERRAL_MULTIPLIER = 2.0
"""How far interventions may raise the referral rate (the model draws referrals by thinning
a rate this many times the baseline's; see ``model/demand.py``)."""


class CrossFieldError(Exception):
    """A check across fields failed; names the dotted path of the field to fix.

    Not a ValueError on purpose: pydantic would file it under the parent model's location,
    whereas this carries the exact field a planner has to change.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _nonnegative(d: Any) -> Any:
    if isinstance(d, Normal) or not d.nonnegative:
        raise ValueError(f"a duration cannot be negative: {d.dist} allows values below zero")
    return d


Duration = Annotated[Distribution, BeforeValidator(
    _number_to_fixed, json_schema_input_type=number_or_distribution(0)),
    AfterValidator(_nonnegative)]
"""A duration in days, drawn for each case or worker: a number or a named distribution."""


Probability = Annotated[float, Field(ge=0, le=1)]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegInt = Annotated[int, Field(ge=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Money = Annotated[float, Field(ge=0, description="pounds sterling")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, v: Any, info: Any) -> Any:
        # YAML reads yes/no/true/false as booleans, and pydantic would take them as 1 and 0
        if isinstance(v, bool):
            ann = cls.model_fields[info.field_name].annotation
            if ann is not bool:
                raise ValueError(f"expected a number (found {str(v).lower()})")
        return v


def _check_shares(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > _TOL:
        parts = ", ".join(f"{k} {v:g}" for k, v in shares.items())
        raise ValueError(f"{what} must add up to 1 (they add up to {total:.6g}: {parts})")


# --------------------------------------------------------------------------- run


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


# --------------------------------------------------------------------------- demand


class Shares(Strict):
    """Shares of one whole: they must add up to 1."""

    @model_validator(mode="after")
    def _sum(self) -> Shares:
        _check_shares(self.model_dump(), "the shares")
        return self


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


class Demand(Strict):
    """Referrals and the paths children take through the service."""

    referrals_per_year: float = Field(
        gt=0, description="referrals in the 12 months before start_date (the trend runs on)"
    )
    trend_pct_per_year: param(-50, 100) = Field(description="% growth a year")
    seasonality: tuple[NonNegFloat, ...] = Field(
        description="12 relative monthly multipliers, January first; normalised to average 1",
        json_schema_extra={"minItems": 12, "maxItems": 12},
    )
    rereferral_share: Probability = Field(
        description="share of referrals that are of a child referred in the previous 12 months"
    )
    assessment_outcomes: AssessmentOutcomes
    transitions: Transitions
    durations: StageDurations

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


# --------------------------------------------------------------------------- initial state


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
    recently_referred_closed: NonNegInt = Field(
        description="children referred in the previous 12 months whose case has closed "
        "(they can be re-referred)"
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


# --------------------------------------------------------------------------- workforce


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
    experienced: param(0)
    newly_qualified: param(0)


class Leaving(Strict):
    """How permanent workers leave."""

    annual_hazard: HazardByType = Field(description="base leaving rate per year")
    caseload_effect_per_case: param(0) = Field(
        description="relative rise in the leaving hazard per case above the reference "
        "(0.02 = 2% a case; 0 = no effect)"
    )
    caseload_reference: float | None = Field(
        description="cases above which leaving rises; null = the worker's own cap", ge=0
    )
    notice_days: Duration


class RecruitmentCampaignDefaults(Strict):
    round_interval_days: float = Field(gt=0, description="days between recruitment rounds")
    batch_size: PositiveInt = Field(description="most vacancies advertised in one round")
    time_to_hire_days: Duration
    fill_probability: param(0, 1) = Field(
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
    cover_share: param(0, 1) = Field(description="share of vacancies covered by agency workers")
    additional: NonNegInt = Field(
        description="agency workers engaged beyond vacancy cover (absence, extra capacity); "
        "they hold cases"
    )
    time_to_engage_days: Duration
    stay_days: Duration = Field(description="how long an agency worker stays in a post")


class Workforce(Strict):
    establishment: Establishment
    caps: Caps
    newly_qualified: NewlyQualified
    leaving: Leaving
    recruitment: RecruitmentCampaignDefaults
    cohort: Cohort
    agency: Agency


# --------------------------------------------------------------------------- allocation


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
    team_move_after_assessment: bool = Field(
        description="after assessment the case moves to another worker (a designed change)"
    )
    team_move_into_care: bool = Field(
        description="a child who becomes looked after moves to another worker (a children "
        "in care team; a designed change)"
    )
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

    @model_validator(mode="after")
    def _overflow_follows_priority(self) -> Allocation:
        # otherwise a lower-priority case could take a place a waiting higher one may not
        for hi, lo in zip(self.priority, self.priority[1:], strict=False):
            a, b = getattr(self.overflow, hi), getattr(self.overflow, lo)
            if b > a:
                raise CrossFieldError(
                    f"allocation.overflow.{lo}",
                    f"{lo} ({b:g}) may not go further over the cap than {hi} ({a:g}), which "
                    "comes before it in allocation.priority",
                )
        return self


# --------------------------------------------------------------------------- interventions


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
    hazard_ratio: param(0, gt=True) = Field(
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
    lag_months: param(0) = Field(description="months before a budget change reaches referrals")

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


class Interventions(Strict):
    retention: Retention
    early_help: EarlyHelp
    establishment_changes: tuple[EstablishmentChange, ...] = ()
    cap_changes: tuple[CapChange, ...] = ()
    recruitment_campaigns: tuple[RecruitmentCampaign, ...] = ()


# --------------------------------------------------------------------------- costs


class Salaries(Strict):
    experienced: Money
    newly_qualified: Money


FY_LABEL = r"^(19|20)\d\d-\d\d$"


def _fy_label(v: Any) -> Any:
    # before the pattern check, so a planner reads what a financial year looks like
    if isinstance(v, str) and re.fullmatch(FY_LABEL, v) and \
            (int(v[:4]) + 1) % 100 == int(v[5:]):
        return v
    raise ValueError(f"a financial year is written like 2020-21, April 2020 to March 2021 "
                     f"(found {v!r})")


FinancialYear = Annotated[str, BeforeValidator(_fy_label), Field(pattern=FY_LABEL)]


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


# --------------------------------------------------------------------------- scenario


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
    costs: Costs

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
        ret = self.interventions.retention
        if ret.annual_spend > 0 and ret.end <= start:
            raise CrossFieldError(
                "interventions.retention.end",
                f"{ret.end} is not after the start date ({start})",
            )
        return self
