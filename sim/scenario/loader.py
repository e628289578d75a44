"""Reading scenario files: safe YAML, ``extends``, and one-line errors that name the field.

A scenario may say ``extends: baseline.yaml`` (relative to itself) and state only what it
changes: mappings merge key by key, anything else (numbers, lists) replaces. Every error is a
``ScenarioError`` whose text is one line naming the file (and line), the dotted path of the
field, what was found and what is allowed.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.distributions import DIST_NAMES
from sim.scenario.schema import CrossFieldError, FieldError, Scenario

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


MAX_BYTES = 10 * 2**20
"""The largest scenario file read (the shipped ones are a few kB): a stray data file or
log given by mistake is refused at once rather than parsed."""

_CORE = "tag:yaml.org,2002:"
_DATA_TAGS = frozenset(_CORE + t for t in ("null", "bool", "int", "float", "str", "timestamp",
                                            "seq", "map"))
"""Tags a scenario may use: the plain data types YAML gives untagged values. Anything else
(``!!python/object``, ``!!binary``, ``!!set``, ``!custom``) builds an object, or would in a
less careful loader, and is refused before anything is constructed."""


class _StrictSafeLoader(yaml.SafeLoader):
    """The safe loader (it never builds Python objects or runs code), refusing duplicate
    keys (a silent overwrite hides typos) and keys that are not names."""


def _construct_mapping(loader: _StrictSafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str):
            # 1: or yes: or [a, b]: is never a field name, and would only confuse later
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a name (found {key!r})", key_node.start_mark)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key] + 1}); each key "
                "may appear once in a mapping", key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


def _construct_timestamp(loader: _StrictSafeLoader, node: yaml.ScalarNode) -> Any:
    # an impossible date (2019-02-30) stays text, so validation names the field it is in
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


def _construct_refused(loader: _StrictSafeLoader, tag_suffix: str | None,
                       node: yaml.Node | None = None) -> Any:
    # a second line of defence: _refused_tag() has normally caught these already
    if node is None:  # registered for one tag: called as (loader, node)
        node, tag_suffix = tag_suffix, None  # type: ignore[assignment]
    raise yaml.constructor.ConstructorError(
        None, None, _tag_message(node.tag), node.start_mark)  # type: ignore[union-attr]


_StrictSafeLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
_StrictSafeLoader.add_constructor(_CORE + "timestamp", _construct_timestamp)
for _tag in ("binary", "omap", "pairs", "set"):
    _StrictSafeLoader.add_constructor(_CORE + _tag, _construct_refused)
_StrictSafeLoader.add_constructor(None, _construct_refused)


def _shown_tag(tag: str) -> str:
    """A tag as it is written in the file: ``!!python/name:os.system``, ``!foo``."""
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def _tag_message(tag: str) -> str:
    return (f"tag {_shown_tag(tag)!r} is not allowed: a scenario holds data only (numbers, "
            "text, dates, lists and mappings), never code or objects")


def _refused_tag(node: yaml.Node, prefix: PathKey = (),
                 seen: set[int] | None = None) -> tuple[PathKey, yaml.Node] | None:
    """The first node whose tag is not plain data, and the key path to it."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return None
    seen.add(id(node))
    if node.tag not in _DATA_TAGS:
        return prefix, node
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = (*prefix, str(k.value))
            found = _refused_tag(k, key, seen) or _refused_tag(v, key, seen)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            found = _refused_tag(v, (*prefix, i), seen)
            if found:
                return found
    return None


