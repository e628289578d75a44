"""Re-referrals as demand: a child whose case closes comes back with the scenario's chance,
after a delay (``demand.returns``, ``sim/model/returns.py``), and a return within 12 months
of the previous referral is a re-referral.

The services here are the tiny one of ``tests/mechanism_scenarios.py`` with referrals
switched on: every assessment lasts 10 days, so the theory is exact — with a delay that
keeps every return inside the 12 months, the steady share of re-referrals is the chance;
with another delay it is the chance times P(10 + delay <= 365), as
``sim/scenario/rereferrals.py`` computes for ``sim init``. The service is in steady state
from the first day (the returns of children closed before the start are drawn), so every
year counts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from sim.data import dfe
from sim.model.randomness import Keyed
from sim.model.returns import REFERRAL
from sim.model.simulation import Service
from sim.scenario import load_scenario
from sim.scenario.rereferrals import return_delay, solve_chance, within_window

from .conftest import SCENARIOS
from .mechanism_scenarios import annual, run, tiny

L = 3000.0  # referrals a year
YEARS = 3
FYS = ("2020-21", "2021-22", "2022-23")


def service(chance: float, delay: Any = 100, **more: Any) -> Any:
    """The tiny service with ``L`` referrals a year, each assessed in 10 days and closed."""
    return tiny({"demand.referrals_per_year": L, "demand.durations.assessment": 10,
                 "demand.returns.chance": chance, "demand.returns.delay": delay,
                 "run.horizon_years": YEARS, "workforce.caps.experienced": 100, **more})


def yearly(s: Any, metric: str, seed: int = 1) -> np.ndarray:
    a = annual(run(s, seed=seed).result)
    return np.array([a[(fy, metric)] for fy in FYS])


def test_nobody_comes_back_no_re_referrals() -> None:
    assert (yearly(service(0.0), "rereferral_rate") == 0).all()
    assert (yearly(service(0.3), "rereferral_rate") > 20).all()


@pytest.mark.parametrize("chance", [0.2, 0.5])
def test_steady_share_is_the_chance_when_every_return_is_within_12_months(chance: float) -> None:
    """Delay 100 days: 10 + 100 <= 365, so every return is a re-referral and the share of
    referrals that are re-referrals is the chance, from the first year (the returns of
    children closed before the start are there); referrals stay at L."""
    s = service(chance)
    share = yearly(s, "rereferral_rate") / 100
    refs = yearly(s, "referrals")
    sd = math.sqrt(chance * (1 - chance) / L)
    assert np.abs(share - chance).max() < 4 * sd, share
    assert abs(refs.mean() / L - 1) < 0.05, refs


def test_steady_share_follows_the_delay_as_the_solver_says() -> None:
    """An exponential delay of mean 460 days: a return is a re-referral only if it comes
    within 355 days of the closure: P = 1 - exp(-355/460) = 0.538. The simulated share is
    the chance times that, and it is what ``within_window`` (sim init's solver) gives."""
    chance = 0.6
    s = service(chance, {"dist": "exponential", "mean": 460})
    d = s.demand
    q = within_window(d.assessment_outcomes, d.transitions, d.durations, d.returns.delay)
    assert q == pytest.approx(1 - math.exp(-355 / 460), abs=2e-3)
    share = yearly(s, "rereferral_rate", seed=3).mean() / 100
    assert share == pytest.approx(chance * q, abs=0.03)
    assert solve_chance(chance * q, d.assessment_outcomes, d.transitions, d.durations,
                        d.returns.delay).chance == pytest.approx(chance, abs=1e-9)


def test_returns_are_referrals_on_top_of_new_children() -> None:
    """With a chance of 0.5 new children arrive at half the level and the children coming
    back make up the rest: referrals are L, of which about L / 2 new."""
    got = run(service(0.5))
    a = got.annual
    refs = got.service.journey.refs
    assert refs is not None
    new = np.histogram(refs.times, bins=[0, 365, 730, 1095])[0]
    total = np.array([a[(fy, "referrals")] for fy in FYS])
    assert abs(new.mean() / (L / 2) - 1) < 0.06, new
    assert abs(total.mean() / L - 1) < 0.05, total
    assert (total > 1.6 * new).all()


def test_a_return_happens_at_its_years_referral_level() -> None:
    """Chance 0.6, a level of 1, then 0.5, then 1.5: returns are drawn up front against
    0.6 x 1.5 / 0.5 (at most 1) and one whose uniform is 0.4 happens within the first year
    (0.4 < 0.6), not in the second for a child referred in the first (0.4 >= 0.6 x 0.5), nor
    in the third for one referred in the first (0.4 < 0.9: it does), and in the third for
    one referred in the second (0.4 < 0.6 x 3)."""
    from sim.model.returns import Returns

    s = service(0.6)
    r = Returns(s.demand, s.costs.placements.mix, 1095.0, 1, 0)
    assert r.chance_max == 0.6
    r.set_level(np.log([1.0, 1.0, 0.5, 1.5]))
    assert r.chance_max == 1.0
    row = r.append(10.0, [0], [10.0])
    r.u_back[row] = 0.4
    assert [r.happens(row, t, last) for t, last in
            ((10.0, -5.0), (400.0, 10.0), (800.0, 10.0), (800.0, 400.0))] == \
        [True, False, True, True]
    r.u_back[row] = 0.7
    assert [r.happens(row, t, last) for t, last in
            ((10.0, -5.0), (800.0, 10.0), (800.0, 400.0))] == [False, True, True]


def test_the_referral_level_moves_the_children_coming_back_too() -> None:
    """A level walk with a large sd: each year's returns follow that year's level as new
    children do, so total referrals move with the level year by year (their ratio to the
    level is steady), not new children alone."""
    s = service(0.5, 30, **{"demand.level": {"walk_sd": 0.4, "noise_sd": 0.0}})
    got = run(s, seed=3)  # a seed whose level moves by more than 30% over the years
    a = got.annual
    r = got.service.journey.returns
    assert r is not None and r.chance_max > 0.5
    level = np.array(r.levels[1:YEARS + 1])
    total = np.array([a[(fy, "referrals")] for fy in FYS])
    assert level.max() / level.min() > 1.3  # the level moved
    ratio = total / (L * level)
    assert (abs(ratio - 1) < 0.08).all(), (total, level)  # with chance x level: up to 1.7


def test_closing_at_assessment_brings_children_back_within_12_months() -> None:
    """Half the assessments lead to a 300-day child-in-need plan: those children come back
    410 days after their referral, no re-referral; the other half close after 10 days and
    come back within 110. A front door that closes more at assessment (0.8 not in need)
    raises the re-referral rate from 0.5 x chance to 0.8 x chance: an outcome."""
    chance = 0.4
    shares = []
    for nin in (0.5, 0.8):
        s = service(chance, **{"demand.assessment_outcomes": {
            "not_in_need": nin, "cin": round(1 - nin, 6), "cp": 0, "cla": 0},
            "demand.durations.cin": 300})
        shares.append(yearly(s, "rereferral_rate")[1:].mean() / 100)  # past the first year
    assert shares[0] == pytest.approx(0.5 * chance, abs=0.025)
    assert shares[1] == pytest.approx(0.8 * chance, abs=0.025)


def _chains(svc: Service) -> dict[int, list[tuple[float, tuple[int, ...], tuple[float, ...]]]]:
    """Each referred child's returns (delay, stages, durations), by candidate number."""
    j = svc.journey
    r = j.returns
    assert j.refs is not None and r is not None
    out = {}
    for key, row in zip(j.refs.keys, j.ref_returns, strict=True):
        chain = []
        while row >= 0:
            chain.append((r.delay[row], tuple(r.stages[row]), tuple(r.durations[row])))
            row = r.next[row]
        out[key] = chain
    return out


def test_common_random_numbers_a_child_comes_back_the_same_in_two_scenarios() -> None:
    """An early-help cut (more new children: a 30% cut with an elasticity of 1) and more
    workers: every child of the first scenario is in the second, among others drawn
    between them, and comes back after the same delays on the same paths."""
    base = service(0.5, {"dist": "exponential", "mean": 200},
                   **{"demand.durations.assessment": {"dist": "exponential", "mean": 10}})
    other = service(0.5, {"dist": "exponential", "mean": 200}, **{
        "demand.durations.assessment": {"dist": "exponential", "mean": 10},
        "interventions.early_help.base_budget": 100, "interventions.early_help.elasticity": 1,
        "interventions.early_help.changes": [{"start": "2020-04-01", "annual_change": -30}],
        "workforce.establishment.case_holding": 3,
        "initial_state.workforce.case_holding.experienced": 3})
    a, b = _chains(run(base).service), _chains(run(other).service)
    assert set(a) <= set(b)
    assert len(b) > 1.3 * len(a)  # the cut drew more children
    assert sum(len(chain) for chain in a.values()) > 2000  # many come back, some often
    assert all(a[k] == b[k] for k in a)


def test_keyed_uniforms_depend_only_on_the_key() -> None:
    k = Keyed(7, 2, f"returns/{REFERRAL}")
    every = k.uniforms(np.arange(1000), 1, 5)
    some = k.uniforms(np.array([999, 3, 500]), 1, 5)
    assert np.array_equal(some, every[[999, 3, 500]])
    assert not np.array_equal(k.uniforms(np.arange(3), 2, 5), every[:3])  # another return
    assert abs(every.mean() - 0.5) < 0.02


def test_baseline_chance_is_solved_from_its_published_share() -> None:
    """scenarios/baseline.yaml's chance is what the solver gives for c1 2019's 25.8%."""
    s = load_scenario(SCENARIOS / "baseline.yaml")
    d = s.demand
    published = dfe.figure("West Sussex", "rereferral_pct", "2019").value / 100
    solved = solve_chance(published, d.assessment_outcomes, d.transitions, d.durations,
                          return_delay())
    assert d.returns.chance == pytest.approx(solved.chance, abs=5e-4)
    assert d.returns.delay == return_delay()


def test_calibrate_solves_the_chance_again_for_the_fitted_paths() -> None:
    """``sim calibrate`` changes paths (here: child-in-need plans half as long, so more
    returns come within 12 months): the chance is solved again for them, to the same
    published share; the baseline's own paths need no change."""
    from sim.experiment.calibration import returns_resolved
    from sim.scenario.loader import with_overrides

    s = load_scenario(SCENARIOS / "baseline.yaml")
    assert returns_resolved(s, "West Sussex", 2019) == {}
    shorter = with_overrides(s, {"demand.durations.cin": {"dist": "lognormal", "mean": 73,
                                                          "sd": 60}})
    got = returns_resolved(shorter, "West Sussex", 2019)["demand.returns.chance"]
    d = shorter.demand
    q = within_window(d.assessment_outcomes, d.transitions, d.durations, d.returns.delay)
    assert got < s.demand.returns.chance
    assert got * q == pytest.approx(0.258, abs=1e-4)
