"""Saving each replication as it finishes, so an interrupted run can be resumed.

A run's checkpoint is a directory: ``run.json`` says what is being run (the resolved
scenario, seed, fixed parameters, sim's version) and ``replications/r000042.npz`` holds one
finished replication. Each file is written under a temporary name and renamed, so a file
with a final name is complete; it is an uncompressed ``.npz`` (a zip with a CRC per array),
read back with ``allow_pickle=False`` — data only, never code — and any file that fails to
read or check is treated as missing and run again. Because a replication is a pure function
of (scenario, replication, seed), a resumed run gives exactly the results of an
uninterrupted one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.model import ReplicationResult
from sim.model.measures import WEEKLY_METRICS
from sim.scenario import Scenario

FORMAT = 1


class CheckpointMismatch(Exception):
    """The saved run is of something else; the message says what changed, in one line."""


def _flat(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, dict):
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: d}


def describe_changes(old: dict, new: dict, limit: int = 3) -> str:
    """The dotted fields whose values differ between two scenarios, briefly."""
    a, b = _flat(old), _flat(new)
    keys = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    shown = ", ".join(f"{k} ({a.get(k)!r} -> {b.get(k)!r})" for k in keys[:limit])
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return shown + more


@functools.cache
def code_digest() -> str:
    """A digest of sim's own source: a changed model changes it, even at the same
    version number."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def run_identity(scenario: Scenario, seed: int, fixed_parameters: bool) -> dict:
    """What must match for saved replications to be reused."""
    return {"format": FORMAT, "sim_version": __version__, "code": code_digest(),
            "seed": seed,
            "fixed_parameters": fixed_parameters,
            "scenario": scenario.model_dump(mode="json")}


def identity_digest(scenario: Scenario, seed: int, fixed_parameters: bool) -> str:
    """A short name for a run's identity: for saving runs that are not known in advance
    (a calibration's rounds) where the same run will look for them."""
    ident = json.dumps(run_identity(scenario, seed, fixed_parameters), sort_keys=True)
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


