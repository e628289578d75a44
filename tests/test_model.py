"""The model: reproducible, conserving, respecting caps, sharing its random numbers, and
moving each measure the expected way when an intervention is switched on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import simulate
from sim.model.calendar import Calendar
from sim.model.demand import draw_referrals
from sim.model.interventions import early_help_multiplier
from sim.model.randomness import stream
from sim.model.simulation import Service
from sim.model.uncertainty import draw_parameters

from .conftest import variant


def annual(s, rep=0, seed=None):
    return simulate(s, rep, seed).annual.set_index(["fy", "metric"])["value"]


def test_same_seed_same_results(one_year) -> None:
    a, b = simulate(one_year, 3), simulate(one_year, 3)
    pd.testing.assert_frame_equal(a.annual, b.annual)
    pd.testing.assert_frame_equal(a.weekly, b.weekly)
    assert a.parameters == b.parameters


def test_other_seed_or_replication_differs(one_year) -> None:
    a = annual(one_year, 0)
    assert not a.equals(annual(one_year, 1))
    assert not a.equals(annual(one_year, 0, seed=12345))


def test_every_measure_is_reported(baseline) -> None:
    from sim.model.measures import ANNUAL_METRICS, WEEKLY_METRICS

    r = simulate(variant(baseline, run__horizon_years=2.5), 0)
    assert set(r.annual["metric"]) == set(ANNUAL_METRICS)
    assert set(r.weekly["metric"]) == set(WEEKLY_METRICS)
    fys = set(r.annual["fy"])
    assert fys == {"2019-20", "2020-21", "2021-22"}
    # flows need a whole simulated year: turnover to 30 Sept 2019 starts before the run
    first = r.annual[(r.annual.fy == "2019-20")]
    assert "turnover_rate" not in set(first.metric)
    assert "referrals" in set(first.metric)
    # the third financial year is only half simulated: stocks at 31 March 2022 are absent
    third = r.annual[r.annual.fy == "2021-22"]
    assert set(third.metric) <= {"inpost_fte", "agency_fte", "vacancy_rate", "agency_rate",
                                 "caseload_per_fte", "over_cap_share", "starters_fte",
                                 "leavers_fte", "turnover_rate"}


def _referrals(s, rep: int, seed: int = 7):
    resolved, _ = draw_parameters(s, seed, rep)
    cal = Calendar(resolved.run.start_date, resolved.run.horizon_years)
    return draw_referrals(
        resolved.demand, cal, early_help_multiplier(resolved.interventions.early_help, cal),
        stream(seed, rep, "referrals"), stream(seed, rep, "cases"), resolved.costs.placements.mix)


def test_policy_changes_leave_referrals_identical(one_year) -> None:
    """Common random numbers: a policy that does not touch demand sees the same children."""
    ret = variant(one_year, interventions__retention__annual_spend=5e6,
                  workforce__establishment__case_holding=400)
    for rep in range(1):
        a, b = _referrals(one_year, rep), _referrals(ret, rep)
        assert a.times == b.times and a.stages == b.stages and a.durations == b.durations
        sa, sb = simulate(one_year, rep), simulate(ret, rep)
        ra = sa.annual[sa.annual.metric == "referrals"].reset_index(drop=True)
        rb = sb.annual[sb.annual.metric == "referrals"].reset_index(drop=True)
        pd.testing.assert_frame_equal(ra, rb)


def test_longer_horizon_keeps_every_earlier_referral(short) -> None:
    a = _referrals(short, 0)
    b = _referrals(variant(short, run__horizon_years=3.5), 0)
    n = len(a.times)
    assert b.times[:n] == a.times and b.stages[:n] == a.stages and len(b.times) > n


def test_early_help_cut_adds_referrals_and_keeps_the_rest(short) -> None:
    """Thinning: a demand increase keeps every child of the baseline and adds others."""
    cut = variant(short, interventions__early_help__changes=[
        {"start": "2019-04-01", "annual_change": -8e6}])
    a, b = _referrals(short, 0), _referrals(cut, 0)
    assert len(b.times) > len(a.times)
    kept = {t: i for i, t in enumerate(b.times)}
    assert all(t in kept for t in a.times)
    i = a.times.index(a.times[len(a.times) // 2])
    j = kept[a.times[i]]
    assert a.stages[i] == b.stages[j] and a.durations[i] == b.durations[j]


def test_parameter_draws_shared_across_scenarios(short) -> None:
    ret = variant(short, interventions__retention__annual_spend=5e6)
    for rep in range(3):
        assert draw_parameters(short, 1, rep)[1] == draw_parameters(ret, 1, rep)[1]
    draws = [draw_parameters(short, 1, rep)[1]["interventions.retention.hazard_ratio"]
             for rep in range(3)]
    assert len(set(draws)) == 3
    fixed = draw_parameters(short, 1, 0, fixed=True)[1]
    # central values are means: uniform(0.75, 1.0) has its mean at 0.875, triangular(0, 0.027,
    # 0.101) at 0.0427
    assert fixed["interventions.retention.hazard_ratio"] == pytest.approx(0.875)
    assert fixed["interventions.early_help.elasticity"] == pytest.approx(0.128 / 3)


def test_uncertain_duration_multiplier_is_drawn_and_applied(short) -> None:
    s = variant(short, workforce__agency__stay_days={
        "dist": "lognormal", "mean": 180, "sd": 120,
        "multiplier": {"dist": "uniform", "low": 0.5, "high": 1.5}})
    resolved, values = draw_parameters(s, 1, 0)
    x = values["workforce.agency.stay_days.multiplier"]
    assert 0.5 <= x <= 1.5
    assert resolved.workforce.agency.stay_days.mean_value() == pytest.approx(180 * x)
    assert draw_parameters(s, 1, 0, fixed=True)[1]["workforce.agency.stay_days.multiplier"] == 1.0


def test_conservation(short) -> None:
    t = simulate(short, 0).totals
    assert t["initial_open"] + t["referrals"] == t["closed"] + t["open"]
    assert t["open"] == t["waiting"] + t["allocated"]


class Checked(Service):
    """A service that checks its invariants every simulated week."""

    def __init__(self, *a, **k) -> None:
        super().__init__(*a, **k)
        self.checks = 0

    def _week(self) -> None:
        super()._week()
        self.verify()

    def verify(self) -> None:
        self.checks += 1
        rec = self.rec
        assert self.initial_cases + rec.total_referrals == rec.total_closed + len(
            self.open_cases)
        assert len(self.open_cases) == self.alloc.n_waiting + self.alloc.n_allocated
        assert all(n >= 0 for n in self.n_open)
        assert sum(self.n_open) == len(self.open_cases)
        exp, nq, ag = self.workforce.counts()
        assert min(exp, nq, ag) >= 0
        limit = max(getattr(self.s.allocation.overflow, t) for t in
                    ("assessment", "cin", "cp", "cla"))
        for w in self.workforce.case_holders.values():
            assert len(w.cases) <= int(w.cap * limit + 1e-9), (w, limit)
        waiting = sum(1 for c in self.open_cases.values() if c.queued)
        assert waiting == self.alloc.n_waiting


def run_checked(s, rep=0, seed=1) -> Checked:
    resolved, _ = draw_parameters(s, seed, rep)
    svc = Checked(resolved, seed, rep)
    svc.run()
    svc.verify()
    return svc


def test_caps_hold_when_no_overflow_is_allowed(one_year) -> None:
    strict = variant(one_year, demand__referrals_per_year=14000, allocation__overflow={
        "assessment": 1, "cin": 1, "cp": 1, "cla": 1})
    svc = run_checked(strict)
    assert svc.checks >= 52  # checked every week of the year
    assert svc.alloc.n_waiting > 0  # the cap binds: some cases wait
    loads = [len(w.cases) - w.cap for w in svc.workforce.case_holders.values()]
    assert max(loads) <= 0


def test_overflow_lets_urgent_cases_exceed_the_cap(one_year) -> None:
    svc = run_checked(variant(one_year, demand__referrals_per_year=14000))
    over = [w for w in svc.workforce.case_holders.values() if len(w.cases) > w.cap]
    assert over


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(
    referrals=st.floats(500, 4000),
    cap=st.integers(3, 25),
    hazard=st.floats(0, 0.6),
    overflow=st.floats(1, 2),
    cover=st.floats(0, 1),
    clock=st.sampled_from(["from_allocation", "from_referral"]),
    seed=st.integers(0, 2**31),
)
def test_invariants_hold_for_random_scenarios(baseline, referrals, cap, hazard, overflow, cover,
                                              clock, seed) -> None:
    s = variant(
        baseline, run__horizon_years=0.75, demand__referrals_per_year=referrals,
        workforce__caps={"experienced": cap, "newly_qualified": max(1, cap // 2), "agency": cap},
        workforce__leaving__annual_hazard={"experienced": hazard, "newly_qualified": hazard},
        workforce__agency__cover_share=cover, allocation__assessment_clock=clock,
        allocation__overflow={"assessment": 1, "cin": overflow, "cp": overflow,
                              "cla": overflow},
        initial_state__open_cases={"assessment": 100, "cin": 200, "cp": 50, "cla": 60},
        initial_state__awaiting_allocation=10,
    )
    run_checked(s, seed=seed)


def paired(base, alt, metric: str, fy: str, reps: int = 3) -> np.ndarray:
    """Per-replication differences alt - base of one measure (common random numbers)."""
    out = []
    for rep in range(reps):
        a, b = annual(base, rep), annual(alt, rep)
        out.append(b[(fy, metric)] - a[(fy, metric)])
    return np.array(out)


@pytest.mark.slow  # exact in test_mechanisms_workforce (retention and hazard)
def test_retention_payments_cut_leaving(short) -> None:
    base = variant(short, interventions__retention__hazard_ratio=0.5)
    ret = variant(base, interventions__retention__annual_spend=3000 * 500)
    d = paired(base, ret, "leavers_fte", "2020-21", reps=2)
    assert d.mean() < -10


@pytest.mark.slow
def test_early_help_cut_raises_referrals(short) -> None:
    # new children only: those coming back follow them a delay later (test_rereferrals.py)
    base = variant(short, interventions__early_help__elasticity=0.3,
                   interventions__early_help__lag_months=0, demand__level=None,
                   demand__returns__chance=0.0)
    cut = variant(base, interventions__early_help__changes=[
        {"start": "2019-04-01", "annual_change": -10e6}])
    d = paired(base, cut, "referrals", "2020-21", reps=2)
    expected = ((24.833 - 10) / 24.833) ** -0.3 - 1
    rel = d / annual(base, 0)[("2020-21", "referrals")]
    assert rel.mean() == pytest.approx(expected, abs=0.03)


@pytest.mark.slow
def test_more_posts_lower_caseloads(short) -> None:
    more = variant(short, interventions__establishment_changes=[
        {"date": "2019-04-01", "role": "case_holding", "change": 60}])
    d = paired(short, more, "caseload_per_fte", "2020-21", reps=2)
    assert (d < -1).all()


@pytest.mark.slow
def test_higher_caps_cut_unallocated(short) -> None:
    # a queue builds without the responses to strain and with the level held
    busy = variant(short, demand__referrals_per_year=13000, demand__level=None, strain={})
    roomy = variant(busy, interventions__cap_changes=[
        {"date": "2019-04-01", "worker_type": "experienced", "cap": 25}])
    assert annual(busy)[("2020-21", "unallocated_mean")] > 50
    d = paired(busy, roomy, "unallocated_mean", "2020-21", reps=2)
    assert (d < 0).all()


@pytest.mark.slow
def test_recruitment_campaign_cuts_vacancies(short) -> None:
    camp = variant(short, interventions__recruitment_campaigns=[
        {"start": "2019-04-01", "end": "2021-03-31", "fill_probability": 0.9}])
    d = paired(short, camp, "vacancy_rate", "2020-21", reps=2)
    assert (d < -3).all()


def test_lean_event_loop_matches_simpy() -> None:
    """``run_until`` and reusable scheduled objects fire events in SimPy's own order (time,
    priority, scheduling order), processes included, and stop at the same time."""
    import simpy

    from sim.model.scheduling import Call, Ticker, reschedule, run_until

    def build(env: simpy.Environment, log: list) -> None:
        rng = np.random.default_rng(3)
        for i, d in enumerate(rng.integers(0, 20, 200).astype(float)):  # many ties
            Call(env, d, lambda a: log.append(("call", env.now, a)), i)

        def proc():
            while True:
                log.append(("proc", env.now))
                yield env.timeout(2.5)

        env.process(proc())
        t = Ticker(0)

        def tick(ev):
            log.append(("tick", env.now, ev.arg))
            ev.arg += 1
            reschedule(env, ev, 3.0, [tick])

        reschedule(env, t, 1.0, [tick])

    a, b = simpy.Environment(), simpy.Environment()
    log_a, log_b = [], []
    build(a, log_a)
    build(b, log_b)
    a.run(until=30.5)
    run_until(b, 30.5)
    assert log_a == log_b and len(log_a) > 200
    assert a.now == b.now == 30.5


def test_lean_event_loop_raises_a_failed_process() -> None:
    import simpy

    from sim.model.scheduling import run_until

    env = simpy.Environment()

    def proc():
        yield env.timeout(1)
        raise ValueError("broken")

    env.process(proc())
    with pytest.raises(ValueError, match="broken"):
        run_until(env, 5.0)


def test_a_replication_leaves_no_cycles_behind(one_year) -> None:
    """The model frees its own reference cycles (the cycle collector is paused during a
    run), so a long serial run does not grow: only SimPy's environment (a handful of
    objects) is left for the collector."""
    import gc

    simulate(one_year, 0, 1)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        simulate(one_year, 1, 1)
        gc.collect()
        left = len(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left < 50, f"{left} objects in reference cycles after a replication"


def test_only_scheduling_touches_simpys_queue() -> None:
    """Every event goes on SimPy's private queue through scheduling.py (the hot paths too),
    so a change of SimPy's internals is met in one module."""
    import re
    from pathlib import Path

    import sim.model

    root = Path(sim.model.__file__).parent
    found = [f"{p.name}:{i}: {line.strip()}" for p in sorted(root.glob("*.py"))
             if p.name != "scheduling.py"
             for i, line in enumerate(p.read_text().splitlines(), 1)
             if re.search(r"heappush|\._queue\b|\._eid\b", line)]
    assert not found, found
    assert re.search(r"heappush", (root / "scheduling.py").read_text())


def test_simulate_passes_fixed_parameters_on() -> None:
    """``simulate(..., fixed_parameters=True)`` (--fixed-parameters) runs at the central
    values: the triangular(0.75, 0.9, 1.0) retention effect at its mean, not a draw."""
    from .mechanism_scenarios import tiny

    s = tiny(run__horizon_years=0.1, interventions__retention__hazard_ratio={
        "dist": "triangular", "low": 0.75, "mode": 0.9, "high": 1.0})
    fixed = simulate(s, 0, 1, fixed_parameters=True).parameters
    drawn = simulate(s, 0, 1).parameters
    key = "interventions.retention.hazard_ratio"
    assert fixed[key] == pytest.approx((0.75 + 0.9 + 1.0) / 3)
    assert drawn[key] != pytest.approx(fixed[key])
