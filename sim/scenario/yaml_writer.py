"""Writing scenario YAML with a comment on each value: used by ``sim init`` (``council.py``)
and ``sim calibrate`` (``experiment/calibration.py``).

A document is a nested dict whose values may be wrapped in ``Commented`` to carry the
comment written after them. Mappings are written as blocks, except small ones (a
distribution, a few shares) and lists, which go on one line in flow style so each number
keeps its comment beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FLOW_MAPPING_MAX_KEYS = 5
"""Mappings of plain values with at most this many keys go on one line (shares, caps)."""

FLOAT_DIGITS = 6
"""Significant digits written for a float below ``LARGE_NUMBER`` (enough for any rate)."""

LARGE_NUMBER = 1e6
"""From here on a float is written as a whole number (pounds, not £1.23457e+07)."""

QUOTED_CHARACTERS = ":#{}[],&*!|>'\"%@`"
"""A text with any of these is quoted, since YAML would read them as syntax."""


@dataclass
class Commented:
    """A value with the comment written after it."""

    value: Any
    comment: str = ""


def emit(node: Mapping[str, Any], indent: int = 0) -> list[str]:
    """The lines of block YAML for ``node``, with a comment on each line that has one."""
    out = []
    pad = "  " * indent
    for key, v in node.items():
        comment = ""
        if isinstance(v, Commented):
            v, comment = v.value, v.comment
        if isinstance(v, dict) and not _flow(v):
            out.append(f"{pad}{key}:" + (f"  # {comment}" if comment else ""))
            out.extend(emit(v, indent + 1))
        else:
            line = f"{pad}{key}: {scalar(_plain(v))}"
            out.append(line + (f"  # {comment}" if comment else ""))
    return out


def scalar(v: Any) -> str:
    """A value as YAML on one line (flow style for mappings and lists)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, float):
        if math.isnan(v):
            raise ValueError("a missing value reached the scenario")
        return f"{v:.{FLOAT_DIGITS}g}" if abs(v) < LARGE_NUMBER else f"{v:.0f}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {scalar(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(scalar(x) for x in v) + "]"
    if isinstance(v, str) and (not v or any(ch in v for ch in QUOTED_CHARACTERS)):
        return '"' + v.replace('"', "'") + '"'
    return str(v)


def _plain(v: Any) -> Any:
    """``v`` without its comments (those inside a flow mapping cannot be written)."""
    if isinstance(v, Commented):
        return _plain(v.value)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _flow(d: dict[str, Any]) -> bool:
    """Whether a mapping goes on one line: a distribution, or a few plain values."""
    return "dist" in d or (all(not isinstance(x, dict | Commented) for x in d.values())
                           and len(d) <= FLOW_MAPPING_MAX_KEYS)