class Checkpoint:
    """The saved replications of one run of one scenario."""

    def __init__(self, directory: Path, identity: dict) -> None:
        self.directory = Path(directory)
        self.identity = identity
        self.reps_dir = self.directory / "replications"
        self.damaged: list[int] = []  # saved replications that failed their check
        self._saved: set[int] | None = None
        # the shape every replication of this run has (set from the first one run here)
        self.expected: dict | None = None

    # ------------------------------------------------------------------ opening

    @classmethod
    def create(cls, directory: Path, scenario: Scenario, seed: int,
               fixed_parameters: bool) -> Checkpoint:
        """A new, empty checkpoint (whatever was in ``directory`` is removed)."""
        directory = Path(directory)
        if directory.exists():
            shutil.rmtree(directory)
        ident = run_identity(scenario, seed, fixed_parameters)
        (directory / "replications").mkdir(parents=True)
        _write_atomic(directory / "run.json",
                      (json.dumps(ident, indent=1) + "\n").encode())
        return cls(directory, ident)

    @classmethod
    def resume(cls, directory: Path, scenario: Scenario, seed: int,
               fixed_parameters: bool) -> Checkpoint:
        """The checkpoint in ``directory``, if it is of this very run; else
        ``CheckpointMismatch`` saying what changed."""
        directory = Path(directory)
        try:
            saved = json.loads((directory / "run.json").read_text())
            if not isinstance(saved, dict):
                raise ValueError("not a mapping")
        except (OSError, ValueError):
            raise CheckpointMismatch(
                f"{directory}/run.json is missing or unreadable, so what was saved cannot be "
                "trusted; add --force to start again") from None
        ident = run_identity(scenario, seed, fixed_parameters)
        what = None
        if saved.get("format") != FORMAT or saved.get("sim_version") != ident["sim_version"]:
            what = (f"it was started by sim {saved.get('sim_version')} and this is sim "
                    f"{ident['sim_version']}")
        elif saved.get("code") != ident["code"]:
            what = (f"sim's code has changed since it was started (source digest "
                    f"{saved.get('code')}, now {ident['code']})")
        elif saved.get("seed") != seed:
            what = f"the seed was {saved.get('seed')} and is now {seed}"
        elif saved.get("fixed_parameters") != fixed_parameters:
            what = (f"--fixed-parameters was {'on' if saved.get('fixed_parameters') else 'off'}"
                    f" and is now {'on' if fixed_parameters else 'off'}")
        elif saved.get("scenario") != ident["scenario"]:
            what = ("the scenario has changed since: "
                    + describe_changes(saved.get("scenario") or {}, ident["scenario"]))
        if what:
            raise CheckpointMismatch(f"cannot resume the run saved in {directory}: {what}; "
                                     "add --force to start again")
        (directory / "replications").mkdir(exist_ok=True)
        ck = cls(directory, ident)
        if isinstance(saved.get("shape"), dict):
            ck.expected = saved["shape"]
        return ck

    # ------------------------------------------------------------------ replications

    def path(self, replication: int) -> Path:
        return self.reps_dir / f"r{replication:06d}.npz"

    def saved(self) -> list[int]:
        """Replications with a file (not yet checked: ``load`` checks)."""
        out = []
        for p in self.reps_dir.glob("r*.npz"):
            try:
                out.append(int(p.stem[1:]))
            except ValueError:
                continue
        return sorted(out)

    def take(self, replication: int) -> ReplicationResult | None:
        """The saved replication if there is a sound one; a damaged file is deleted, noted
        in ``damaged``, and the replication is then run again."""
        if self._saved is None:
            self._saved = set(self.saved())
        if replication not in self._saved:
            return None
        res = self.load(replication)
        if res is None:
            self.damaged.append(replication)
            self._saved.discard(replication)
            self.path(replication).unlink(missing_ok=True)
        return res

    def save(self, result: ReplicationResult) -> None:
        if self.expected is None:  # recorded with the run, so a resume checks it too
            self.expected = {"weeks": len(result.weeks), "annual": len(result.annual),
                             "budget": 0 if result.budget is None else len(result.budget),
                             "parameters": sorted(result.parameters)}
            _write_atomic(self.directory / "run.json", (json.dumps(
                {**self.identity, "shape": self.expected}, indent=1) + "\n").encode())
        meta = json.dumps({"replication": result.replication, "parameters": result.parameters,
                           "totals": result.totals})
        arrays = {
            "meta": np.array(meta),
            "weekly_values": result.weekly_values,
            "weeks": result.weeks,
            "annual_fy": result.annual["fy"].to_numpy(dtype=str),
            "annual_metric": result.annual["metric"].to_numpy(dtype=str),
            "annual_value": result.annual["value"].to_numpy(dtype=float),
        }
        if result.budget is not None:
            for col in ("fy", "line"):
                arrays[f"budget_{col}"] = result.budget[col].to_numpy(dtype=str)
            for col in ("cost", "cost_real"):
                arrays[f"budget_{col}"] = result.budget[col].to_numpy(dtype=float)
        target = self.path(result.replication)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)

    def load(self, replication: int) -> ReplicationResult | None:
        """The saved replication, or None if its file is missing or damaged."""
        try:
            with np.load(self.path(replication), allow_pickle=False) as z:
                a = {k: z[k] for k in z.files}  # reading each array checks its CRC
            meta = json.loads(str(a["meta"]))
            if meta["replication"] != replication:
                return None
            annual = pd.DataFrame({"fy": a["annual_fy"].tolist(),
                                   "metric": a["annual_metric"].tolist(),
                                   "value": a["annual_value"]})
            budget = None
            if "budget_fy" in a:
                budget = pd.DataFrame({"fy": a["budget_fy"].tolist(),
                                       "line": a["budget_line"].tolist(),
                                       "cost": a["budget_cost"],
                                       "cost_real": a["budget_cost_real"]})
            weekly, weeks = a["weekly_values"], a["weeks"]
            # exactly what a replication writes: anything else is damage, not data
            if weekly.dtype != np.float64 or weekly.ndim != 2 \
                    or weekly.shape[1] != len(WEEKLY_METRICS) \
                    or weeks.dtype != np.dtype("datetime64[D]") or len(weeks) != len(weekly) \
                    or a["annual_value"].dtype != np.float64 or budget is None \
                    or a["budget_cost"].dtype != np.float64 \
                    or a["budget_cost_real"].dtype != np.float64 \
                    or not isinstance(meta["parameters"], dict) \
                    or not isinstance(meta["totals"], dict) or not meta["totals"]:
                return None
            if self.expected is not None and (
                    len(weeks) != self.expected["weeks"]
                    or len(annual) != self.expected["annual"]
                    or len(budget) != self.expected["budget"]
                    or sorted(meta["parameters"]) != self.expected["parameters"]):
                return None
            return ReplicationResult(replication, annual, weekly, weeks, meta["parameters"],
                                     meta["totals"], budget)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError,
                zipfile.BadZipFile):
            return None

    @classmethod
    def reuse(cls, directory: Path, scenario: Scenario, seed: int,
              fixed_parameters: bool) -> Checkpoint:
        """The checkpoint in ``directory`` if it is of this run, else a new one there."""
        if Path(directory).exists():
            try:
                return cls.resume(directory, scenario, seed, fixed_parameters)
            except CheckpointMismatch:
                pass
        return cls.create(directory, scenario, seed, fixed_parameters)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
