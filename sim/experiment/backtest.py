"""Back-tests: start from a council's published state in a year, simulate the following
years with only what was published by then (``sim init``, uncalibrated), and compare with
what was published later. Beside each error, that of the naive forecast "the same as the
start year".

Errors are absolute percentages for counts and caseloads, and absolute differences in
points for rates. An interval is the 5th-95th percentile of single replications (the
simulated 90% interval); "inside" says whether the published figure fell within it.

The point forecast is the mean of separate replications with every uncertain effect at its
central value. Taking it from the replications that draw the effects would add their draws'
sampling noise to the forecast (with 20 replications and a referral trend as uncertain as
councils' history, several percent) and, where the response is skewed (a run of high
referrals fills the queues; a low one cannot empty them below zero), a bias.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import yaml

from sim.data import dfe
from sim.experiment.checkpoint import Checkpoint
from sim.experiment.executors import PROCESS, ExecutorSpec
from sim.experiment.runner import Task, stream
from sim.periods import fy_ending, fy_label
from sim.scenario import Scenario, with_overrides
from sim.scenario.council import council_scenario

# (simulated measure, published measure, when it is counted, compared in points?)
INDICATORS = (
    ("referrals", "referrals", "year to 31 March", False),
    ("cin_31mar", "cin_31mar", "31 March", False),
    ("cp_31mar", "cp_31mar", "31 March", False),
    ("cla_31mar", "cla_31mar", "31 March", False),
    ("inpost_fte", "inpost_fte", "30 September", False),
    ("caseload_per_fte", "caseload_per_fte", "30 September", False),
    ("turnover_rate", "turnover_rate", "30 September", True),
    ("vacancy_rate", "vacancy_rate", "30 September", True),
    ("agency_rate", "agency_rate", "30 September", True),
    ("assessment_timeliness_rate", "assessment_timeliness_pct", "year to 31 March", True),
)


def sim_fy(when: str, year: int) -> str:
    """The financial year label under which the model files a figure published for
    ``year`` (31 March figures: the year ending then; 30 September: the year containing
    it)."""
    if when == "30 September":
        return fy_label(year)
    return fy_ending(year)


def scenario_for(council: str, year: int, years: int) -> Scenario:
    """The council's ``sim init`` scenario, run long enough for the last 30 September."""
    built = council_scenario(council, year)
    s = Scenario.model_validate(yaml.safe_load(built.yaml))
    return with_overrides(s, {"run.horizon_years": years + 0.5})


@dataclass
class Backtest:
    table: pd.DataFrame  # one row per council, indicator and year ahead
    skipped: dict[str, str]  # council -> why
    wall_seconds: float
    replications: int


def compare(council: str, start: int, years: int, annual: pd.DataFrame,
            central: pd.DataFrame) -> pd.DataFrame:
    """Simulated (replication, fy, metric, value) against published, for one council:
    ``annual`` with the uncertain effects drawn (for the interval), ``central`` with them at
    their central values (for the forecast)."""
    rows = []
    for metric, measure, when, points in INDICATORS:
        base = dfe.figure(council, measure, str(start), fallback=False).value
        for h in range(1, years + 1):
            pub = dfe.figure(council, measure, str(start + h), fallback=False).value
            fy = sim_fy(when, start + h)
            x = annual[(annual.metric == metric) & (annual.fy == fy)]
            v = x.value.to_numpy(dtype=float)
            v = v[~np.isnan(v)]
            c = central[(central.metric == metric) & (central.fy == fy)].value.dropna()
            if not len(v) or not len(c):
                continue
            mean = float(c.mean())
            p05, p95 = (float(q) for q in np.percentile(v, [5, 95]))

            def err(pred: float, pub: float = pub, points: bool = points) -> float:
                if np.isnan(pred) or np.isnan(pub):
                    return np.nan
                return abs(pred - pub) if points else (
                    100 * abs(pred - pub) / pub if pub else np.nan)

            rows.append({
                "council": council, "indicator": metric, "when": when,
                "period": start + h, "years_ahead": h, "published": pub,
                "start_value": base, "simulated": mean, "p05": p05, "p95": p95,
                "error": err(mean), "naive_error": err(base),
                "error_unit": "points" if points else "%",
                "inside_90": (bool(p05 <= pub <= p95) if not np.isnan(pub) else np.nan),
            })
    return pd.DataFrame(rows)


LAST_PUBLISHED = 2025  # the last year of published figures a back-test can compare with

CENTRAL_REPLICATIONS = 8
"""Replications a council runs at the central values, for the point forecast, besides the
ones that draw the uncertain effects (what the command line says and its bar counts)."""


