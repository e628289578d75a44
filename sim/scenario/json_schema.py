"""The JSON Schema of scenario files, for editors: completion, hover help and inline errors.

It is generated from the pydantic models (``sim schema`` prints it, and
``docs/scenario.schema.json`` is a copy), with what the models alone do not say about files:

* a number may stand wherever a distribution may (``distributions.number_or_distribution``);
* ``name`` may be left out (it defaults to the file's name), and ``extends`` names a parent;
* a file with ``extends`` states only what it changes, so nothing in it is required —
  except inside lists, which replace the parent's whole, and inside a distribution that
  names its ``dist`` (it replaces the parent's too). Without ``extends`` everything the model
  needs is required.

The schema checks types, ranges and key names; the checks across fields (shares adding up to
1, dates in order, staff within posts) are ``sim validate``'s.
"""

from __future__ import annotations

import copy
from typing import Any

from sim.scenario.schema import Scenario

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_PARTIAL = "_partial"


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (a plain dict, ready for ``json.dumps``)."""
    full = Scenario.model_json_schema()
    defs: dict[str, Any] = full.pop("$defs")
    full["required"] = [k for k in full.get("required", []) if k != "name"]
    full["properties"]["name"]["description"] += " [default: the file's name]"
    extends = {"type": "string", "title": "Extends",
               "description": "a scenario file (relative to this one) that this one changes: "
                              "mappings merge key by key; numbers, lists and distributions "
                              "with a dist replace"}
    full["properties"] = {"extends": extends, **full["properties"]}
    partial = _partial(full)
    all_defs = {**defs, **{name + _PARTIAL: _partial(d) for name, d in defs.items()},
                "Scenario": full, "ScenarioExtending": partial}
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "sim scenario",
        "description": "A scenario for sim, the children's social care simulation. A file "
                       "with 'extends' states only what it changes.",
        "type": "object",
        "if": {"required": ["extends"]},
        "then": {"$ref": "#/$defs/ScenarioExtending"},
        "else": {"$ref": "#/$defs/Scenario"},
        "$defs": dict(sorted(all_defs.items())),
    }


def _partial(node: Any) -> Any:
    """The schema of the same thing in a file that extends another: nothing required, and
    references to the partial versions of the definitions. A distribution that names its
    ``dist`` still needs all its parameters; list items stay whole."""
    if isinstance(node, list):
        return [_partial(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "required":
            continue
        if key == "properties":  # field names, not keywords
            out[key] = {name: _partial(v) for name, v in value.items()}
        elif key == "$ref":
            out[key] = value + _PARTIAL
        elif key in ("items", "prefixItems"):
            out[key] = copy.deepcopy(value)  # a list replaces the parent's: items whole
        elif key == "oneOf":  # without 'dist' several distributions could match
            out["anyOf"] = _partial(value)
        elif key == "discriminator":
            continue  # needs 'dist', which a partial distribution may leave out
        else:
            out[key] = _partial(value)
    if "dist" in node.get("properties", {}) and node.get("required"):
        out["if"] = {"required": ["dist"]}
        out["then"] = {"required": list(node["required"])}
    return out
