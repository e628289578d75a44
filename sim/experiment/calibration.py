"""Fitting the rates that are not published, so the first simulated year matches what was.

Each rate has one published indicator it mainly moves: the leaving hazard sets turnover,
the chance of filling a vacancy sets the vacancy rate, agency cover the agency rate, the
number of case-holding posts the caseload, the shares of assessments that lead to
protection plans and care set their starts, and the mean durations of plans and care set
their stocks at 31 March (and each round, the chance that a child comes back is solved
again for the paths, from the base year's re-referral rate). So the fit is a damped
fixed-point iteration: simulate, then scale each rate by how far its indicator is off, and
again, until every indicator is within tolerance (or a few rounds have passed).

Why this method: with one dominant indicator per rate (the Jacobian is close to diagonal)
it converges in a handful of rounds, where a general optimiser (Nelder-Mead, Powell) needs
dozens to hundreds of evaluations; and every round runs the same replications with the
uncertain effects at their central values — common random numbers and no parameter noise
— so successive rounds differ only by the rates being fitted, and the iteration does not
chase noise. The final fit table then reruns with the uncertain effects drawn, and reports
each indicator's interval.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.data import dfe
from sim.experiment.checkpoint import Checkpoint
from sim.experiment.runner import run_many
from sim.periods import fy_label, fy_of
from sim.scenario import Scenario, with_overrides
from sim.scenario.distributions import Fixed
from sim.scenario.rereferrals import solve_chance
from sim.scenario.yaml_writer import Commented, emit

ROUNDS = 6
DAMPING = 0.8


@dataclass(frozen=True)
class Target:
    metric: str  # simulated measure
    fy: str  # the financial year it is filed under
    measure: str  # published measure
    period: str  # published period
    points: bool  # compare in points (rates) rather than relative


def targets(start_year: int) -> list[Target]:
    y0, y1 = str(start_year), str(start_year + 1)
    fy0 = fy_label(start_year)
    # the workforce is counted on 30 September: filed under the year that contains it
    fy_sep = fy_of(dt.date(start_year + 1, 9, 30))
    fy_sep0 = fy_of(dt.date(start_year, 9, 30))
    return [
        Target("caseload_per_fte", fy_sep0, "caseload_per_fte", y0, False),
        Target("turnover_rate", fy_sep, "turnover_rate", y1, True),
        # vacancies and agency at the first 30 September: the start state is built from
        # that snapshot, and matching it keeps the two consistent (a year on is a forecast)
        Target("vacancy_rate", fy_sep0, "vacancy_rate", y0, True),
        Target("agency_rate", fy_sep0, "agency_rate", y0, True),
        Target("cla_starts", fy0, "cla_starts", y1, False),
        Target("cla_31mar", fy0, "cla_31mar", y1, False),
        Target("cp_starts", fy0, "cp_starts", y1, False),
        Target("cp_31mar", fy0, "cp_31mar", y1, False),
        Target("cin_31mar", fy0, "cin_31mar", y1, False),
    ]


def _scaled(d: Any, f: float) -> Any:
    """A distribution (or number) with its scale multiplied by f."""
    if isinstance(d, int | float):
        return d * f
    if isinstance(d, Fixed):
        return d.value * f
    data = _tidy(d.model_dump())
    for k in ("mean", "sd", "low", "mode", "high", "scale", "value"):
        if k in data and isinstance(data[k], int | float):
            data[k] = data[k] * f
    return data


def _tidy(data: dict) -> dict:
    """A distribution's fields without a multiplier of 1 (the default), at any depth."""
    out = {}
    for k, v in data.items():
        if k == "multiplier" and v == 1.0:
            continue
        out[k] = _tidy(v) if isinstance(v, dict) else v
    return out


def _central(d: Any) -> float:
    if isinstance(d, int | float):
        return float(d)
    return float(d.mean_value()) if hasattr(d, "mean_value") and not isinstance(d, Fixed) \
        else float(d.value)


