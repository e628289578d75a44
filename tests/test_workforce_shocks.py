"""Year-to-year moves of the workforce (workforce.shocks): posts on a random walk, a year's
fill chance, agency cover and leaving, drawn per replication from their own stream; and their sizes
from the published workforce censuses before the start."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.calendar import Calendar
from sim.model.randomness import stream
from sim.model.simulation import Service
from sim.scenario.workforce_shocks import workforce_shocks

from .mechanism_scenarios import EPS, run, tiny

E0 = 20


def shocked(**sd: float):
    return tiny({"workforce.shocks": {"establishment_sd": 0.0, "fill_sd": 0.0,
                                      "agency_cover_sd": 0.0, **sd},
                 "workforce.establishment.case_holding": E0,
                 "initial_state.workforce.case_holding": {"experienced": E0,
                                                          "newly_qualified": 0, "agency": 0},
                 "workforce.agency.cover_share": 0.5,
                 "workforce.recruitment.fill_probability": 0.4,
                 "run.horizon_years": 4})


def live_posts(svc: Service) -> int:
    return sum(1 for p in svc.workforce.posts if not (p.closing or p.removed or p.agency_only))


def draws(s, years: int = 4) -> np.ndarray:
    return stream(s.run.seed, 0, "workforce_shocks").standard_normal((years + 1, 4))


def test_posts_follow_a_random_walk_from_each_anniversary():
    s = shocked(establishment_sd=0.3)
    cal = Calendar(s.run.start_date, s.run.horizon_years)
    times = [cal.anniversary(k) for k in (1, 2, 3)]
    seen = run(s, {**{t - EPS: live_posts for t in times},
                   **{t + EPS: live_posts for t in times}}).seen
    walk = np.cumsum(0.3 * draws(s)[1:4, 0])
    expected = [E0 + round(E0 * (math.exp(w) - 1)) for w in walk]
    assert [seen[t + EPS] for t in times] == expected
    assert seen[times[0] - EPS] == E0  # nothing moves before the first anniversary
    assert [seen[t - EPS] for t in times[1:]] == expected[:-1]


def test_a_years_fill_chance_and_agency_cover_are_drawn_around_the_scenarios():
    s = shocked(fill_sd=0.4, agency_cover_sd=0.2)
    cal = Calendar(s.run.start_date, s.run.horizon_years)
    times = [cal.anniversary(k) + EPS for k in (1, 2, 3)]

    def look(svc: Service) -> tuple[float, float, float]:
        wf = svc.workforce
        return wf.recruiting.fill_factor, wf.cover_share, wf.recruiting.at(svc.env.now)[0]

    seen = run(s, {t: look for t in times}).seen
    z = draws(s)
    for k, t in enumerate(times, start=1):
        factor, cover, p = seen[t]
        assert factor == pytest.approx(math.exp(0.4 * z[k, 1]))
        assert cover == pytest.approx(min(1.0, max(0.0, 0.5 + 0.2 * z[k, 2])))
        assert p == pytest.approx(min(1.0, 0.4 * factor))
    # the year's own: not a walk
    assert seen[times[1]][0] == pytest.approx(math.exp(0.4 * z[2, 1]))


def test_a_years_leaving_hazard_is_multiplied_by_its_shock():
    """Each worker's hazard for the next four weeks is read at the look-ahead: with a
    shock of exp(0.5 z) in year k, the hazard used over a look-ahead after the anniversary
    is the base hazard times that factor (times 28/365 of a year)."""
    s = tiny({"workforce.shocks": {"establishment_sd": 0.0, "fill_sd": 0.0,
                                   "agency_cover_sd": 0.0, "leaving_sd": 0.5},
              "workforce.leaving.annual_hazard.experienced": 0.1,
              "run.horizon_years": 3})
    cal = Calendar(s.run.start_date, s.run.horizon_years)
    z = draws(s, 3)
    for k in (1, 2):
        t = cal.anniversary(k)

        def used(svc: Service) -> list[float]:
            for w in svc.workforce.permanent.values():
                w.exhaustion = math.inf  # nobody leaves; the hazard accrues
            return [w.hazard_used for w in svc.workforce.permanent.values()]

        seen = run(s, {t + EPS: used, t + 57: used}).seen
        factor = math.exp(0.5 * z[k, 3])
        assert seen[t + EPS] and all(
            b - a == pytest.approx(2 * 0.1 * factor * 28 / 365)
            for a, b in zip(seen[t + EPS], seen[t + 57], strict=True))
        assert factor != pytest.approx(1.0)


def test_without_shocks_the_workforce_does_not_move():
    s = tiny({"workforce.establishment.case_holding": E0,
              "initial_state.workforce.case_holding": {"experienced": E0,
                                                       "newly_qualified": 0, "agency": 0},
              "run.horizon_years": 3})
    seen = run(s, {800.0: live_posts}).seen
    assert seen[800.0] == E0


def test_sizes_come_from_censuses_before_the_start_only():
    a, b = workforce_shocks(2019), workforce_shocks(2020)
    assert "csww 2017-2018" in a.note and "csww 2017-2019" in b.note
    assert 0 < a.establishment_sd < 0.5 and 0 < a.fill_sd < 2 and 0 < a.agency_cover_sd < 1
    with pytest.raises(ValueError):
        workforce_shocks(2018)  # one census before it: no change to measure


def test_sim_init_writes_the_shocks_where_two_censuses_allow():
    import yaml

    from sim.scenario.council import council_scenario

    sh = workforce_shocks(2019)
    raw = yaml.safe_load(council_scenario("Barnsley", 2019).yaml)
    assert raw["workforce"]["shocks"] == {"establishment_sd": sh.establishment_sd,
                                          "fill_sd": sh.fill_sd,
                                          "agency_cover_sd": sh.agency_cover_sd,
                                          "leaving_sd": sh.leaving_sd}
    assert "shocks" not in yaml.safe_load(council_scenario("Barnsley", 2018).yaml)["workforce"]
