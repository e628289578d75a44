"""Named probability distributions as they are written in a scenario file.

A distribution is written as a mapping with a ``dist`` name and its parameters, e.g.
``{dist: lognormal, mean: 55, sd: 35}`` (durations are in days). Each one knows its inverse
CDF (``ppf``) and CDF, vectorised with numpy, so the model can draw by inverse transform from
pre-drawn uniforms: that keeps one uniform per attribute, which is what makes common random
numbers work across scenarios.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from scipy import special

_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class FieldError(ValueError):
    """A model's check that is about one of its own fields (``end`` before ``start``): the
    loader then names that field, and its line, rather than the whole mapping."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class PARAM_MARK:  # a marker class, used only as a tag in Annotated metadata
    """Marks a field as an uncertain parameter, drawn once per replication."""


class DistributionBase(BaseModel):
    """A distribution. Those of durations may carry an uncertain ``multiplier`` drawn once
    per replication (e.g. "agency stays are 0.7-1.3 times what we assume")."""

    model_config = _CONFIG

    @model_validator(mode="before")
    @classmethod
    def _numbers_are_numbers(cls, data: Any) -> Any:
        # a parameter written as text ("100", yes) is refused, not read as a number
        if isinstance(data, dict):
            for name, v in data.items():
                if name != "dist" and name in cls.model_fields and isinstance(v, str | bool):
                    what = "text" if isinstance(v, str) else "yes/no"
                    raise FieldError(name, f"expected a number, not {what} (found {v!r})")
        return data

    def _base_ppf(self, u: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _base_cdf(self, x: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _base_mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _scale(self) -> float:
        sc = getattr(self, "multiplier", 1.0)
        if isinstance(sc, Fixed):
            return sc.value
        if isinstance(sc, int | float):
            return float(sc)
        raise TypeError(f"the uncertain multiplier {sc!r} has not been drawn for this "
                        "replication")

    def ppf(self, u: Any) -> Any:
        """Inverse CDF: the value at quantile(s) ``u``."""
        sc = self._scale()
        x = self._base_ppf(u)
        return x if sc == 1.0 else x * sc

    def cdf(self, x: Any) -> Any:
        sc = self._scale()
        return self._base_cdf(x if sc == 1.0 else np.asarray(x, dtype=float) / sc)

    def mean_value(self) -> float:
        return self._base_mean() * self._scale()

    def central(self) -> float:
        """The central value used when uncertainty is switched off: the mean (for a skewed
        effect, such as a leaving hazard written as a gamma with the published rate as its
        mean, the median would sit below the rate the scenario means)."""
        return float(self.mean_value())

    @property
    def nonnegative(self) -> bool:
        """Whether it never draws below zero (a positive multiplier changes nothing here)."""
        return bool(self._base_ppf(1e-12) >= 0)


class Fixed(DistributionBase):
    """Always the same value."""

    dist: Literal["fixed"] = "fixed"
    value: float

    def _base_ppf(self, u: Any) -> Any:
        return np.full(np.shape(u), self.value) if np.ndim(u) else self.value

    def _base_cdf(self, x: Any) -> Any:
        return np.where(np.asarray(x) >= self.value, 1.0, 0.0)

    def _base_mean(self) -> float:
        return self.value


class Exponential(DistributionBase):
    """Exponential with the given mean."""

    dist: Literal["exponential"]
    multiplier: Multiplier = 1.0
    mean: float = Field(gt=0)

    def _base_ppf(self, u: Any) -> Any:
        return -self.mean * np.log1p(-np.asarray(u, dtype=float))

    def _base_cdf(self, x: Any) -> Any:
        return -np.expm1(-np.maximum(np.asarray(x, dtype=float), 0.0) / self.mean)

    def _base_mean(self) -> float:
        return self.mean


class Lognormal(DistributionBase):
    """Lognormal written by its own mean and standard deviation (not those of its log)."""

    dist: Literal["lognormal"]
    multiplier: Multiplier = 1.0
    mean: float = Field(gt=0)
    sd: float = Field(gt=0)

    def _mu_sigma(self) -> tuple[float, float]:
        s2 = math.log1p((self.sd / self.mean) ** 2)
        return math.log(self.mean) - s2 / 2, math.sqrt(s2)

    def _base_ppf(self, u: Any) -> Any:
        mu, sigma = self._mu_sigma()
        return np.exp(mu + sigma * special.ndtri(u))

    def _base_cdf(self, x: Any) -> Any:
        mu, sigma = self._mu_sigma()
        x = np.maximum(np.asarray(x, dtype=float), 1e-300)
        return special.ndtr((np.log(x) - mu) / sigma)

    def _base_mean(self) -> float:
        return self.mean


class Gamma(DistributionBase):
    """Gamma written by its mean and standard deviation."""

    dist: Literal["gamma"]
    multiplier: Multiplier = 1.0
    mean: float = Field(gt=0)
    sd: float = Field(gt=0)

    def _k_theta(self) -> tuple[float, float]:
        return (self.mean / self.sd) ** 2, self.sd**2 / self.mean

    def _base_ppf(self, u: Any) -> Any:
        k, theta = self._k_theta()
        return special.gammaincinv(k, u) * theta

    def _base_cdf(self, x: Any) -> Any:
        k, theta = self._k_theta()
        return special.gammainc(k, np.maximum(np.asarray(x, dtype=float), 0.0) / theta)

    def _base_mean(self) -> float:
        return self.mean


class Weibull(DistributionBase):
    """Weibull with shape k and scale lambda."""

    dist: Literal["weibull"]
    multiplier: Multiplier = 1.0
    shape: float = Field(gt=0)
    scale: float = Field(gt=0)

    def _base_ppf(self, u: Any) -> Any:
        return self.scale * (-np.log1p(-np.asarray(u, dtype=float))) ** (1.0 / self.shape)

    def _base_cdf(self, x: Any) -> Any:
        x = np.maximum(np.asarray(x, dtype=float), 0.0)
        return -np.expm1(-((x / self.scale) ** self.shape))

    def _base_mean(self) -> float:
        return self.scale * math.gamma(1 + 1 / self.shape)


class Uniform(DistributionBase):
    """Uniform between low and high."""

    dist: Literal["uniform"]
    multiplier: Multiplier = 1.0
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.high > self.low:
            raise FieldError("high", f"must be greater than low ({self.low}) (found "
                             f"{self.high})")
        return self

    def _base_ppf(self, u: Any) -> Any:
        return self.low + np.asarray(u, dtype=float) * (self.high - self.low)

    def _base_cdf(self, x: Any) -> Any:
        return np.clip((np.asarray(x, dtype=float) - self.low) / (self.high - self.low), 0, 1)

    def _base_mean(self) -> float:
        return (self.low + self.high) / 2


class Triangular(DistributionBase):
    """Triangular with low, mode and high."""

    dist: Literal["triangular"]
    multiplier: Multiplier = 1.0
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.high > self.low):
            raise ValueError(
                f"need low <= mode <= high and low < high (got {self.low}, {self.mode}, "
                f"{self.high})"
            )
        return self

    def _base_ppf(self, u: Any) -> Any:
        a, c, b = self.low, self.mode, self.high
        u = np.asarray(u, dtype=float)
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)

    def _base_cdf(self, x: Any) -> Any:
        a, c, b = self.low, self.mode, self.high
        x = np.clip(np.asarray(x, dtype=float), a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            left = np.where(c > a, (x - a) ** 2 / ((b - a) * (c - a)), 1.0)
            right = np.where(b > c, 1 - (b - x) ** 2 / ((b - a) * (b - c)), 1.0)
        return np.where(x <= c, left, right)

    def _base_mean(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Normal(DistributionBase):
    """Normal with mean and standard deviation (for uncertain effects, not for durations)."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)

    def _base_ppf(self, u: Any) -> Any:
        return self.mean + self.sd * special.ndtri(u)

    def _base_cdf(self, x: Any) -> Any:
        return special.ndtr((np.asarray(x, dtype=float) - self.mean) / self.sd)

    def _base_mean(self) -> float:
        return self.mean


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Weibull | Uniform | Triangular | Normal,
    Field(discriminator="dist"),
]
"""Any named distribution."""


def number_to_fixed(v: Any) -> Any:
    """A plain number as the ``fixed`` distribution it stands for (before validation)."""
    if isinstance(v, bool):
        return v  # let pydantic reject it with its own message
    if isinstance(v, int | float):
        return {"dist": "fixed", "value": v}
    return v


def _support(d: Any) -> tuple[float, float]:
    if isinstance(d, int | float):
        return float(d), float(d)
    return float(d.ppf(1e-9)), float(d.ppf(1 - 1e-9))


def _within(lo: float | None, hi: float | None, gt: bool) -> Callable[[Any], Any]:
    def check(d: Any) -> Any:
        if not isinstance(getattr(d, "multiplier", 1.0), int | float):
            raise ValueError("an uncertain parameter cannot have an uncertain multiplier")
        a, b = _support(d)
        low_ok = lo is None or (a > lo if gt else a >= lo)
        if not (low_ok and (hi is None or b <= hi)):
            allowed = f"{'above' if gt else 'at least'} {lo:g}" if lo is not None else ""
            if hi is not None:
                allowed = f"between {lo:g} and {hi:g}" if lo is not None else f"at most {hi:g}"
            got = f"{a:g}" if a == b else f"{a:.4g} to {b:.4g}"
            raise ValueError(f"must be {allowed} (found {got})")
        return d
    return check


def number_or_distribution(lo: float | None = None, hi: float | None = None,
                           gt: bool = False) -> Any:
    """What a scenario file may hold where a distribution is expected: a plain number
    (within the bounds) or a distribution. Only for the JSON Schema of the format: numbers
    are turned into ``fixed`` before validation, so pydantic alone would describe only the
    distributions, and editors would flag the numbers that fill every shipped scenario."""
    bounds: dict[str, Any] = {"gt" if gt else "ge": lo} if lo is not None else {}
    if hi is not None:
        bounds["le"] = hi
    return Annotated[float, Field(**bounds)] | Distribution


def param_metadata(lo: float | None = None, hi: float | None = None, gt: bool = False
                   ) -> tuple[Any, ...]:
    """What makes a distribution an uncertain parameter whose every possible value lies
    within [lo, hi] (or above lo with ``gt``): a number, or a distribution drawn once per
    replication. Used as ``Annotated[Distribution, *param_metadata(0, 1)]``."""
    return (BeforeValidator(number_to_fixed,
                            json_schema_input_type=number_or_distribution(lo, hi, gt)),
            AfterValidator(_within(lo, hi, gt)), PARAM_MARK)


Param = Annotated[Distribution, BeforeValidator(
    number_to_fixed, json_schema_input_type=number_or_distribution()), PARAM_MARK]
"""An uncertain parameter with no bounds: a number, or a distribution drawn once per
replication."""

Multiplier = Annotated[float | Distribution, PARAM_MARK,
                      AfterValidator(_within(0, None, True))]
"""A duration's uncertain multiplier: a number, or a distribution drawn once per
replication."""

for _cls in (Exponential, Lognormal, Gamma, Weibull, Uniform, Triangular):
    _cls.model_rebuild()


def param_value(p: Any) -> float:
    """The value of a parameter after the replication's draw (see ``model/uncertainty.py``)."""
    if isinstance(p, Fixed):
        return p.value
    if isinstance(p, int | float):
        return float(p)
    raise TypeError(f"uncertain parameter {p!r} has not been drawn for this replication")

DIST_NAMES = ("fixed", "exponential", "lognormal", "gamma", "weibull", "uniform", "triangular",
              "normal")