@dataclass
class Fit:
    scenario: Scenario
    overrides: dict[str, Any]
    table: pd.DataFrame
    annual: pd.DataFrame | None = None  # the final replications' measures
    rounds: list[dict[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# where a run of the fit saves its replications (a scenario and whether its effects are
# central), so that an interrupted calibration can be resumed
SaveTo = Callable[[Scenario, bool], Checkpoint]


def _simulate(s: Scenario, reps: int, seed: int, jobs: int, fixed: bool,
              save_to: SaveTo | None = None) -> pd.DataFrame:
    cks = {s.name: save_to(s, fixed)} if save_to is not None else None
    r = run_many({s.name: s}, reps, seed, jobs, fixed_parameters=fixed, checkpoints=cks)
    return r[s.name].annual


def calibrate(s: Scenario, council: str, start_year: int, reps: int = 6, jobs: int = 2,
              final_reps: int = 20, tolerance_pct: float = 3.0, tolerance_points: float = 0.75,
              progress: Callable[[int, int], None] | None = None,
              save_to: SaveTo | None = None) -> Fit:
    """Fit the scenario's unpublished rates to ``council``'s published figures for the first
    year from 1 April ``start_year``. With ``save_to``, each round's replications are saved
    as they finish and those saved before are read back: the rounds are a pure function of
    the scenario, so a resumed fit takes the same steps to the same result."""
    la = dfe.resolve(council)
    goals = []
    notes = []
    for t in targets(start_year):
        f = dfe.figure(la, t.measure, t.period, fallback=False)
        if math.isnan(f.value):
            notes.append(f"{t.measure} {t.period} not published for {la}: not fitted")
            continue
        goals.append((t, f.value))
    base = with_overrides(s, {"run.horizon_years": 1.6})
    cur = base
    over: dict[str, Any] = {}
    seed = s.run.seed
    history = []
    for rnd in range(ROUNDS):
        a = _simulate(cur, reps, seed, jobs, True, save_to)
        means = a.groupby(["metric", "fy"]).value.mean()
        sim = {t.metric: means.get((t.metric, t.fy), np.nan) for t, _ in goals}
        history.append(sim)
        if progress is not None:
            progress(rnd + 1, ROUNDS)
        off = {t.metric: (abs(sim[t.metric] - v) > tolerance_points if t.points else
                          abs(sim[t.metric] / v - 1) * 100 > tolerance_pct)
               for t, v in goals if not np.isnan(sim[t.metric])}
        if not any(off.values()):
            break
        over = _update(cur, over, goals, sim)
        over.update(returns_resolved(with_overrides(base, over), la, start_year))
        cur = with_overrides(base, over)
    final = with_overrides(s, over)
    a = _simulate(final, final_reps, seed, jobs, False, save_to)
    rows = []
    for t, v in goals:
        x = a[(a.metric == t.metric) & (a.fy == t.fy)].value.to_numpy()
        m = float(np.mean(x)) if len(x) else np.nan
        p05, p95 = (np.percentile(x, [5, 95]) if len(x) else (np.nan, np.nan))
        err = (m - v) if t.points else 100 * (m / v - 1)
        rows.append((t.metric, t.fy, t.period, v, m, float(p05), float(p95), err,
                     "points" if t.points else "%"))
    table = pd.DataFrame(rows, columns=["indicator", "fy", "published_period", "published",
                                        "simulated", "p05", "p95", "error", "error_unit"])
    return Fit(final, over, table, a, history, notes)


def _update(s: Scenario, over: dict[str, Any], goals: list[tuple[Target, float]],
            sim: dict[str, float]) -> dict[str, Any]:
    """One damped fixed-point step on every rate whose indicator is off."""
    over = dict(over)
    got = {t.metric: (v, sim[t.metric]) for t, v in goals}

    def ratio(metric: str, inverse: bool = False) -> float | None:
        if metric not in got or np.isnan(got[metric][1]) or got[metric][1] <= 0:
            return None
        want, have = got[metric]
        r = (have / want) if inverse else (want / max(have, 1e-9))
        return float(np.clip(r, 0.25, 4.0)) ** DAMPING

    w = s.workforce
    r = ratio("turnover_rate")
    if r:
        over["workforce.leaving.annual_hazard.experienced"] = _scaled(
            w.leaving.annual_hazard.experienced, r)
        over["workforce.leaving.annual_hazard.newly_qualified"] = _scaled(
            w.leaving.annual_hazard.newly_qualified, r)
    r = ratio("vacancy_rate", inverse=True)
    if r:
        p = _central(w.recruitment.fill_probability)
        over["workforce.recruitment.fill_probability"] = float(np.clip(p * r, 0.02, 0.98))
    r = ratio("agency_rate")
    if r:
        c = _central(w.agency.cover_share) * r
        if c > 1:  # all vacancies covered already: more agency beyond them
            over["workforce.agency.additional"] = round(w.agency.additional * min(r, 2) + 1)
        over["workforce.agency.cover_share"] = float(np.clip(c, 0.0, 1.0))
    o = s.demand.assessment_outcomes.model_dump()
    changed = False
    for share, metric in (("cla", "cla_starts"), ("cp", "cp_starts")):
        r = ratio(metric)
        if r:
            o[share] = float(np.clip(o[share] * r, 0.001, 0.4))
            changed = True
    if changed:
        o["cin"] = 1 - o["not_in_need"] - o["cp"] - o["cla"]
        if o["cin"] < 0.02:
            o["not_in_need"] -= 0.02 - o["cin"]
            o["cin"] = 0.02
        o = {k: round(v, 6) for k, v in o.items()}
        o["cin"] = 1 - o["not_in_need"] - o["cp"] - o["cla"]  # exact sum after rounding
        over["demand.assessment_outcomes"] = o
    r = ratio("caseload_per_fte", inverse=True)
    if r:
        over.update(_case_holding_posts(s, r))
    d = s.demand.durations
    for stage, metric in (("cla", "cla_31mar"), ("cp", "cp_31mar"), ("cin", "cin_31mar")):
        r = ratio(metric)
        if r:
            # a stock at 31 March answers to durations less than one for one in a year
            over[f"demand.durations.{stage}"] = _scaled(getattr(d, stage), r ** 1.5)
    return over


def returns_resolved(s: Scenario, council: str, start_year: int) -> dict[str, Any]:
    """The return chance solved again for the fitted paths (``sim init`` solved it for its
    own): the base year's published re-referral rate in steady state; nothing if none is
    published or it is unchanged. Each round runs with it (it changes which new children
    are drawn), so the last round is what the fitted scenario gives."""
    f = dfe.figure(council, "rereferral_pct", str(start_year))
    if math.isnan(f.value):
        return {}
    d = s.demand
    solved = solve_chance(f.value / 100, d.assessment_outcomes, d.transitions, d.durations,
                          d.returns.delay)
    chance = round(solved.chance, 4)
    return {} if chance == round(d.returns.chance, 4) else {"demand.returns.chance": chance}


def _case_holding_posts(s: Scenario, r: float) -> dict[str, Any]:
    """Case-holding posts scaled by r (the total establishment kept), with the workers in
    post on the start date moved between roles to match: the caseload's own rate."""
    est, ws = s.workforce.establishment, s.initial_state.workforce
    total = est.case_holding + est.non_case_holding
    ch = int(np.clip(round(est.case_holding * r), 1, total))
    nch = total - ch
    perm_ch = ws.case_holding.experienced + ws.case_holding.newly_qualified
    perm_nch = ws.non_case_holding.experienced
    perm = perm_ch + perm_nch
    # keep each role's share of vacancies: permanent staff in proportion to the posts
    new_perm_ch = int(np.clip(round(perm * ch / total), ws.case_holding.newly_qualified,
                              min(ch, perm)))
    new_perm_nch = perm - new_perm_ch
    if new_perm_nch > nch:
        new_perm_ch, new_perm_nch = perm - nch, nch
    agency = ws.case_holding.agency + ws.non_case_holding.agency
    room_ch = ch - new_perm_ch + s.workforce.agency.additional
    ag_ch = min(agency, room_ch)
    ag_nch = min(agency - ag_ch, nch - new_perm_nch)
    return {
        "workforce.establishment": {"case_holding": ch, "non_case_holding": nch},
        "initial_state.workforce.case_holding": {
            "experienced": new_perm_ch - ws.case_holding.newly_qualified,
            "newly_qualified": ws.case_holding.newly_qualified, "agency": ag_ch},
        "initial_state.workforce.non_case_holding": {
            "experienced": new_perm_nch, "newly_qualified": 0, "agency": ag_nch},
    }


def calibrated_yaml(original_name: str, fit: Fit, council: str, start_year: int) -> str:
    """A scenario file that extends the original and sets the fitted rates."""
    tree: dict[str, Any] = {}
    for path, value in fit.overrides.items():
        node = tree
        keys = path.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = Commented(value, "calibrated")
    lines = [
        f"# {council}: the rates of {original_name} fitted by `sim calibrate` to the",
        f"# published figures for the first year from 1 April {start_year}.",
        "# Fit (indicator: published -> simulated mean [5th-95th percentile]):",
    ]
    for r in fit.table.itertuples():
        lines.append(f"#   {r.indicator} {r.fy}: {r.published:g} -> {r.simulated:.4g} "
                     f"[{r.p05:.4g}-{r.p95:.4g}]")
    name = fit.scenario.name if fit.scenario.name.endswith("_calibrated") else \
        f"{fit.scenario.name}_calibrated"
    doc = {"extends": Commented(original_name), "name": Commented(name), **tree}
    return "\n".join([*lines, "", *emit(doc)]) + "\n"
