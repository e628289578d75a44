"""Calibration (``sim calibrate``): the fit converges on the published first year, each
step moves every rate towards its indicator, and the file it writes extends the original.

The fit runs on Rutland (358 referrals in 2019), the smallest council with every target
published, with 4 replications a round: a few seconds. Its counts are small (25 posts, so
one vacancy is 4 points), so the tolerances are wider than `sim calibrate`'s defaults.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from sim.data import dfe
from sim.experiment.calibration import (
    DAMPING,
    ROUNDS,
    Fit,
    Target,
    _update,
    calibrate,
    calibrated_yaml,
    targets,
)
from sim.experiment.runner import run_many
from sim.scenario import Scenario, load_scenario, with_overrides
from sim.scenario.council import council_scenario

COUNCIL, YEAR, REPS = "Rutland", 2019, 4
TOL_PCT, TOL_POINTS = 12.0, 5.0


def off_by(t: Target, simulated: float, published: float) -> float:
    """How far an indicator is from its target, in its own unit (points or %)."""
    return abs(simulated - published) if t.points else 100 * abs(simulated / published - 1)


def within(t: Target, simulated: float, published: float) -> bool:
    return off_by(t, simulated, published) <= (TOL_POINTS if t.points else TOL_PCT)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory) -> tuple[Path, Scenario, Fit]:
    """Rutland's `sim init` scenario, written to a file, and its fit."""
    path = tmp_path_factory.mktemp("council") / "rutland.yaml"
    path.write_text(council_scenario(COUNCIL, YEAR).yaml)
    s = load_scenario(path)
    fit = calibrate(s, COUNCIL, YEAR, reps=REPS, jobs=1, final_reps=REPS,
                    tolerance_pct=TOL_PCT, tolerance_points=TOL_POINTS)
    return path, s, fit


def test_calibration_converges_on_the_published_first_year(fitted) -> None:
    _, s, fit = fitted
    goals = [(t, dfe.figure(COUNCIL, t.measure, t.period, fallback=False).value)
             for t in targets(YEAR)]
    assert not any(math.isnan(v) for _, v in goals) and fit.notes == []
    # the scenario as `sim init` wrote it was off, and the fit stopped because it was done
    assert not all(within(t, fit.rounds[0][t.metric], v) for t, v in goals)
    assert len(fit.rounds) <= ROUNDS
    assert all(within(t, fit.rounds[-1][t.metric], v) for t, v in goals)  # done, not out of rounds
    # the returned scenario, run again as the rounds ran it (the same replications, the
    # uncertain effects at their central values), lands within tolerance of every target
    again = with_overrides(fit.scenario, {"run.horizon_years": 2})
    a = run_many({"x": again}, REPS, s.run.seed, 1, fixed_parameters=True)["x"].annual
    means = a.groupby(["metric", "fy"]).value.mean()
    for t, v in goals:
        assert within(t, means[(t.metric, t.fy)], v), (t.metric, means[(t.metric, t.fy)], v)
    # the fit table: one row per target, errors in the target's unit, and an interval
    table = fit.table.set_index("indicator")
    assert list(table.index) == [t.metric for t, _ in goals]
    for t, v in goals:
        r = table.loc[t.metric]
        assert r.published == v and r.fy == t.fy and r.published_period == t.period
        want = r.simulated - v if t.points else 100 * (r.simulated / v - 1)
        assert r.error == pytest.approx(want)
        assert r.error_unit == ("points" if t.points else "%")
        assert r.p05 <= r.simulated <= r.p95


def _flat(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, dict):
        return {k: v for key, x in d.items() for k, v in _flat(x, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): d}


def test_calibrated_scenario_extends_the_original_and_validates(fitted) -> None:
    path, s, fit = fitted
    text = calibrated_yaml(path.name, fit, COUNCIL, YEAR)
    out = path.with_name("rutland_calibrated.yaml")
    out.write_text(text)
    doc = yaml.safe_load(text)
    assert doc["extends"] == "rutland.yaml"
    # only the fitted rates are written; the rest comes from the original
    assert set(doc) - {"extends", "name"} == {k.split(".")[0] for k in fit.overrides}
    loaded = load_scenario(out)
    assert loaded.name == f"{s.name}_calibrated"
    got, want = _flat(loaded.model_dump()), _flat(fit.scenario.model_dump())
    assert got.keys() == want.keys()
    for k, v in want.items():
        if k == "name":
            continue
        if isinstance(v, float):  # rates are written to 6 significant digits
            assert got[k] == pytest.approx(v, rel=1e-5), k
        else:
            assert got[k] == v, k
    assert any(got[k] != v for k, v in _flat(s.model_dump()).items() if k != "name")
    for r in fit.table.itertuples():  # the fit is summarised at the top of the file
        assert f"#   {r.indicator} {r.fy}: {r.published:g} -> " in text


