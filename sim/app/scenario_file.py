"""The scenario the levers make, as a YAML file that extends the baseline and states only
what the levers changed: a planner can keep it, run it with `sim run`, or send it on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml


def nested(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1, "a.c": 2}`` -> ``{"a": {"b": 1, "c": 2}}``."""
    out: dict[str, Any] = {}
    for path, value in overrides.items():
        *parents, last = path.split(".")
        node = out
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return out


def scenario_yaml(base_file: str, overrides: Mapping[str, Any], name: str,
                  description: str) -> str:
    """A scenario extending ``base_file`` (its file name, to sit beside it) with
    ``overrides`` (dotted paths; lists replace the baseline's whole, as ``extends`` does)."""
    header = (f"# Written by `sim app`: {base_file} with the levers moved on the page.\n"
              f"# Keep it beside {base_file}; run it with: sim run {name}.yaml\n")
    body = {"extends": base_file, "name": name, "description": description,
            **nested(overrides)}
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
