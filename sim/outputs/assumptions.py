"""Every input of a scenario with its value, what it means and where it came from.

The shipped scenario files (and those ``sim init`` writes) say on each line, or in the
comment block just above it, where a number came from. A resolved scenario has lost those
comments, so the results directory keeps ``scenario.yaml``: the resolved scenario written
back as YAML with each key's comment above it (``scenario_yaml``), which loads to the same
scenario. ``assumptions`` reads such a text (or a shipped file) into one table for the
workbooks and the report.

>>> from sim.scenario import load_scenario
>>> s = load_scenario("scenarios/baseline.yaml")
>>> t = assumptions(s, open("scenarios/baseline.yaml").read())
>>> t.set_index("path").loc["demand.referrals_per_year", "source"]
'c1 2019: referrals in the year to 31 March 2019'
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel

from sim.scenario import Scenario

ASSUMPTION_COLUMNS = ["path", "label", "value", "description", "source"]
NOT_IN_FILE = "not set in the scenario file (the model's default)"

SECTIONS = {  # the first part of a path, as a reader would name it
    "run": "Run", "demand": "Demand", "initial_state": "Starting position",
    "workforce": "Workforce", "allocation": "Allocation of cases",
    "interventions": "Interventions", "strain": "Response to workload", "costs": "Costs",
    "measurement": "Measurement",
}
WORDS = {  # parts of paths that read badly when only the underscores go
    "cin": "children in need", "cp": "child protection", "cla": "looked after",
    "fte": "FTE", "sd": "sd", "pct": "%", "asye": "ASYE", "cp_duration_bands_pct":
    "child protection plans by length (%)", "up_to_3m": "up to 3 months",
    "m3_to_6m": "3 to 6 months", "m6_to_12m": "6 to 12 months", "y1_to_2y": "1 to 2 years",
    "over_2y": "over 2 years", "per_10pct": "per 10% more workload", "ipeh": "IPEH",
}


# --- comments of a YAML text --------------------------------------------------------------

def _trailing_comment(line: str) -> str:
    """The comment after a value on one line ('' if none); a '#' inside quotes or not
    after a space is part of the value, as YAML reads it."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i + 1:].strip()
    return ""


def _block_above(lines: list[str], row: int) -> str:
    """The comment lines directly above ``row`` (no blank line between), joined."""
    block: list[str] = []
    r = row - 1
    while r >= 0 and lines[r].lstrip().startswith("#"):
        block.insert(0, lines[r].strip().lstrip("#").strip())
        r -= 1
    return " ".join(b for b in block if b)


def yaml_sources(text: str) -> dict[str, str]:
    """Every key of a YAML text by dotted path, with its own comment: the comment block
    just above its line and the comment at the end of it (a key inside a one-line mapping
    has none of its own; ``assumptions`` gives it its parent's). Items of a list count as
    their list's, so ``changes`` carries the comments of its items."""
    lines = text.splitlines()
    out: dict[str, str] = {}

    def own(node: yaml.Node, first_on_line: bool) -> str:
        if not first_on_line:  # inside a one-line mapping: the line's comment is its key's
            return ""
        row = node.start_mark.line
        return " ".join(p for p in (_block_above(lines, row), _trailing_comment(lines[row]))
                        if p)

    def starts_line(node: yaml.Node) -> bool:
        line = lines[node.start_mark.line]
        return len(line) - len(line.lstrip(" -")) == node.start_mark.column

    def walk(node: yaml.Node, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                p = f"{path}.{k.value}" if path else str(k.value)
                out[p] = own(k, starts_line(k))
                walk(v, p)
        elif isinstance(node, yaml.SequenceNode) and path:
            notes = [own(item, True) for item in node.value]
            extra = [n for n in dict.fromkeys(notes) if n and n not in out[path]]
            out[path] = "; ".join(x for x in [out[path], *extra] if x)

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, "")
    return out


def chain_sources(path: Path) -> dict[str, str]:
    """``yaml_sources`` of a scenario file and of every file it extends: a key's comment is
    the one in the file that sets it (the most derived)."""
    path = Path(path)
    text = path.read_text()
    mine = yaml_sources(text)
    data = yaml.safe_load(text) or {}
    parent = data.get("extends") if isinstance(data, Mapping) else None
    if not isinstance(parent, str):
        return mine
    theirs = chain_sources((path.parent / parent).resolve())
    return {**theirs, **{k: v for k, v in mine.items() if k != "extends"}}


# --- the table ------------------------------------------------------------------------------

def _number(x: float | int) -> str:
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int) or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.6g}" if abs(x) >= 1000 else f"{x:.6g}"


def _distribution(d: BaseModel) -> str | float:
    p = d.model_dump()
    kind = p.pop("dist")
    mult = p.pop("multiplier", 1.0)
    if kind == "fixed":
        return float(p["value"])
    if kind == "triangular":
        body = (f"triangular: {_number(p['low'])} to {_number(p['high'])}, most likely "
                f"{_number(p['mode'])}")
    elif kind == "uniform":
        body = f"uniform: {_number(p['low'])} to {_number(p['high'])}"
    else:
        body = f"{kind}: " + ", ".join(f"{k} {_text(v)}" for k, v in p.items()
                                       if v is not None)
    if isinstance(mult, dict) or mult != 1.0:
        body += f", times {_text(mult)}"
    return body