def _path_at(node: yaml.Node, mark: Any, prefix: PathKey = (),
             seen: set[int] | None = None) -> PathKey | None:
    """The key path of the key or value that starts at ``mark`` (where an error was)."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return None
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = (*prefix, str(k.value))
            if (k.start_mark.line, k.start_mark.column) == (mark.line, mark.column):
                return key
            found = _path_at(v, mark, key, seen)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            found = _path_at(v, mark, (*prefix, i), seen)
            if found is not None:
                return found
    if (node.start_mark.line, node.start_mark.column) == (mark.line, mark.column) and prefix:
        return prefix
    return None


def _line_map(node: yaml.Node, prefix: PathKey = (),
              seen: set[int] | None = None) -> dict[PathKey, int]:
    """Map each key path in a YAML node tree to its 1-based line number.

    Each node is walked once: an alias's own key gets its line, not the keys below it.
    Walking every path would expand nested aliases exponentially (a "billion laughs" file
    of a few lines has billions of paths), and aliases may refer to themselves."""
    seen = set() if seen is None else seen
    lines: dict[PathKey, int] = {}
    if id(node) in seen:
        return lines
    seen.add(id(node))
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
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioError(path, f"is {size:,} bytes; a scenario file is at most "
                                f"{MAX_BYTES // 2**20} MB of YAML text")
        raw = path.read_bytes()
    except OSError as e:
        raise ScenarioError(path, f"cannot be read: {e.strerror}") from None
    if b"\x00" in raw:
        raise ScenarioError(path, "is a binary file, not YAML text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ScenarioError(path, f"is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset "
                            f"{e.start}); save it as UTF-8", line=line) from None
    node = None
    try:
        loader = _StrictSafeLoader(text)
        try:
            node = loader.get_single_node()  # composing builds no objects
            refused = _refused_tag(node) if node is not None else None
            if refused:
                loc, bad = refused
                raise ScenarioError(path, _tag_message(bad.tag), _dotted(loc) or None,
                                    bad.start_mark.line + 1)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or "invalid YAML"
        if "could not determine a constructor" in problem:
            problem = _tag_message(problem.split("for the tag")[-1].strip(" '"))
        elif "'\\t'" in problem:
            problem += " (indent with spaces, not tabs)"
        line = mark.line + 1 if mark else None
        loc = _path_at(node, mark) if node is not None and mark else None
        if loc:  # found while building values: the key path is known
            raise ScenarioError(path, problem, _dotted(loc), line) from None
        col = f", column {mark.column + 1}" if mark else ""
        raise ScenarioError(path, f"YAML error{col}: {problem}", line=line) from None
    except yaml.YAMLError as e:
        raise ScenarioError(path, f"YAML error: {e}") from None
    except RecursionError:
        raise ScenarioError(path, "YAML error: nested too deeply, or an alias refers to "
                            "itself") from None
    except (ValueError, TypeError) as e:  # e.g. a list used as a key
        raise ScenarioError(path, f"YAML error: {e}") from None
    if data is None:
        raise ScenarioError(path, "is empty; a scenario needs at least 'extends' or the sections")
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else \
            f"text {data!r:.40}" if isinstance(data, str) else f"{data!r:.40}"
        raise ScenarioError(
            path, f"must be a mapping of sections such as 'run:' and 'demand:' (found {what})",
            line=1)
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
    out = ""
    for p in _clean_loc(loc):  # list positions are ints; keys, even '1', are text
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _clean_loc(loc: tuple[Any, ...]) -> PathKey:
    # pydantic's locations name the distribution tried ('lognormal') and mark a dict's key
    # ('[key]'): neither is a key the user wrote
    return tuple(p for p in loc if not (isinstance(p, str) and (p in DIST_NAMES
                                                                 or p == "[key]")))


def _error_loc(err: dict[str, Any]) -> PathKey:
    loc = _clean_loc(err["loc"])
    cause = err.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):  # a model's check that is about one of its fields
        return (*loc, cause.field)
    # an unknown distribution is a mistake in its 'dist:' line
    return (*loc, "dist") if err["type"] == "union_tag_invalid" else loc


def _locate(loc: PathKey, where: dict[PathKey, tuple[Path, int]],
            top: Path) -> tuple[Path, int | None]:
    for n in range(len(loc), 0, -1):
        if loc[:n] in where:
            return where[loc[:n]]
    return top, None


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


def _describe(err: dict[str, Any]) -> str:
    msg = err["msg"]
    kind = err["type"]
    found = err.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "is required but missing"
    if kind == "union_tag_invalid":  # a 'dist' that is not a distribution's name
        import difflib

        tag = str(err.get("ctx", {}).get("tag", found))
        close = difflib.get_close_matches(tag, DIST_NAMES, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown distribution {tag!r}{hint} (allowed: {', '.join(DIST_NAMES)})"
    if kind == "union_tag_not_found":  # a mapping without 'dist' where one is needed
        return (f"a distribution needs 'dist:', one of {', '.join(DIST_NAMES)}, and its "
                f"parameters, or write a plain number (found {_found(found)})")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys and values (found {_found(found)})"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list such as [1, 2] (found {_found(found)})"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if not isinstance(found, dict | list) and found is not None and "(found" not in msg:
        # a date as it is written in the file, not as Python would show it
        msg += f" (found {found if isinstance(found, dt.date) else repr(found)})"
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
        loc = _error_loc(err)
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
        loc = _error_loc(err)
        raise ScenarioError(source, _describe(err), _dotted(loc) or None) from None
    except CrossFieldError as e:
        raise ScenarioError(source, e.message, e.path) from None
