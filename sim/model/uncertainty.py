"""Uncertain parameters: drawn once per replication, the same draw in every scenario.

A parameter's draw comes from a stream named after its dotted path in the scenario, by
inverse transform from one uniform. So two scenarios of a comparison that share a parameter
draw the same value for it in each replication, even if one of them has extra parameters,
and a parameter whose range differs between them is drawn at the same quantile.
"""

from __future__ import annotations

import functools
from typing import Any, get_args

from pydantic import BaseModel

from sim.model.randomness import stream
from sim.scenario.distributions import PARAM_MARK, Fixed
from sim.scenario.schema import Scenario


def _mentions_mark(ann: Any) -> bool:
    if ann is PARAM_MARK:
        return True
    return any(_mentions_mark(a) for a in getattr(ann, "__metadata__", ())) or any(
        _mentions_mark(a) for a in get_args(ann)
    )


@functools.cache
def _is_param(model: type[BaseModel], name: str) -> bool:
    field = model.model_fields[name]
    return any(m is PARAM_MARK for m in field.metadata) or _mentions_mark(field.annotation)


def _walk(obj: Any, path: str, draw, fixed: bool, out: dict[str, float]) -> Any:
    if not isinstance(obj, BaseModel):
        if isinstance(obj, tuple):
            new = tuple(_walk(v, f"{path}[{i}]", draw, fixed, out) for i, v in enumerate(obj))
            return obj if all(a is b for a, b in zip(new, obj, strict=True)) else new
        return obj
    updates: dict[str, Any] = {}
    for name in type(obj).model_fields:
        value = getattr(obj, name)
        where = f"{path}.{name}" if path else name
        if value is not None and _is_param(type(obj), name):
            if isinstance(value, Fixed | int | float):
                continue
            x = float(value.central() if fixed else draw(where, value))
            out[where] = x
            updates[name] = Fixed(value=x)
        else:
            new = _walk(value, where, draw, fixed, out)
            if new is not value:
                updates[name] = new
    return obj.model_copy(update=updates) if updates else obj


def draw_parameters(scenario: Scenario, seed: int, replication: int,
                    fixed: bool = False) -> tuple[Scenario, dict[str, float]]:
    """Return the scenario with every uncertain parameter replaced by this replication's
    value, and those values by dotted path. ``fixed`` uses central values (means)."""

    def draw(path: str, dist: Any) -> float:
        u = stream(seed, replication, "parameter:" + path).random()
        return float(dist.ppf(u))

    values: dict[str, float] = {}
    resolved = _walk(scenario, "", draw, fixed, values)
    return resolved, values
