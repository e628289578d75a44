"""Named probability distributions as they are written in a scenario file.

A distribution is written as a mapping with a ``dist`` name and its parameters, e.g.
``{dist: lognormal, mean: 55, sd: 35}`` (durations are in days). Each one knows its inverse
CDF (``ppf``) and CDF, vectorised with numpy, so the model can draw by inverse transform from
pre-drawn uniforms: that keeps one uniform per attribute, which is what makes common random
numbers work across scenarios.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special

_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class _Dist(BaseModel):
    model_config = _CONFIG

    def ppf(self, u: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def cdf(self, x: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def mean_value(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def central(self) -> float:
        """The central value used when uncertainty is switched off: the median."""
        return float(self.ppf(0.5))

    @property
    def nonnegative(self) -> bool:
        return bool(self.ppf(1e-12) >= 0)


class Fixed(_Dist):
    """Always the same value."""

    dist: Literal["fixed"] = "fixed"
    value: float

    def ppf(self, u: Any) -> Any:
        return np.full(np.shape(u), self.value) if np.ndim(u) else self.value

    def cdf(self, x: Any) -> Any:
        return np.where(np.asarray(x) >= self.value, 1.0, 0.0)

    def mean_value(self) -> float:
        return self.value


class Exponential(_Dist):
    """Exponential with the given mean."""

    dist: Literal["exponential"]
    mean: float = Field(gt=0)

    def ppf(self, u: Any) -> Any:
        return -self.mean * np.log1p(-np.asarray(u, dtype=float))

    def cdf(self, x: Any) -> Any:
        return -np.expm1(-np.maximum(np.asarray(x, dtype=float), 0.0) / self.mean)

    def mean_value(self) -> float:
        return self.mean


class Lognormal(_Dist):
    """Lognormal written by its own mean and standard deviation (not those of its log)."""

    dist: Literal["lognormal"]
    mean: float = Field(gt=0)
    sd: float = Field(gt=0)

    def _mu_sigma(self) -> tuple[float, float]:
        s2 = math.log1p((self.sd / self.mean) ** 2)
        return math.log(self.mean) - s2 / 2, math.sqrt(s2)

    def ppf(self, u: Any) -> Any:
        mu, sigma = self._mu_sigma()
        return np.exp(mu + sigma * special.ndtri(u))

    def cdf(self, x: Any) -> Any:
        mu, sigma = self._mu_sigma()
        x = np.maximum(np.asarray(x, dtype=float), 1e-300)
        return special.ndtr((np.log(x) - mu) / sigma)

    def mean_value(self) -> float:
        return self.mean


class Gamma(_Dist):
    """Gamma written by its mean and standard deviation."""

    dist: Literal["gamma"]
    mean: float = Field(gt=0)
    sd: float = Field(gt=0)

    def _k_theta(self) -> tuple[float, float]:
        return (self.mean / self.sd) ** 2, self.sd**2 / self.mean

    def ppf(self, u: Any) -> Any:
        k, theta = self._k_theta()
        return special.gammaincinv(k, u) * theta

    def cdf(self, x: Any) -> Any:
        k, theta = self._k_theta()
        return special.gammainc(k, np.maximum(np.asarray(x, dtype=float), 0.0) / theta)

    def mean_value(self) -> float:
        return self.mean


class Weibull(_Dist):
    """Weibull with shape k and scale lambda."""

    dist: Literal["weibull"]
    shape: float = Field(gt=0)
    scale: float = Field(gt=0)

    def ppf(self, u: Any) -> Any:
        return self.scale * (-np.log1p(-np.asarray(u, dtype=float))) ** (1.0 / self.shape)

    def cdf(self, x: Any) -> Any:
        x = np.maximum(np.asarray(x, dtype=float), 0.0)
        return -np.expm1(-((x / self.scale) ** self.shape))

    def mean_value(self) -> float:
        return self.scale * math.gamma(1 + 1 / self.shape)


class Uniform(_Dist):
    """Uniform between low and high."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be greater than low ({self.low})")
        return self

    def ppf(self, u: Any) -> Any:
        return self.low + np.asarray(u, dtype=float) * (self.high - self.low)

    def cdf(self, x: Any) -> Any:
        return np.clip((np.asarray(x, dtype=float) - self.low) / (self.high - self.low), 0, 1)

    def mean_value(self) -> float:
        return (self.low + self.high) / 2


class Triangular(_Dist):
    """Triangular with low, mode and high."""

    dist: Literal["triangular"]
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

    def ppf(self, u: Any) -> Any:
        a, c, b = self.low, self.mode, self.high
        u = np.asarray(u, dtype=float)
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)

    def cdf(self, x: Any) -> Any:
        a, c, b = self.low, self.mode, self.high
        x = np.clip(np.asarray(x, dtype=float), a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            left = np.where(c > a, (x - a) ** 2 / ((b - a) * (c - a)), 1.0)
            right = np.where(b > c, 1 - (b - x) ** 2 / ((b - a) * (b - c)), 1.0)
        return np.where(x <= c, left, right)

    def mean_value(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Normal(_Dist):
    """Normal with mean and standard deviation (for uncertain effects, not for durations)."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)

    def ppf(self, u: Any) -> Any:
        return self.mean + self.sd * special.ndtri(u)

    def cdf(self, x: Any) -> Any:
        return special.ndtr((np.asarray(x, dtype=float) - self.mean) / self.sd)

    def mean_value(self) -> float:
        return self.mean


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Weibull | Uniform | Triangular | Normal,
    Field(discriminator="dist"),
]
"""Any named distribution."""

DIST_NAMES = ("fixed", "exponential", "lognormal", "gamma", "weibull", "uniform", "triangular",
              "normal")