def runs_per_council(replications: int) -> int:
    """The replications a back-test runs for each council: ``replications`` that draw the
    uncertain effects and ``CENTRAL_REPLICATIONS`` at their central values."""
    return replications + CENTRAL_REPLICATIONS


CENTRAL = " (central)"  # the task key of a council's runs with the effects at their centre

# given every run of the back-test (task key: its scenario and whether its effects are
# central), where each saves its replications
SaveTo = Callable[[dict[str, tuple[Scenario, bool]]], Mapping[str, Checkpoint]]


def backtest_scenarios(councils: list[str], start: int, years: int
                       ) -> tuple[dict[str, Scenario], dict[str, str]]:
    """Each council's scenario for a back-test (to check before running), and the councils
    whose figures cannot make one, with why."""
    scenarios: dict[str, Scenario] = {}
    skipped: dict[str, str] = {}
    for c in councils:
        try:
            scenarios[c] = scenario_for(c, start, years)
        except Exception as e:  # a council whose figures cannot make a scenario
            skipped[c] = str(e).splitlines()[0][:200]
    return scenarios, skipped


def run_backtest(councils: list[str], start: int, years: int, replications: int, seed: int,
                 jobs: int, progress: Callable[[int, int], None] | None = None,
                 central_replications: int = CENTRAL_REPLICATIONS,
                 executor: ExecutorSpec = PROCESS,
                 prepared: tuple[dict[str, Scenario], dict[str, str]] | None = None,
                 save_to: SaveTo | None = None) -> Backtest:
    """Back-test councils from 1 April ``start`` for ``years`` years, all replications of
    all councils on one parallel executor (results streamed, weekly series dropped).
    ``prepared``: what ``backtest_scenarios`` gave for these councils, if already made. With
    ``save_to``, each replication is saved as it finishes and those saved before are read
    back (a resumed back-test)."""
    t0 = time.perf_counter()
    scenarios, skipped = prepared or backtest_scenarios(councils, start, years)
    runs = {c: (s, False) for c, s in scenarios.items()}
    runs |= {c + CENTRAL: (s, True) for c, s in scenarios.items()}
    tasks = [Task(c, s, r, seed, False) for c, s in scenarios.items()
             for r in range(replications)]
    tasks += [Task(c + CENTRAL, s, r, seed, True) for c, s in scenarios.items()
              for r in range(central_replications)]
    annual: dict[str, list[pd.DataFrame]] = {k: [] for k in runs}
    wanted = {m for m, *_ in INDICATORS}
    checkpoints = save_to(runs) if save_to is not None else None
    for done, (task, res) in enumerate(stream(tasks, jobs, executor, checkpoints), start=1):
        a = res.annual
        annual[task.key].append(a[a.metric.isin(wanted)].assign(replication=res.replication))
        if progress is not None:
            progress(done, len(tasks))
    # in replication order, whatever order they finished in (a resumed run reads some back)
    parts = [compare(c, start, years, _in_order(annual[c]), _in_order(annual[c + CENTRAL]))
             for c in scenarios]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return Backtest(table, skipped, time.perf_counter() - t0, replications)


def _in_order(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(sorted(frames, key=lambda f: int(f.replication.iloc[0]) if len(f) else -1),
                     ignore_index=True)


def league_table(table: pd.DataFrame) -> pd.DataFrame:
    """For each indicator and year ahead: median and 90th percentile error across councils,
    the same for the naive forecast, and the share of councils whose published figure fell
    inside the simulated 90% interval."""
    rows = []
    order = {m: i for i, (m, *_) in enumerate(INDICATORS)}
    for (ind, h), g in table.groupby(["indicator", "years_ahead"]):
        g = g.dropna(subset=["error", "naive_error"])
        if g.empty:
            continue
        inside = g.inside_90.dropna().astype(bool)
        rows.append({
            "indicator": ind, "years_ahead": h, "councils": len(g),
            "unit": g.error_unit.iloc[0],
            "median_error": g.error.median(), "p90_error": g.error.quantile(0.9),
            "naive_median_error": g.naive_error.median(),
            "naive_p90_error": g.naive_error.quantile(0.9),
            "beats_naive": bool(g.error.median() < g.naive_error.median()),
            "inside_90_pct": 100 * inside.mean() if len(inside) else np.nan,
        })
    out = pd.DataFrame(rows)
    out["_o"] = out.indicator.map(order)
    return out.sort_values(["_o", "years_ahead"]).drop(columns="_o").reset_index(drop=True)
