"""Where the app's baseline comes from: any English council for a year (built as `sim init`
builds it), a scenario shipped in ``scenarios/``, or a scenario file the user uploads.

Each is turned into a ``Source``: the YAML text, the file name it goes by and the validated
``Scenario``. Every problem is a ``ScenarioError`` in the one-line form of the command line.

**Uploads cannot reach the disk.** An upload is parsed with the scenario loader's own safe
YAML reader and schema, from a fresh private temporary directory holding only the upload
and copies of the shipped scenarios. Its ``extends:``, if any, must be the plain file name
of a shipped scenario (no directory, no ``..``): anything else is refused before the
loader follows it, so a page can never make the app open a path of its choosing.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sim.data import dfe
from sim.scenario import Scenario, ScenarioError, load_scenario, with_overrides
from sim.scenario.council import council_scenario
from sim.scenario.yaml_reader import MAX_BYTES, read_yaml

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"
"""The shipped scenarios (present in a checkout of sim, not in an installed wheel)."""

MAX_UPLOAD_BYTES = 1_000_000  # the shipped scenarios are a few kB
YEARS = range(2014, 2026)  # as `sim init --year`


@dataclass(frozen=True)
class Source:
    """A baseline: its YAML, the file name a scenario extending it names, and what it is."""

    label: str  # "West Sussex from 1 April 2019", shown on the page
    file_name: str  # "west_sussex_2019.yaml", "baseline.yaml"
    yaml: str
    scenario: Scenario
    shipped: bool = False  # a file in scenarios/: an extending scenario works beside it

    @property
    def digest(self) -> str:
        """What the scenario says, as a short hash: part of the baseline cache's key."""
        text = self.scenario.model_dump_json()
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def councils() -> list[str]:
    """Every English council with published figures."""
    return dfe.councils()


def shipped_scenarios() -> list[str]:
    """The file names of the shipped scenarios (none if sim is installed without them)."""
    return sorted(p.name for p in SHIPPED.glob("*.yaml")) if SHIPPED.is_dir() else []


def _load_text(text: str, file_name: str, shown: str, with_shipped: bool) -> Scenario:
    """Validate YAML text as the loader would read a file called ``file_name``, naming
    ``shown`` in errors. The text is written to a private directory of its own."""
    with tempfile.TemporaryDirectory(prefix="sim-app-") as tmp:
        if with_shipped:
            for name in shipped_scenarios():
                shutil.copyfile(SHIPPED / name, Path(tmp) / name)
        path = Path(tmp) / file_name
        path.write_text(text, encoding="utf-8")
        try:
            return load_scenario(path)
        except ScenarioError as e:
            # the temporary path means nothing to the user: name what they chose
            raise ScenarioError(shown, e.message, e.field, e.line) from None


def from_council(name: str, year: int) -> Source:
    """The baseline `sim init --la NAME --year YEAR` would write."""
    if year not in YEARS:
        raise ScenarioError("year", f"must be from {YEARS[0]} to {YEARS[-1]} (found {year})")
    try:
        council = dfe.resolve(name)
        built = council_scenario(council, year)
    except (dfe.UnknownCouncil, ValueError) as e:
        raise ScenarioError("council", str(e)) from None
    slug = re.sub(r"[^a-z0-9]+", "_", council.lower()).strip("_")
    file_name = f"{slug}_{year}.yaml"
    sc = _load_text(built.yaml, file_name, file_name, with_shipped=False)
    return Source(f"{council} from 1 April {year}", file_name, built.yaml, sc)


def from_shipped(file_name: str) -> Source:
    """A scenario shipped in ``scenarios/``, chosen by its file name."""
    if file_name not in shipped_scenarios():
        raise ScenarioError(file_name, "is not one of the shipped scenarios (allowed: "
                            f"{', '.join(shipped_scenarios())})")
    path = SHIPPED / file_name
    sc = load_scenario(path)
    council = f"{sc.council}: " if sc.council else ""
    return Source(f"{council}{file_name}", file_name, path.read_text(encoding="utf-8"), sc,
                  shipped=True)


def from_upload(file_name: str, data: bytes) -> Source:
    """A scenario file the user uploaded: the same safe reader and schema as `sim validate`;
    ``extends`` only to a shipped scenario, by its plain name."""
    shown = Path(file_name).name or "upload.yaml"
    if len(data) > min(MAX_UPLOAD_BYTES, MAX_BYTES):
        raise ScenarioError(shown, f"is {len(data):,} bytes; a scenario file is at most "
                            f"{MAX_UPLOAD_BYTES:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(shown, f"is not UTF-8 text (byte {e.start}); save it as "
                            "UTF-8") from None
    local = "upload.yaml" if shown not in shipped_scenarios() else "upload_" + shown
    with tempfile.TemporaryDirectory(prefix="sim-app-") as tmp:
        path = Path(tmp) / local
        path.write_text(text, encoding="utf-8")
        try:
            raw, lines = read_yaml(path)  # the safe reader: data only, no tags
        except ScenarioError as e:
            raise ScenarioError(shown, e.message, e.field, e.line) from None
    parent = raw.get("extends")
    if parent is not None and parent not in shipped_scenarios():
        allowed = ", ".join(shipped_scenarios()) or "none: this installation ships none"
        raise ScenarioError(shown, f"an uploaded scenario may extend only a shipped scenario, "
                            f"by its file name (found {parent!r}; allowed: {allowed})",
                            "extends", lines.get(("extends",)))
    sc = _load_text(text, local, shown, with_shipped=parent is not None)
    return Source(f"uploaded {shown}", shown if shown.endswith((".yaml", ".yml"))
                  else shown + ".yaml", text, sc)


def adjusted(src: Source, overrides: Mapping[str, Any]) -> Source:
    """``src`` with fields changed by dotted path (the tests' hook for tiny runs)."""
    if not overrides:
        return src
    return replace(src, scenario=with_overrides(src.scenario, overrides, src.file_name),
                   label=f"{src.label} (changed for a test: {dict(overrides)})")
