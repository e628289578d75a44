"""Reading scenario files: safe YAML, ``extends``, and one-line errors that name the field.

A scenario may say ``extends: baseline.yaml`` (relative to itself) and state only what it
changes: mappings merge key by key, anything else (numbers, lists) replaces. Every error is a
``ScenarioError`` whose text is one line naming the file (and line), the dotted path of the
field, what was found and what is allowed (``errors.py``; the YAML itself is read by
``yaml_reader.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.errors import (
    MAX_PROBLEMS,
    PathKey,
    ScenarioError,
    allowed_keys,
    describe,
    dotted,
    error_location,
    locate,
    suggest,
)
from sim.scenario.schema import CrossFieldError, Scenario
from sim.scenario.yaml_reader import read_yaml

__all__ = ["ScenarioError", "load_scenario", "read_yaml", "with_overrides"]


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        # a distribution is replaced whole: merging {dist: weibull, ...} into a lognormal's
        # {mean, sd} would make a mixture of both
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) and "dist" not in v:
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any],
                                                         dict[PathKey, tuple[Path, int]]]:
    """Load ``path`` and everything it extends; return merged data and key provenance."""
    data, lines = read_yaml(path)
    where = {k: (path, ln) for k, ln in lines.items()}
    parent_name = data.pop("extends", None)
    if parent_name is None:
        return data, where
    line = lines.get(("extends",))
    if not isinstance(parent_name, str) or not parent_name.strip():
        raise ScenarioError(path, "must be a file name relative to this file", "extends", line)
    parent = (path.parent / parent_name).resolve()
    if parent in chain or parent == path.resolve():
        cycle = " -> ".join(p.name for p in (*chain, path.resolve(), parent))
        raise ScenarioError(path, f"cycle of extends: {cycle}", "extends", line)
    if not parent.is_file():
        what = "is a directory" if parent.is_dir() else "does not exist"
        raise ScenarioError(path, f"{parent_name!r} {what} (looked for {parent})", "extends",
                            line)
    base, base_where = _resolve(parent, (*chain, path.resolve()))
    merged = _merge(base, data)
    # a value set here replaces (rather than merges with) what the parent said below it
    for k in where:
        if _replaces(data, k):
            for bk in [bk for bk in base_where if bk[: len(k)] == k]:
                del base_where[bk]
    base_where.update(where)
    return merged, base_where


def _replaces(data: Any, key: PathKey) -> bool:
    """Whether the value at ``key`` in a file replaces its parent's (not a merged mapping)."""
    node = data
    for part in key:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return True
    return not isinstance(node, Mapping) or "dist" in node


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file (following ``extends``).

    Raises ``ScenarioError`` with a one-line message on any problem.
    """
    path = Path(path)
    data, where = _resolve(path, ())
    own, _ = read_yaml(path)
    if "name" not in own:
        data["name"] = path.stem
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        raise _problems(e, where, path) from None
    except CrossFieldError as e:
        # fields that disagree may come from different files; name the one the user asked
        # for, with the line only if the field is set there
        loc = tuple(e.path.split("."))
        file, line = locate(loc, where, path)
        if file != path:
            file, line = path, None
        raise ScenarioError(file, e.message, e.path, line) from None


def _problems(e: ValidationError, where: dict[PathKey, tuple[Path, int]],
              path: Path | str) -> ScenarioError:
    """Every problem pydantic found (up to ``MAX_PROBLEMS``), each naming its file, line
    and field, as one error; an unknown key first, as it is usually the cause of a
    "missing" one (a typo)."""
    errors = sorted(e.errors(), key=lambda x: x["type"] != "extra_forbidden")
    found = []
    for err in errors[:MAX_PROBLEMS]:
        loc = error_location(err)
        file, line = locate(loc, where, Path(path)) if where else (path, None)
        msg = describe(err)
        if err["type"] == "extra_forbidden" and loc:
            msg += suggest(str(loc[-1]), allowed_keys(loc))
        found.append(ScenarioError(file, msg, dotted(loc) or None, line))
    first = found[0]
    return ScenarioError(first.file, first.message, first.field, first.line,
                         others=found[1:], more=len(errors) - len(found))


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any],
                   source: str = "overrides") -> Scenario:
    """A new scenario with dotted-path fields replaced (``{"run.horizon_years": 2}``),
    validated again; the original is unchanged. Errors name the path."""
    data = scenario.model_dump(mode="python")
    for path, value in overrides.items():
        keys = path.split(".")
        node: Any = data
        for i, k in enumerate(keys[:-1]):
            if not isinstance(node, dict) or k not in node:
                raise ScenarioError(source, "no such field", ".".join(keys[: i + 1]))
            node = node[k]
        if not isinstance(node, dict) or keys[-1] not in node:
            allowed = sorted(node) if isinstance(node, dict) else []
            raise ScenarioError(source, "no such field" + suggest(keys[-1], allowed), path)
        node[keys[-1]] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        raise _problems(e, {}, source) from None
    except CrossFieldError as e:
        raise ScenarioError(source, e.message, e.path) from None
