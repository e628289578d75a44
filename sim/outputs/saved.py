"""Reading back what ``sim run``, ``sim compare`` and ``sim sweep`` wrote, so that a report
(or an analyst) can start from a results directory as from a live run.

A run's directory gives back its ``Results`` (the scenario from ``run.json``, the tables
from the CSV and Parquet files); a comparison's gives back its ``Comparison``, rebuilt from
each scenario's results exactly as ``sim compare`` built it; a sweep's gives its tables and
metadata. Which kind a directory holds is told by its marker file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiment.runner import Results
from sim.model.measures import WEEKLY_METRICS
from sim.outputs.comparison import Comparison
from sim.scenario import Scenario

RUN, COMPARISON, SWEEP = "run", "comparison", "sweep"
MARKER = {RUN: "run.json", COMPARISON: "comparison.json", SWEEP: "sweep.json"}


class NotResults(Exception):
    """The directory does not hold sim's results; the message says why in one line."""


def kind_of(directory: Path) -> str:
    """``run``, ``comparison`` or ``sweep``: what sim wrote in ``directory``."""
    d = Path(directory)
    if not d.is_dir():
        raise NotResults(f"{d}: no such results directory")
    for kind, marker in MARKER.items():
        if (d / marker).is_file():
            return kind
    raise NotResults(f"{d} holds no results of sim run, compare or sweep (no run.json, "
                     "comparison.json or sweep.json)")


def _dtypes() -> dict[str, type]:
    return {"fy": str}


def load_run(directory: Path) -> Results:
    """The results of ``sim run`` (or one scenario of a comparison) from its directory."""
    d = Path(directory)
    try:
        meta = json.loads((d / "run.json").read_text())
        scenario = Scenario.model_validate(meta["scenario"])
        annual = pd.read_csv(d / "annual.csv", dtype=_dtypes())
        budget = pd.read_csv(d / "budget.csv", dtype=_dtypes())
        parameters = pd.read_csv(d / "parameters.csv")
        weekly = pd.read_parquet(d / "weekly.parquet")
    except (OSError, ValueError, KeyError) as e:
        raise NotResults(f"{d}: the results cannot be read ({e})") from e
    reps = sorted(int(r) for r in annual.replication.unique())
    weeks = np.sort(weekly.week.unique()).astype("datetime64[D]")
    metric = weekly.metric.astype(str)
    wide = weekly.assign(metric=pd.Categorical(metric, categories=list(WEEKLY_METRICS)))
    cube = wide.pivot_table(index=["replication", "week"], columns="metric", values="value",
                            observed=False, sort=True)
    values = cube.reindex(columns=list(WEEKLY_METRICS)).to_numpy().reshape(
        len(reps), len(weeks), len(WEEKLY_METRICS))
    return Results(scenario, int(meta["seed"]), reps, annual, values, weeks, parameters,
                   pd.DataFrame({"replication": reps}), budget,
                   wall_seconds=float(meta.get("wall_seconds", 0.0)),
                   jobs=int(meta.get("jobs", 1)),
                   fixed_parameters=bool(meta.get("fixed_parameters", False)),
                   extra={"sim_version": meta.get("sim_version"), "python": meta.get("python"),
                          "command": meta.get("command")})


def load_comparison(directory: Path) -> tuple[Comparison, dict]:
    """The comparison ``sim compare`` wrote, rebuilt from each scenario's results, and its
    metadata (``comparison.json``)."""
    d = Path(directory)
    meta = json.loads((d / "comparison.json").read_text())
    results = {name: load_run(d / name) for name in meta["scenarios"]}
    comp = Comparison(results, meta["base"])
    comp.precision = meta.get("precision")
    return comp, meta


@dataclass
class Sweep:
    table: pd.DataFrame  # sweep.csv
    frontier: pd.DataFrame  # frontier.csv
    meta: dict  # sweep.json: the points' values, the outcome, the base scenario...


def load_sweep(directory: Path) -> Sweep:
    d = Path(directory)
    try:
        return Sweep(pd.read_csv(d / "sweep.csv"), pd.read_csv(d / "frontier.csv"),
                     json.loads((d / "sweep.json").read_text()))
    except (OSError, ValueError) as e:
        raise NotResults(f"{d}: the sweep's results cannot be read ({e})") from e
