"""Reading scenario files: safe YAML, ``extends``, and one-line errors that name the field.

A scenario may say ``extends: baseline.yaml`` (relative to itself) and state only what it
changes: mappings merge key by key, anything else (numbers, lists) replaces. Every error is a
``ScenarioError`` whose text is one line naming the file (and line), the dotted path of the
field, what was found and what is allowed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.distributions import DIST_NAMES
from sim.scenario.schema import CrossFieldError, Scenario

PathKey = tuple[str | int, ...]


class ScenarioError(Exception):
    """A scenario file cannot be used. ``str(err)`` is the one-line message for the user."""

    def __init__(self, file: str | Path, message: str, field: str | None = None,
                 line: int | None = None) -> None:
        self.file = str(file)
        self.field = field
        self.line = line
        self.message = message
        where = self.file if line is None else f"{self.file}:{line}"
        text = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        super().__init__(text)


class _StrictSafeLoader(yaml.SafeLoader):
    """The safe loader, refusing duplicate keys (a silent overwrite hides typos)."""


def _construct_mapping(loader: _StrictSafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictSafeLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def _line_map(node: yaml.Node, prefix: PathKey = (),
              seen: frozenset[int] = frozenset()) -> dict[PathKey, int]:
    """Map each key path in a YAML node tree to its 1-based line number."""
    lines: dict[PathKey, int] = {}
    if id(node) in seen:  # an alias that refers to itself
        return lines
    seen = seen | {id(node)}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = (*prefix, k.value)
            lines[key] = k.start_mark.line + 1
            lines.update(_line_map(v, key, seen))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            key = (*prefix, i)
            lines[key] = v.start_mark.line + 1
            lines.update(_line_map(v, key, seen))
    return lines


def read_yaml(path: Path) -> tuple[dict[str, Any], dict[PathKey, int]]:
    """Read one YAML file into a mapping, with the line of every key. Errors are one line."""
    if not path.exists():
        raise ScenarioError(path, "no such file")
    if path.is_dir():
        raise ScenarioError(path, "is a directory, not a scenario file")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ScenarioError(path, f"cannot be read: {e.strerror}") from None
    if b"\x00" in raw:
        raise ScenarioError(path, "is a binary file, not YAML text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(path, f"is not UTF-8 text (bad byte at offset {e.start})") from None
    try:
        loader = _StrictSafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or "invalid YAML"
        if "could not determine a constructor" in problem or "python/" in problem:
            tag = problem.split("tag")[-1].strip(" '!")
            problem = f"tag {tag!r} is not allowed: scenario files hold data only, never code"
        line = mark.line + 1 if mark else None
        col = f", column {mark.column + 1}" if mark else ""
        raise ScenarioError(path, f"YAML error{col}: {problem}", line=line) from None
    except yaml.YAMLError as e:
        raise ScenarioError(path, f"YAML error: {e}") from None
    except RecursionError:
        raise ScenarioError(path, "YAML error: an alias refers to itself") from None
    except (ValueError, TypeError) as e:  # e.g. 2019-02-30, or a list used as a key
        raise ScenarioError(path, f"YAML error: {e}") from None
    if data is None:
        raise ScenarioError(path, "is empty; a scenario needs at least 'extends' or the sections")
    if not isinstance(data, dict):
        raise ScenarioError(
            path, f"must be a mapping of sections (found a {type(data).__name__})", line=1
        )
    return data, _line_map(node)


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


def _dotted(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p in DIST_NAMES)]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out


def _clean_loc(loc: tuple[Any, ...]) -> PathKey:
    return tuple(p for p in loc if not (isinstance(p, str) and p in DIST_NAMES))


def _locate(loc: PathKey, where: dict[PathKey, tuple[Path, int]],
            top: Path) -> tuple[Path, int | None]:
    for n in range(len(loc), 0, -1):
        if loc[:n] in where:
            return where[loc[:n]]
    return top, None


def _describe(err: dict[str, Any]) -> str:
    msg = err["msg"]
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "is required but missing"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    found = err.get("input")
    if kind not in ("union_tag_invalid",) and not isinstance(found, dict | list) \
            and found is not None and "(found" not in msg:
        msg += f" (found {found!r})"
    return msg


def _suggest(key: str, allowed: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"


def _allowed_keys(loc: PathKey) -> list[str]:
    """The keys the schema allows in the mapping that holds ``loc``'s last key."""
    from pydantic import BaseModel

    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) else None
        if field is None:
            return []
        ann = field.annotation
        nxt = None
        for cand in getattr(ann, "__args__", (ann,)):
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                nxt = cand
        if nxt is None:
            return []
        model = nxt
    return sorted(model.model_fields) if isinstance(model, type) else []


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
        # an unknown key is usually the cause of a "missing" one (a typo): report it first
        errors = sorted(e.errors(), key=lambda x: x["type"] != "extra_forbidden")
        err = errors[0]
        loc = _clean_loc(err["loc"])
        file, line = _locate(loc, where, path)
        msg = _describe(err)
        if err["type"] == "extra_forbidden" and loc:
            msg += _suggest(str(loc[-1]), _allowed_keys(loc))
        more = len(e.errors()) - 1
        if more:
            msg += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise ScenarioError(file, msg, _dotted(loc) or None, line) from None
    except CrossFieldError as e:
        # fields that disagree may come from different files; name the one the user asked
        # for, with the line only if the field is set there
        loc = tuple(e.path.split("."))
        file, line = _locate(loc, where, path)
        if file != path:
            file, line = path, None
        raise ScenarioError(file, e.message, e.path, line) from None


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
            raise ScenarioError(source, "no such field" + _suggest(keys[-1], allowed), path)
        node[keys[-1]] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = _clean_loc(err["loc"])
        raise ScenarioError(source, _describe(err), _dotted(loc) or None) from None
    except CrossFieldError as e:
        raise ScenarioError(source, e.message, e.path) from None
