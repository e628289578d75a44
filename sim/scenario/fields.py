"""Field types shared by every section of the scenario format (``schema.py``).

Two kinds of randomness are written with the same distribution syntax:

* a **duration** (``Duration``) is drawn afresh for every case or worker;
* an **uncertain parameter** (``Param``, ``NonNegParam``, ...) — an effect whose size the
  evidence does not pin down — is drawn once per replication, the same draw in every
  scenario of a comparison.

Either may also be written as a plain number.
"""

from __future__ import annotations

import re
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from sim.periods import is_fy_label
from sim.scenario.distributions import (
    Distribution,
    Normal,
    Param,
    number_or_distribution,
    number_to_fixed,
    param_metadata,
)

__all__ = [
    "CASE_TYPES", "FY_LABEL", "ROLES", "SHARE_TOLERANCE", "CaseType", "CrossFieldError",
    "Duration", "FinancialYear", "Money", "NonNegFloat", "NonNegInt", "NonNegParam",
    "Param", "PositiveInt", "PositiveParam", "Probability", "RepeatingDuration", "Role",
    "ShareParam", "Shares",
    "Strict", "WorkerType", "check_shares",
]

CASE_TYPES = ("assessment", "cin", "cp", "cla")
ROLES = ("case_holding", "non_case_holding")

CaseType = Literal["assessment", "cin", "cp", "cla"]
WorkerType = Literal["experienced", "newly_qualified", "agency"]
Role = Literal["case_holding", "non_case_holding"]

SHARE_TOLERANCE = 1e-6
"""How far shares of one whole may add up away from 1 (rounding in a file, not a mistake)."""


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
    number_to_fixed, json_schema_input_type=number_or_distribution(0)),
    AfterValidator(_nonnegative)]
"""A duration in days, drawn for each case or worker: a number or a named distribution."""

MIN_REPEATING_DAYS = 1.0
"""The least mean of a duration that repeats without end (an agency worker's stay, after
which another is engaged; a child's time before coming back, after which their case may
close at once and they come back again): near zero, simulated time would stand still."""


def _repeats(d: Any) -> Any:
    mean = float(d._base_mean())  # before any uncertain multiplier (positive: checked)
    if not mean >= MIN_REPEATING_DAYS:
        raise ValueError(f"a duration that repeats must average at least "
                         f"{MIN_REPEATING_DAYS:g} day (found a mean of {mean:g}): near zero, "
                         "simulated time would stand still")
    return d


RepeatingDuration = Annotated[Distribution, BeforeValidator(
    number_to_fixed, json_schema_input_type=number_or_distribution(MIN_REPEATING_DAYS)),
    AfterValidator(_nonnegative), AfterValidator(_repeats)]
"""A duration in days that can follow itself without end, averaging at least a day."""

NonNegParam = Annotated[Distribution, *param_metadata(0)]
"""An uncertain parameter that is never negative (a hazard, a lag)."""

ShareParam = Annotated[Distribution, *param_metadata(0, 1)]
"""An uncertain parameter that is a share, between 0 and 1."""

PositiveParam = Annotated[Distribution, *param_metadata(0, gt=True)]
"""An uncertain parameter above zero (a ratio)."""

Probability = Annotated[float, Field(ge=0, le=1)]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegInt = Annotated[int, Field(ge=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Money = Annotated[float, Field(ge=0, description="pounds sterling")]


def _is_number(ann: Any) -> bool:
    """Whether a field's annotation is a plain number (int or float, perhaps constrained or
    optional)."""
    if ann in (int, float):
        return True
    args = get_args(ann)
    if get_origin(ann) is Annotated:
        return _is_number(args[0])
    if get_origin(ann) in (Union, UnionType):
        return any(_is_number(a) for a in args if a is not type(None))
    return False


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, v: Any, info: Any) -> Any:
        # YAML reads yes/no/true/false as booleans, and pydantic would take them as 1 and 0;
        # and pydantic would read "4" (or !!str 4) as 4: a scenario's numbers are numbers
        if isinstance(v, bool):
            ann = cls.model_fields[info.field_name].annotation
            if ann is not bool:
                raise ValueError(f"expected a number (found {str(v).lower()})")
        elif isinstance(v, str) and _is_number(cls.model_fields[info.field_name].annotation):
            raise ValueError(f"expected a number, not text (found {v!r})")
        return v


def check_shares(shares: dict[str, float], what: str) -> None:
    """Raises ValueError unless ``shares`` add up to 1."""
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        parts = ", ".join(f"{k} {v:g}" for k, v in shares.items())
        raise ValueError(f"{what} must add up to 1 (they add up to {total:.6g}: {parts})")


class Shares(Strict):
    """Shares of one whole: they must add up to 1."""

    @model_validator(mode="after")
    def _sum(self) -> Shares:
        check_shares(self.model_dump(), "the shares")
        return self


FY_LABEL = r"^(19|20)\d\d-\d\d$"


def _fy_label(v: Any) -> Any:
    # before the pattern check, so a planner reads what a financial year looks like
    if isinstance(v, str) and re.fullmatch(FY_LABEL, v) and is_fy_label(v):
        return v
    raise ValueError(f"a financial year is written like 2020-21, April 2020 to March 2021 "
                     f"(found {v!r})")


FinancialYear = Annotated[str, BeforeValidator(_fy_label), Field(pattern=FY_LABEL)]
"""A financial year label, ``2020-21`` (see ``sim/periods.py``)."""
