"""Tiny deterministic scenarios for mechanism tests, and a way to look inside a run.

``tiny(...)`` is ``scenarios/verification/mech_tiny.yaml`` (two experienced case-holding
workers, no demand, nobody leaving or hired, every duration fixed, every price 0) with the
fields a test is about replaced::

    s = tiny(workforce__leaving__notice_days=45, run__horizon_years=1)
    s = tiny({"initial_state.open_cases.cin": 3})

``run(s, probes={t: look})`` runs one replication as ``simulate`` does and calls
``look(service)`` at each simulated day ``t``; it returns the service (its state at the end,
not torn down), what each probe saw, and the replication's result. A probe at ``t`` runs
before anything else the model schedules for that same time (it was scheduled first), so a
probe at the exact time of an event sees the state just before it, and one at ``t + EPS``
the state just after.

These functions are shared by tests/test_mechanisms_workforce.py and
tests/test_mechanisms_cases.py: keep their signatures stable and only add to them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.model.calendar import Calendar
from sim.model.simulation import ReplicationResult, Service
from sim.model.uncertainty import draw_parameters
from sim.scenario import Scenario, load_scenario
from sim.scenario.loader import with_overrides

TINY = Path(__file__).resolve().parents[1] / "scenarios" / "verification" / "mech_tiny.yaml"
EPS = 1e-6
"""A time step smaller than any in the model (days): a probe at ``t + EPS`` sees what
happened at ``t``."""


@functools.cache
def _tiny_base() -> Scenario:
    return load_scenario(TINY)


def tiny(overrides: Mapping[str, Any] | None = None, /, **updates: Any) -> Scenario:
    """The tiny scenario with fields replaced: ``overrides`` by dotted path
    (``"workforce.caps.experienced"``) and keyword ``updates`` with ``__`` for the dots
    (``workforce__caps__experienced=3``). Validated again, so a bad value fails loudly."""
    changes = dict(overrides or {})
    changes.update({k.replace("__", "."): v for k, v in updates.items()})
    return with_overrides(_tiny_base(), changes, source="tiny") if changes else _tiny_base()


def day(s: Scenario, d: dt.date | str) -> float:
    """Simulated day of a date (days from the scenario's start)."""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d)
    return Calendar(s.run.start_date, s.run.horizon_years).day(d)


@dataclass
class Run:
    """A finished replication: the service as it stands at the end, what each probe saw
    (by time), and the result ``simulate`` would have returned."""

    service: Service
    seen: dict[float, Any] = field(default_factory=dict)
    result: ReplicationResult | None = None

    @property
    def annual(self) -> pd.Series:
        return annual(self.result)

    @property
    def budget(self) -> pd.Series:
        return budget(self.result)


def run(s: Scenario, probes: Mapping[float, Callable[[Service], Any]] | None = None,
        seed: int | None = None, replication: int = 0) -> Run:
    """Run one replication of ``s`` (as ``simulate`` does), calling each probe at its time."""
    seed = s.run.seed if seed is None else seed
    resolved, params = draw_parameters(s, seed, replication)
    svc = Service(resolved, seed, replication)
    out = Run(svc)
    def probe(t: float, look: Callable[[Service], Any]) -> Callable[[Any], None]:
        def fire(_ev: Any) -> None:
            out.seen[t] = look(svc)
        return fire

    for t, look in sorted((probes or {}).items()):
        # a plain SimPy timeout, scheduled before the model schedules anything
        svc.env.timeout(t).callbacks.append(probe(t, look))
    svc.run()
    out.result = svc.result(replication, params)
    return out


def at(s: Scenario, t: float, look: Callable[[Service], Any], **kw: Any) -> Any:
    """What ``look(service)`` sees at day ``t`` of a run of ``s``."""
    return run(s, {t: look}, **kw).seen[t]


def state(svc: Service) -> dict[str, Any]:
    """A plain summary of the workforce and the cases at this moment."""
    wf = svc.workforce
    exp, nq, agency = wf.counts()
    return {
        "t": svc.env.now,
        "experienced": exp,
        "newly_qualified": nq,
        "agency": agency,
        "vacancies": wf.vacancies(),
        "posts": len(wf.posts),
        "case_holders": len(wf.case_holders),
        "allocated": svc.alloc.n_allocated,
        "waiting": svc.alloc.n_waiting,
        "open": len(svc.open_cases),
    }


def workers(svc: Service) -> list[dict[str, Any]]:
    """Every worker in post (permanent then agency), in order of id: id, kind, post id, cap,
    cases held, whether they have given notice, and their start day."""
    wf = svc.workforce
    everyone = sorted([*wf.permanent.values(), *wf.agency.values()], key=lambda w: w.id)
    return [{"id": w.id, "kind": w.kind, "post": w.post.id, "cap": w.cap,
             "cases": len(w.cases), "leaving": w.leaving, "start": w.start}
            for w in everyone]


def annual(result: ReplicationResult | None) -> pd.Series:
    """Annual measures indexed by (fy, metric)."""
    assert result is not None
    return result.annual.set_index(["fy", "metric"])["value"]


def budget(result: ReplicationResult | None, real: bool = False) -> pd.Series:
    """Budget lines (cash, or real terms) indexed by (fy, line)."""
    assert result is not None and result.budget is not None
    return result.budget.set_index(["fy", "line"])["cost_real" if real else "cost"]


def weekly(result: ReplicationResult | None) -> pd.DataFrame:
    """Weekly series as a table: one row per week, one column per measure."""
    assert result is not None
    return result.weekly.pivot(index="week", columns="metric", values="value")
