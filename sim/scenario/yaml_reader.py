"""Reading one YAML file safely, with the line of every key.

The loader is PyYAML's safe loader, stricter still: duplicate keys, keys that are not
names and any tag that is not plain data are refused, and every error is a one-line
``ScenarioError`` naming the file, the line and, where it is known, the key path.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.errors import PathKey, ScenarioError, dotted

MAX_BYTES = 10 * 2**20
"""The largest scenario file read (the shipped ones are a few kB): a stray data file or
log given by mistake is refused at once rather than parsed."""

_CORE = "tag:yaml.org,2002:"
_DATA_TAGS = frozenset(_CORE + t for t in ("null", "bool", "int", "float", "str", "timestamp",
                                            "seq", "map"))
"""Tags a scenario may use: the plain data types YAML gives untagged values. Anything else
(``!!python/object``, ``!!binary``, ``!!set``, ``!custom``) builds an object, or would in a
less careful loader, and is refused before anything is constructed."""


MAX_ALIASES = 1000
"""The most aliases (``*name``) a scenario may use: a handful is plenty, and a file of
hundreds of thousands (each a copy to check) would take minutes and gigabytes to read."""


class _StrictSafeLoader(yaml.SafeLoader):
    """The safe loader (it never builds Python objects or runs code), refusing duplicate
    keys (a silent overwrite hides typos), keys that are not names and more than
    ``MAX_ALIASES`` aliases."""

    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_ALIASES:,} aliases (*name); a scenario needs "
                    "a few at most", self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _construct_mapping(loader: _StrictSafeLoader, node: yaml.MappingNode,
                       deep: bool = False) -> dict[Any, Any]:
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


def _construct_refused(loader: _StrictSafeLoader, *args: Any) -> Any:
    # a second line of defence: _refused_tag() has normally caught these already. Called as
    # (loader, node), or (loader, tag_suffix, node) were it a multi-constructor
    node = args[-1]
    raise yaml.constructor.ConstructorError(
        None, None, _tag_message(node.tag), node.start_mark)


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
    if tag == _CORE + "merge":
        return ("merge keys (<<: *name) are not supported: write the keys out, or put what "
                "is shared in a scenario that this one extends (extends: FILE)")
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


def _read_regular_file(path: Path) -> bytes:
    """The bytes of ``path``, read once, if it is a regular file within ``MAX_BYTES``; a
    device (/dev/zero), a pipe, a socket or a directory is refused without reading it (a
    FIFO is opened without waiting for a writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ScenarioError(path, "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(path, "is a directory, not a scenario file") from None
    except OSError as e:
        raise ScenarioError(path, f"cannot be read: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ScenarioError(path, "is a directory, not a scenario file")
        if not stat.S_ISREG(st.st_mode):
            raise ScenarioError(path, "is not a regular file (a device, pipe or socket); "
                                "give the path of a scenario file")
        if st.st_size > MAX_BYTES:
            raise ScenarioError(path, f"is {st.st_size:,} bytes; a scenario file is at most "
                                f"{MAX_BYTES // 2**20} MB of YAML text")
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise ScenarioError(path, f"cannot be read: {e.strerror}") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_BYTES:  # it grew while being read
        raise ScenarioError(path, f"is over {MAX_BYTES // 2**20} MB; a scenario file is at "
                            f"most {MAX_BYTES // 2**20} MB of YAML text")
    return raw


def read_yaml(path: Path) -> tuple[dict[str, Any], dict[PathKey, int]]:
    """Read one YAML file into a mapping, with the line of every key. Errors are one line."""
    raw = _read_regular_file(path)
    if b"\x00" in raw:
        raise ScenarioError(path, "is a binary file, not YAML text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(path, f"is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset "
                            f"{e.start}); save it as UTF-8",
                            line=raw[: e.start].count(b"\n") + 1) from None
    node = None
    try:
        loader = _StrictSafeLoader(text)
        try:
            node = loader.get_single_node()  # composing builds no objects
            refused = _refused_tag(node) if node is not None else None
            if refused:
                loc, bad = refused
                raise ScenarioError(path, _tag_message(bad.tag), dotted(loc) or None,
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
        at = mark.line + 1 if mark else None
        key_path = _path_at(node, mark) if node is not None and mark else None
        if key_path:  # found while building values: the key path is known
            raise ScenarioError(path, problem, dotted(key_path), at) from None
        col = f", column {mark.column + 1}" if mark else ""
        raise ScenarioError(path, f"YAML error{col}: {problem}", line=at) from None
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
