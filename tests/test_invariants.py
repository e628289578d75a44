"""The ``--check`` invariants themselves: silent on a sound state, and each one naming what
broke when the state is corrupted by hand (the guards' tests run them inside real runs)."""

from __future__ import annotations

from sim.model.invariants import broken_counts, broken_state
from sim.model.simulation import Service
from sim.model.uncertainty import draw_parameters

from .mechanism_scenarios import tiny


def service() -> Service:
    """The tiny service on its start date: 2 workers, 2 assessments, 3 children in need
    and 1 protection plan open (none looked after: a stage with no cases), all allocated."""
    s = tiny(initial_state__open_cases={"assessment": 2, "cin": 3, "cp": 1, "cla": 0})
    resolved, _ = draw_parameters(s, 1, 0)
    svc = Service(resolved, 1, 0)
    svc.build_initial()
    return svc


def test_a_sound_state_breaks_nothing() -> None:
    svc = service()
    assert svc.n_open == [2, 3, 1, 0] and svc.alloc.n_allocated == 6
    assert broken_counts(svc) is None
    assert broken_state(svc) is None


def test_cases_not_conserved() -> None:
    svc = service()
    svc.rec.total_referrals += 1
    assert broken_counts(svc) == ("cases not conserved: 6 at the start + 1 referred - 0 "
                                  "closed = 7, but 6 are open")


def test_stage_counts_that_do_not_add_up_or_go_negative() -> None:
    svc = service()
    svc.n_open[1] += 1
    assert broken_counts(svc) == "open cases by stage [2, 4, 1, 0] do not add up to the 6 open"
    svc = service()
    svc.n_open[3] -= 1
    svc.n_open[1] += 1  # the sum holds, but a stage is below zero
    assert broken_counts(svc) == "open cases by stage [2, 4, 1, -1] do not add up to the 6 open"


def test_allocated_and_waiting_must_make_the_open_cases() -> None:
    svc = service()
    svc.alloc.n_waiting += 1
    assert broken_counts(svc) == "6 allocated + 1 waiting != 6 open cases"


def test_a_case_both_allocated_and_waiting_or_neither() -> None:
    svc = service()
    case = next(iter(svc.open_cases.values()))
    case.queued = True
    assert broken_state(svc) == f"case {case.id} is both allocated and waiting"
    svc = service()
    case = next(iter(svc.open_cases.values()))
    case.worker = None
    assert broken_state(svc) == f"case {case.id} is neither allocated nor waiting"


def test_workers_must_hold_the_allocated_cases() -> None:
    svc = service()
    svc.alloc.n_allocated -= 1
    assert broken_state(svc) == "workers hold 6 cases but 5 are counted as allocated"
    svc = service()
    case = next(iter(svc.open_cases.values()))
    case.worker.active = False
    assert broken_state(svc) == (f"case {case.id} is allocated to a worker who has left or "
                                 "does not hold it")
