"""The referral level as a process (demand.level): a random walk plus each year's passing
deviation on the log level, drawn per replication; and its size from councils' published
referrals up to the start year (sim/scenario/referral_level.py)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.calendar import Calendar
from sim.model.demand import draw_referrals, level_at, level_path
from sim.model.randomness import stream
from sim.scenario.referral_level import _changes, pooled_autocorrelation, referral_level

from .mechanism_scenarios import tiny


def demand(walk: float, noise: float, per_year: float = 1.0):
    return tiny({"demand.level": {"walk_sd": walk, "noise_sd": noise},
                 "demand.referrals_per_year": per_year}).demand


def paths(walk: float, noise: float, n: int = 4_000, years: int = 4) -> np.ndarray:
    d = demand(walk, noise)
    return np.array([level_path(d, years, stream(1, r, "referral_level")) for r in range(n)])


def test_no_level_no_path_and_every_path_starts_at_zero():
    assert level_path(tiny().demand, 3, np.random.default_rng(0)) is None
    p = level_path(demand(0.1, 0.05), 3, np.random.default_rng(0))
    assert p is not None and len(p) == 4 and p[0] == 0.0


def test_a_longer_run_extends_the_path_of_a_shorter_one():
    d = demand(0.1, 0.05)
    short = level_path(d, 2, stream(7, 3, "referral_level"))
    long = level_path(d, 5, stream(7, 3, "referral_level"))
    assert short is not None and long is not None
    assert np.array_equal(long[:3], short)


def test_a_walk_spreads_with_the_years_a_passing_deviation_does_not():
    walk = paths(0.1, 0.0).var(axis=0)
    assert walk[1:] == pytest.approx([0.01, 0.02, 0.03, 0.04], rel=0.12)
    # a run year's passing deviation is relative to the base year's own: variance 2 noise²
    noise = paths(0.0, 0.1).var(axis=0)
    assert noise[1:] == pytest.approx([0.02] * 4, rel=0.12)
    both = paths(0.1, 0.1).var(axis=0)
    assert both[1:] == pytest.approx([0.03, 0.04, 0.05, 0.06], rel=0.12)


def test_each_run_year_holds_its_own_level():
    """Level 0 is the 12 months before the start; run year k holds level k + 1."""
    path = np.array([0.0, np.log(2.0), np.log(0.5)])
    assert level_at(path, np.array([0.0, 364.9, 365.0, 729.9, 730.0, 5000.0])) == \
        pytest.approx([2.0, 2.0, 0.5, 0.5, 0.5, 0.5])


def test_yearly_changes_have_the_spread_and_autocorrelation_they_were_sized_from():
    """The level's yearly log changes: variance walk² + 2 noise² and lag-1 autocorrelation
    -noise² / that (referral_level.py's reading of councils' yearly totals)."""
    x = paths(0.1, 0.05, years=4)
    d = np.diff(x, axis=1)  # changes between years, the first from the base year's
    var = 0.1 ** 2 + 2 * 0.05 ** 2
    assert d.var(axis=0) == pytest.approx([var] * 4, rel=0.1)  # the first change too
    r = np.corrcoef(d[:, 1:].ravel(), d[:, :-1].ravel())[0, 1]
    assert r == pytest.approx(-0.05 ** 2 / var, abs=0.05)


@pytest.mark.parametrize("chance", [0.0, 0.5])
def test_referrals_follow_the_drawn_level(chance: float):
    """20,000 referrals a year with a steep walk: each year's count of new children is what
    the level's path gives (times 1 - the return chance: the rest come back), within
    Poisson noise."""
    s = tiny({"demand.level": {"walk_sd": 0.4, "noise_sd": 0.0},
              "demand.referrals_per_year": 20_000, "run.horizon_years": 3,
              "demand.returns.chance": chance})
    d = s.demand
    cal = Calendar(s.run.start_date, s.run.horizon_years)
    refs = draw_referrals(d, cal, lambda t: np.ones_like(t), stream(1, 0, "referrals"),
                          stream(1, 0, "cases"), s.costs.placements.mix,
                          level=level_path(d, 5, stream(1, 0, "referral_level")))
    path = level_path(d, 3, stream(1, 0, "referral_level"))
    assert path is not None
    t = np.array(refs.times)
    grid = np.arange(0.5, 365 * 3, 1.0)
    for k in range(3):
        got = ((t >= 365 * k) & (t < 365 * (k + 1))).sum()
        expected = 20_000 * (1 - chance) / 365 * level_at(path, grid[(grid >= 365 * k) &
                                                                  (grid < 365 * (k + 1))]).sum()
        assert got == pytest.approx(expected, rel=4 / np.sqrt(expected))


def test_a_level_that_never_moves_changes_nothing():
    s = tiny({"demand.referrals_per_year": 5_000})
    still = tiny({"demand.referrals_per_year": 5_000,
                  "demand.level": {"walk_sd": 0.0, "noise_sd": 0.0}})
    cal = Calendar(s.run.start_date, s.run.horizon_years)

    def draw(sc, level):
        return draw_referrals(sc.demand, cal, lambda t: np.ones_like(t),
                              stream(1, 0, "referrals"), stream(1, 0, "cases"),
                              sc.costs.placements.mix, level=level)

    assert draw(s, None).times == draw(still, level_path(still.demand, 5,
                                                          stream(1, 0, "referral_level"))).times


def test_the_spread_comes_from_years_up_to_the_start_only():
    assert max(_changes(2016).columns) == "2016"
    assert max(_changes(2019).columns) == "2019"
    lv = referral_level("West Sussex", 2019)
    r = pooled_autocorrelation(2019)
    assert -0.45 <= r <= 0
    # walk and passing deviation add back to the shrunk variance of a year's change
    shrunk = lv.walk_sd ** 2 + 2 * lv.noise_sd ** 2
    assert lv.noise_sd ** 2 == pytest.approx(-r * shrunk, rel=1e-3)
    assert "West Sussex" not in lv.note and "0.105 over 6 years" in lv.note


def test_sim_init_writes_a_level_and_no_trend():
    import yaml

    from sim.scenario.council import council_scenario

    raw = yaml.safe_load(council_scenario("Barnsley", 2019).yaml)
    assert raw["demand"]["trend_pct_per_year"] == 0
    lv = referral_level("Barnsley", 2019)
    assert raw["demand"]["level"] == {"walk_sd": lv.walk_sd, "noise_sd": lv.noise_sd}
