"""What a scenario file did wrong, in one line: ``ScenarioError`` and the translation of
pydantic's validation errors into the dotted path of the field, what was found and what is
allowed (``loader.py`` raises them; ``yaml_reader.py`` for the YAML itself).
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from sim.scenario.distributions import DIST_NAMES
from sim.scenario.schema import FieldError, Scenario

PathKey = tuple[str | int, ...]
"""Keys and list positions from the top of a scenario to one of its values."""


MAX_PROBLEMS = 20
"""The most problems one error lists (``ScenarioError.problems``); the rest are counted."""


class ScenarioError(Exception):
    """A scenario file cannot be used. ``str(err)`` is the one-line message for the user:
    the first problem, and how many more there are. ``problems`` holds every problem found
    (up to ``MAX_PROBLEMS``), each a ``ScenarioError`` of its own with a one-line message;
    ``more`` counts those found beyond them."""

    def __init__(self, file: str | Path, message: str, field: str | None = None,
                 line: int | None = None, *, others: list[ScenarioError] | None = None,
                 more: int = 0) -> None:
        self.file = str(file)
        self.field = field
        self.line = line
        self.message = message
        where = self.file if line is None else f"{self.file}:{line}"
        self.text = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        self.problems: list[ScenarioError] = [self, *(others or [])]
        self.more = more
        n = len(self.problems) - 1 + more
        super().__init__(self.text + (f" (and {n} more problem{'s' if n > 1 else ''})"
                                      if n else ""))

    def lines(self) -> list[str]:
        """One line for each problem, and one saying how many more, if any were left."""
        out = [p.text for p in self.problems]
        if self.more:
            out.append(f"{self.file}: and {self.more} more problem"
                       f"{'s' if self.more > 1 else ''} (the first {len(out)} are above)")
        return out


def dotted(loc: tuple[Any, ...]) -> str:
    """A key path as the user writes it: ``workforce.caps.agency``, ``changes[0].start``."""
    out = ""
    for p in clean_loc(loc):  # list positions are ints; keys, even '1', are text
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def clean_loc(loc: tuple[Any, ...]) -> PathKey:
    """A pydantic location without what the user did not write."""
    # pydantic's locations name the distribution tried ('lognormal') and mark a dict's key
    # ('[key]'): neither is a key the user wrote
    return tuple(p for p in loc if not (isinstance(p, str) and (p in DIST_NAMES
                                                                 or p == "[key]")))


def error_location(err: ErrorDetails) -> PathKey:
    """The key path of the field a validation error is about."""
    loc = clean_loc(err["loc"])
    cause = err.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):  # a model's check that is about one of its fields
        return (*loc, cause.field)
    # an unknown distribution is a mistake in its 'dist:' line
    return (*loc, "dist") if err["type"] == "union_tag_invalid" else loc


def locate(loc: PathKey, where: dict[PathKey, tuple[Path, int]],
           top: Path) -> tuple[Path, int | None]:
    """The file and line that set ``loc`` (or its nearest parent); ``top`` if none did."""
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


def describe(err: ErrorDetails) -> str:
    """What was wrong, in the planner's terms, with what was found."""
    msg = err["msg"]
    kind = err["type"]
    found = err.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "is required but missing"
    if kind == "union_tag_invalid":  # a 'dist' that is not a distribution's name
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


def suggest(key: str, allowed: list[str]) -> str:
    """The closest allowed key to a misspelt one, or the list of those allowed."""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"


def allowed_keys(loc: PathKey) -> list[str]:
    """The keys the schema allows in the mapping that holds ``loc``'s last key."""
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
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
    return sorted(model.model_fields)