# --- one fixed-point step -------------------------------------------------------------

WANT = 20.0  # every published figure, in the step below: only the ratios matter


def central(x: Any) -> float:
    return float(x) if isinstance(x, int | float) else float(x.mean_value())


READ = {
    "leaving": lambda s: central(s.workforce.leaving.annual_hazard.experienced),
    "leaving_nq": lambda s: central(s.workforce.leaving.annual_hazard.newly_qualified),
    "fill": lambda s: central(s.workforce.recruitment.fill_probability),
    "cover": lambda s: central(s.workforce.agency.cover_share),
    "additional": lambda s: s.workforce.agency.additional,
    "cla_share": lambda s: s.demand.assessment_outcomes.cla,
    "cp_share": lambda s: s.demand.assessment_outcomes.cp,
    "case_holding": lambda s: s.workforce.establishment.case_holding,
    "cla_days": lambda s: central(s.demand.durations.cla),
    "cp_days": lambda s: central(s.demand.durations.cp),
    "cin_days": lambda s: central(s.demand.durations.cin),
}


def step(s: Scenario, **simulated: float) -> Scenario:
    """The scenario after one step in which every indicator is on target except those
    given (as simulated value / published value)."""
    goals = [(t, WANT) for t in targets(YEAR)]
    sim = {t.metric: WANT * simulated.get(t.metric, 1.0) for t in targets(YEAR)}
    return with_overrides(s, _update(s, {}, goals, sim))


# (indicator, simulated/published, the rate it moves, which way: +1 up, -1 down)
MOVES = [
    ("turnover_rate", 0.5, "leaving", +1),
    ("turnover_rate", 0.5, "leaving_nq", +1),
    ("turnover_rate", 1.5, "leaving", -1),
    ("vacancy_rate", 1.5, "fill", +1),  # too many vacancies: fill them more often
    ("vacancy_rate", 0.5, "fill", -1),
    ("agency_rate", 0.8, "cover", +1),
    ("agency_rate", 1.5, "cover", -1),
    ("cla_starts", 0.5, "cla_share", +1),
    ("cp_starts", 2.0, "cp_share", -1),
    ("caseload_per_fte", 1.5, "case_holding", +1),  # caseloads too high: more case holders
    ("caseload_per_fte", 0.5, "case_holding", -1),
    ("cla_31mar", 0.5, "cla_days", +1),
    ("cp_31mar", 2.0, "cp_days", -1),
    ("cin_31mar", 0.5, "cin_days", +1),
]


# rates that one indicator moves together (the pathway shares sum to one; agency beyond
# vacancies comes in when all are covered)
TOGETHER = {
    "turnover_rate": {"leaving", "leaving_nq"},
    "cla_starts": {"cla_share", "cp_share"},
    "cp_starts": {"cla_share", "cp_share"},
    "agency_rate": {"cover", "additional"},
}


@pytest.mark.parametrize("indicator, ratio, rate, sign", MOVES,
                         ids=[f"{m[0]}x{m[1]}-{m[2]}" for m in MOVES])
def test_a_step_moves_each_rate_towards_its_indicator(baseline, indicator, ratio, rate,
                                                      sign) -> None:
    after = step(baseline, **{indicator: ratio})
    before = READ[rate](baseline)
    assert (READ[rate](after) - before) * sign > 0, (rate, before, READ[rate](after))
    # the rates whose indicators were on target are left as they were
    moves_too = TOGETHER.get(indicator, set())
    for other, read in READ.items():
        if other != rate and other not in moves_too:
            assert read(after) == pytest.approx(read(baseline)), other