def _text(value: Any) -> str:
    """``readable`` inside text: numbers with thousands separators."""
    v = readable(value)
    return _number(v) if isinstance(v, int | float) else str(v)


def readable(value: Any) -> Any:
    """A value as a reader sees it: numbers stay numbers; a distribution, a list or a
    mapping becomes short text (``triangular: 0 to 0.101, most likely 0.027``)."""
    if isinstance(value, BaseModel) and "dist" in type(value).model_fields:
        return _distribution(value)
    if isinstance(value, BaseModel):
        return readable(value.model_dump())
    if isinstance(value, Mapping):
        if not value:
            return "none"
        return ", ".join(f"{str(k).replace('_', ' ')} {_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        sep = "; " if any(isinstance(v, Mapping | BaseModel) for v in value) else ", "
        return sep.join(_text(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)


def _words(part: str) -> str:
    return WORDS.get(part) or part.replace("_pct", " (%)").replace("_", " ")


def plain_label(path: str) -> str:
    """A dotted path as a label: ``demand.returns.chance`` -> 'Demand: returns: chance'."""
    parts = path.split(".")
    head = SECTIONS.get(parts[0], _words(parts[0]).capitalize())
    rest = [_words(p) for p in parts[1:]]
    return ": ".join([head, *rest])


def _is_leaf(value: Any) -> bool:
    return not isinstance(value, BaseModel) or "dist" in type(value).model_fields


def _inputs(model: BaseModel, prefix: str = "", inherited: str = ""
            ) -> list[tuple[str, Any, str]]:
    """(dotted path, value, description) of every input, depth first in the file's order;
    a field without a description of its own takes its section's."""
    rows = []
    for name, field in type(model).model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        value = getattr(model, name)
        desc = field.description or inherited
        if _is_leaf(value):
            rows.append((path, value, desc))
        else:
            rows.extend(_inputs(value, path, field.description or ""))
    return rows


def assumptions(scenario: Scenario, yaml_text: str | None) -> pd.DataFrame:
    """Every input of ``scenario``: ``path, label, value, description, source``.

    ``value`` is a number where the input is one, else short text; ``description`` is the
    field's own (``sim schema``); ``source`` is the comment the YAML gives on the key's line
    or just above it, else its nearest enclosing key's; a key the text does not set says so
    (the model's default). Without a text every source is empty."""
    sources = yaml_sources(yaml_text) if yaml_text else {}
    rows = []
    for path, value, desc in _inputs(scenario):
        source = ""
        if sources:
            if path in sources:
                parts = path.split(".")
                # a key without a comment of its own takes its nearest enclosing key's
                for i in range(len(parts), 0, -1):
                    source = sources.get(".".join(parts[:i]), "")
                    if source:
                        break
            elif path not in ("name", "description", "council"):
                source = NOT_IN_FILE
        rows.append((path, plain_label(path), readable(value), desc, source))
    return pd.DataFrame(rows, columns=ASSUMPTION_COLUMNS)


# --- the resolved scenario as commented YAML ------------------------------------------------

def _flow(value: Any) -> str:
    """One value as YAML on one line, exactly as it loads back."""
    return yaml.safe_dump(value, default_flow_style=True, width=10**6,
                          allow_unicode=True).strip().removesuffix("...").strip()


def scenario_yaml(scenario: Scenario, sources: Mapping[str, str] | None = None) -> str:
    """The resolved scenario as a self-contained YAML file (no ``extends``), each key with
    its source as a comment just above it: ``sim run`` on it gives the same results, and
    ``assumptions`` reads the sources back. ``sources`` by dotted path (``chain_sources``
    of the file the scenario came from)."""
    sources = sources or {}
    data = scenario.model_dump(mode="json")
    lines = [f"# The resolved scenario {scenario.name!r}, each value with its source from the "
             "scenario's files.", "# The seed and replications the run used are in run.json "
             "(the command line may set them).", ""]

    def emit(node: Mapping[str, Any], prefix: str, indent: int) -> None:
        pad = "  " * indent
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            # a key no file sets is the model's default: say so, or it would take its
            # section's comment when read back
            note = sources.get(path, NOT_IN_FILE if sources and path not in (
                "name", "description", "council") else "")
            if note:
                lines.extend(textwrap.wrap(note, 92 - len(pad), initial_indent=pad + "# ",
                                           subsequent_indent=pad + "# ",
                                           break_long_words=False, break_on_hyphens=False))
            if isinstance(value, Mapping) and value and "dist" not in value:
                lines.append(f"{pad}{key}:")
                emit(value, path, indent + 1)
            else:
                lines.append(f"{pad}{key}: {_flow(value)}")

    emit(data, "", 0)
    return "\n".join(lines) + "\n"
