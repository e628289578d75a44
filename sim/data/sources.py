"""The published studies, official reports and local reports sim's scenarios rely on
(``studies.yaml``, with full citations and what each found), and the scenarios' ranges for
the uncertain effects (``effect_ranges.yaml``, written by ``sim evidence``)."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml


def _read(name: str) -> Any:
    with resources.files("sim.data").joinpath(name).open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@functools.cache
def studies() -> dict[str, dict[str, Any]]:
    """Every source by its id."""
    return {s["id"]: s for s in _read("studies.yaml")}


def effect_ranges() -> dict[str, dict[str, Any]]:
    """The scenarios' range for each uncertain effect, by its dotted path in a scenario:
    ``{"row": ..., "dist": {...}, "reasoning": ...}``."""
    return {r["parameter"]: r for r in _read("effect_ranges.yaml")["ranges"]}