def test_a_step_is_damped(baseline) -> None:
    """Half the turnover wanted scales the leaving hazard by 2**DAMPING (< 2): a step goes
    part of the way, so noise in one round cannot make the next overshoot."""
    after = step(baseline, turnover_rate=0.5)
    got = READ["leaving"](after) / READ["leaving"](baseline)
    assert got == pytest.approx(2 ** DAMPING) and 1 < got < 2
    far = step(baseline, turnover_rate=0.01)  # a hundred times off: at most 4x a step
    assert READ["leaving"](far) / READ["leaving"](baseline) == pytest.approx(4 ** DAMPING)


def test_a_step_keeps_the_pathway_shares_summing_to_one(baseline) -> None:
    after = step(baseline, cla_starts=0.5, cp_starts=0.5)
    o, o0 = after.demand.assessment_outcomes, baseline.demand.assessment_outcomes
    assert o.cla > o0.cla and o.cp > o0.cp and o.not_in_need == o0.not_in_need
    assert o.cin < o0.cin
    assert o.not_in_need + o.cin + o.cp + o.cla == pytest.approx(1, abs=1e-12)


def test_a_step_adds_agency_beyond_vacancies_when_all_are_covered(baseline) -> None:
    """The baseline covers 90% of vacancies: far too little agency needs more than all."""
    after = step(baseline, agency_rate=0.5)
    assert READ["cover"](after) == 1.0
    assert READ["additional"](after) > READ["additional"](baseline)


def test_a_step_on_caseload_keeps_the_establishment_and_the_staff(baseline) -> None:
    after = step(baseline, caseload_per_fte=1.5)
    e, e0 = after.workforce.establishment, baseline.workforce.establishment
    assert e.case_holding > e0.case_holding
    assert e.case_holding + e.non_case_holding == e0.case_holding + e0.non_case_holding
    w, w0 = after.initial_state.workforce, baseline.initial_state.workforce

    def permanent(x) -> int:
        return sum(r.experienced + r.newly_qualified for r in (x.case_holding,
                                                               x.non_case_holding))

    assert permanent(w) == permanent(w0)
    assert w.case_holding.newly_qualified == w0.case_holding.newly_qualified
    assert w.case_holding.agency + w.non_case_holding.agency == \
        w0.case_holding.agency + w0.non_case_holding.agency
    assert w.case_holding.experienced > w0.case_holding.experienced  # staff follow the posts


def test_an_indicator_not_simulated_leaves_its_rate_alone(baseline) -> None:
    goals = [(t, WANT) for t in targets(YEAR)]
    sim = {t.metric: WANT for t in targets(YEAR)}
    sim["turnover_rate"] = float("nan")
    over = _update(baseline, {}, goals, sim)
    assert not any(k.startswith("workforce.leaving") for k in over)


def test_an_interrupted_fit_resumes_to_the_same_result(fitted, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Each round's replications are saved as they finish (`sim calibrate --resume`): a fit
    stopped part-way, run again over what it saved, reads those back and ends where an
    uninterrupted fit does."""
    from sim.experiment.checkpoint import Checkpoint, identity_digest

    _, s, ref = fitted

    def save_to(sc: Scenario, fixed: bool) -> Checkpoint:
        return Checkpoint.reuse(tmp_path / identity_digest(sc, sc.run.seed, fixed), sc,
                                sc.run.seed, fixed)

    real_save, saves = Checkpoint.save, []

    def stop_at_the_sixth(self: Checkpoint, result) -> None:
        if len(saves) == 5:
            raise KeyboardInterrupt
        saves.append(result.replication)
        real_save(self, result)

    def fit() -> Fit:
        return calibrate(s, COUNCIL, YEAR, reps=REPS, jobs=1, final_reps=REPS,
                         tolerance_pct=TOL_PCT, tolerance_points=TOL_POINTS, save_to=save_to)

    with monkeypatch.context() as m:
        m.setattr(Checkpoint, "save", stop_at_the_sixth)
        with pytest.raises(KeyboardInterrupt):
            fit()
    assert len(list(tmp_path.rglob("r*.npz"))) == 5
    real_take, taken = Checkpoint.take, []

    def counting_take(self: Checkpoint, replication: int):
        res = real_take(self, replication)
        taken.append(res is not None)
        return res

    monkeypatch.setattr(Checkpoint, "take", counting_take)
    again = fit()
    assert sum(taken) == 5  # what was saved is read back, not run again
    pd.testing.assert_frame_equal(again.table, ref.table, check_exact=True)
    assert again.overrides == ref.overrides
