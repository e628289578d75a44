"""One replication of the service: ``simulate(scenario, replication, seed)``.

This is the model's only entry point. It is a pure function of its arguments — no files,
no global state — so replications run in any process or on any machine, and serial equals
parallel.
"""

from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from sim.model.allocation import Allocator
from sim.model.calendar import Calendar
from sim.model.cases import Case, Child
from sim.model.costs import Ledger, YearQuantities
from sim.model.demand import (
    ASSESSMENT,
    CLA,
    CLOSED,
    CP,
    MAX_STAGES,
    STAGE_NAMES,
    conditional_remaining,
    draw_paths,
    draw_referrals,
    placement_types,
    residual_durations,
    trim,
)
from sim.model.interventions import RetentionScheme, dated_changes, early_help_multiplier
from sim.model.invariants import InvariantError, broken_counts, broken_state
from sim.model.measures import WEEKLY_METRICS, Recorder
from sim.model.randomness import stream
from sim.model.scheduling import Call, Ticker, clear, reschedule, rescheduler, run_until
from sim.model.uncertainty import draw_parameters
from sim.model.workforce import WEEK, Workforce
from sim.scenario.schema import Scenario

STAGE_CODE = {name: i for i, name in enumerate(STAGE_NAMES)}
RE_REFERRAL_WINDOW = 365.0  # the official definition: within 12 months
# CP plans open at the start: the published duration bands, in days (the last band,
# "2 years or more", is taken as 2 to 3 years: an assumption; it holds ~3% of plans).
CP_BANDS = ((0.0, 91.0), (91.0, 182.5), (182.5, 365.0), (365.0, 730.0), (730.0, 1095.0))


def long_weekly(values: np.ndarray, weeks: np.ndarray, metrics: tuple[str, ...],
                replications: np.ndarray | None = None) -> pd.DataFrame:
    """Weekly values as a tidy table: (replication,) week, metric, value. ``values`` is
    (weeks x metrics), or (replications x weeks x metrics) with ``replications``."""
    if replications is None:
        n_w, n_m = values.shape
        return pd.DataFrame({
            "week": np.repeat(weeks, n_m),
            "metric": pd.Categorical(np.tile(metrics, n_w), categories=list(metrics)),
            "value": values.reshape(-1),
        })
    n_r, n_w, n_m = values.shape
    return pd.DataFrame({
        "replication": np.repeat(replications, n_w * n_m),
        "week": np.tile(np.repeat(weeks, n_m), n_r),
        "metric": pd.Categorical(np.tile(metrics, n_r * n_w), categories=list(metrics)),
        "value": values.reshape(-1),
    })


@dataclass
class ReplicationResult:
    """What one replication produced: tidy tables plus totals for checks. The weekly series
    travel as one compact array (weeks x measures) — cheap to send between processes."""

    replication: int
    annual: pd.DataFrame  # fy, metric, value
    weekly_values: np.ndarray  # weeks x WEEKLY_METRICS
    weeks: np.ndarray  # datetime64[D], one per row of weekly_values
    parameters: dict[str, float]
    totals: dict[str, float] = field(default_factory=dict)
    budget: pd.DataFrame | None = None  # fy, line, cost (cash), cost_real

    @property
    def weekly(self) -> pd.DataFrame:
        """week, metric, value."""
        return long_weekly(self.weekly_values, self.weeks, WEEKLY_METRICS)


class Service:
    """The children's social care service of one replication."""

    def __init__(self, s: Scenario, seed: int, replication: int, check: bool = False) -> None:
        self.s = s
        self.replication = replication
        self.check = check  # assert the invariants as it runs (see invariants.py)
        self.env = simpy.Environment()
        self.cal = Calendar(s.run.start_date, s.run.horizon_years)
        self.end = self.cal.end_day
        self.rec = Recorder()

        def gen(name: str) -> np.random.Generator:
            return stream(seed, replication, name)

        self.gen = gen
        a = s.allocation
        self.alloc = Allocator(
            priority=[STAGE_CODE[p] for p in a.priority],
            overflow=[getattr(a.overflow, name) for name in STAGE_NAMES],
            on_assign=self._on_assign,
            on_queue_change=lambda n: self.rec.queue_length(self.env._now, n),  # hot: no property
        )
        self.retention = RetentionScheme(s.interventions.retention, self.cal)
        self.ledger = Ledger(s, self.cal)
        self.workforce = Workforce(self.env, s, self.cal, self.alloc, self.rec, self.retention,
                                   gen)
        self.open_cases: dict[int, Case] = {}
        self.n_open = [0, 0, 0, 0]
        self.recent: list[Child] = []  # closed children referred in the last 12 months
        self._case_ids = 0
        self._child_ids = 0
        self.fy_index = 0
        self.fy_children: list[Child] = []  # children with an open case in this year
        self.clock_from_allocation = a.assessment_clock == "from_allocation"
        self.team_move = a.team_move_after_assessment
        self.team_move_care = a.team_move_into_care
        self.keep_worker = a.keep_worker
        self.rereferral_share = s.demand.rereferral_share
        self.initial_cases = 0
        self._end_cbs = [self._stage_end]  # shared callback lists (SimPy only reads them)
        self._arrive_cbs = [self._arrive]
        self._after = rescheduler(self.env)  # reschedule() for the hot paths

    # ------------------------------------------------------------------ scheduling

    def _at(self, delay: float, fn, arg) -> None:
        Call(self.env, delay, fn, arg)

    # ------------------------------------------------------------------ set-up

    def _new_child(self, last_referral: float) -> Child:
        self._child_ids += 1
        return Child(self._child_ids, last_referral)

    def _touch(self, child: Child) -> None:
        """Count a child in this financial year, starting their year's counters afresh."""
        if child.fy != self.fy_index:
            child.fy = self.fy_index
            child.fy_changes = 0
            child.fy_workers = set()
            self.fy_children.append(child)

    def _open(self, child: Child, stages: list[int], durations: list[float],
              placement: int) -> Case:
        self._touch(child)
        self._case_ids += 1
        case = Case(self._case_ids, child, stages, durations, placement)
        self.open_cases[case.id] = case
        self.n_open[case.stage] += 1
        if case.stage == CLA:
            self.rec.cla_change(self.env.now, placement, +1)
        child.case = case
        return case

    def build_initial(self) -> None:
        """Open cases, workers and the re-referral pool on the start date."""
        ini = self.s.initial_state
        self.workforce.build_initial()
        g = self.gen("initial_cases")
        durations = self.s.demand.durations
        made: dict[int, list[Case]] = {}
        for name in STAGE_NAMES:
            n = getattr(ini.open_cases, name)
            u = g.random((n, 4 + 2 * MAX_STAGES))
            dist = getattr(durations, name)
            if name == "cp":
                bands = np.array(list(ini.cp_duration_bands_pct.model_dump().values()))
                cum = np.cumsum(bands) / bands.sum()
                band = np.minimum(np.searchsorted(cum, u[:, 0], side="right"), len(bands) - 1)
                lo = np.array([b[0] for b in CP_BANDS])[band]
                hi = np.array([b[1] for b in CP_BANDS])[band]
                age = lo + u[:, 1] * (hi - lo)
                remaining = conditional_remaining(dist, age, u[:, 2])
            else:
                age, remaining = residual_durations(dist, u[:, :2])
            first = np.full(n, STAGE_CODE[name], dtype=np.int8)
            stages, durs = draw_paths(self.s.demand, first, u[:, 4:], first_duration=remaining)
            places = placement_types(self.s.costs.placements.mix, u[:, 3])
            stage_lists, dur_lists = trim(stages, stages), trim(durs, stages)
            cases = []
            for i in range(n):
                child = self._new_child(-float(age[i]))
                case = self._open(child, stage_lists[i], dur_lists[i], int(places[i]))
                cases.append(case)
                if not (name == "assessment" and self.clock_from_allocation):
                    case.clock_started = True
                    reschedule(self.env, case, case.durations[0], self._end_cbs)
            made[STAGE_CODE[name]] = cases
        self.initial_cases = sum(len(v) for v in made.values())
        waiting = ini.awaiting_allocation
        # allocate in priority order; the assessments awaiting allocation come last, and
        # wait only if the workers have no room left for them
        awaiting = made[ASSESSMENT][len(made[ASSESSMENT]) - waiting:] if waiting else []
        for code in self.alloc._rank:
            cases = made[code]
            if code == ASSESSMENT and waiting:
                cases = cases[: len(cases) - waiting]
            for case in cases:
                self.alloc.request(case)
        for case in awaiting:
            self.alloc.enqueue(case)
        if self.alloc.n_waiting:  # nothing to do when nobody waits
            self.alloc.drain()
        for _ in range(ini.recently_referred_closed):
            self.recent.append(self._new_child(-g.random() * RE_REFERRAL_WINDOW))

    # ------------------------------------------------------------------ cases

    def _on_assign(self, case: Case, w) -> None:
        child = case.child
        if child.last_worker is not None and child.last_worker is not w:
            child.fy_changes += 1
            self.rec.changes += 1
            self.rec.total_changes += 1
        child.last_worker = w
        child.fy_workers.add(w.id)
        if case.referred >= 0:  # the wait for a first worker ends
            self.rec.wait_days += self.env._now - case.referred
            self.rec.waits += 1
            case.referred = -1.0
        if not case.clock_started:
            case.clock_started = True
            self._after(case, case.durations[case.k], self._end_cbs)

    def _pick_recent(self, u: float, t: float) -> Child | None:
        pool = self.recent
        while pool:
            j = int(u * len(pool))
            child = pool[j]
            pool[j] = pool[-1]
            pool.pop()
            if t - child.last_referral <= RE_REFERRAL_WINDOW:
                return child
        return None

    def _arrive(self, ev: Ticker) -> None:
        """Referral ``ev.arg`` arrives; the next is scheduled from here, on the same
        object (no process, nothing allocated).

        The hottest code of the model (it runs for every referral), so ``_open`` and
        ``_touch`` are written out here."""
        i = ev.arg
        refs = self.refs
        env = self.env
        t = env._now  # the hot paths read SimPy's clock directly, not through its property
        rec = self.rec
        child = None
        if refs.rereferral_u[i] < self.rereferral_share:
            child = self._pick_recent(refs.pick_u[i], t)
        rec.referrals += 1
        rec.total_referrals += 1
        if child is None:
            self._child_ids += 1
            child = Child(self._child_ids, t)
        else:
            if t - child.last_referral <= RE_REFERRAL_WINDOW:
                rec.rereferrals += 1
            child.last_referral = t
        if child.fy != self.fy_index:  # _touch
            child.fy = self.fy_index
            child.fy_changes = 0
            child.fy_workers = set()
            self.fy_children.append(child)
        self._case_ids += 1
        case = Case(self._case_ids, child, refs.stages[i], refs.durations[i],
                    refs.placements[i])
        self.open_cases[case.id] = case
        self.n_open[ASSESSMENT] += 1  # every referral starts with an assessment
        child.case = case
        if not self.clock_from_allocation:
            case.clock_started = True
            self._after(case, case.durations[0], self._end_cbs)
        case.referred = t
        self.alloc.request(case, child.last_worker if self.keep_worker else None)
        if case.queued:
            rec.waited += 1
        if i + 1 < self.n_referrals:
            ev.arg = i + 1
            self._after(ev, refs.times[i + 1] - t, self._arrive_cbs)

    def _stage_end(self, case: Case) -> None:
        """A case's stage ends (the case is its own event: see ``scheduling.py``)."""
        old = case.stage
        k = case.k + 1
        nxt = case.stages[k] if k < len(case.stages) else CLOSED
        self.n_open[old] -= 1
        if old == CLA:
            self.rec.cla_change(self.env._now, case.placement, -1)
        if nxt == CLOSED:
            self._close(case)
            return
        case.k = k
        case.stage = nxt
        self.n_open[nxt] += 1
        if nxt == CLA:
            self.rec.cla_starts += 1
            self.rec.cla_change(self.env._now, case.placement, +1)
        elif nxt == CP:
            self.rec.cp_starts += 1
        self._after(case, case.durations[k], self._end_cbs)
        if case.queued:
            self.alloc.requeue(case)
        elif case.worker is not None and ((old == ASSESSMENT and self.team_move)
                                          or (nxt == CLA and self.team_move_care)):
            w = self.alloc.unassign(case)
            self.alloc.request(case, exclude=w)
            if self.alloc.n_waiting:  # nothing to do when nobody waits
                self.alloc.drain()

    def _close(self, case: Case) -> None:
        if case.queued:
            self.alloc.dequeue(case)
        elif case.worker is not None:
            self.alloc.unassign(case)
            if self.alloc.n_waiting:  # nothing to do when nobody waits
                self.alloc.drain()
        del self.open_cases[case.id]
        self.rec.total_closed += 1
        child = case.child
        child.case = None
        self.recent.append(child)

    # ------------------------------------------------------------------ measures

    def _weekly(self):
        env = self.env
        while True:
            if self.check:
                self._assert(broken_state(self))
            self._snapshot_week()
            if env.now + WEEK > self.end + 1e-9:
                return
            yield env.timeout(WEEK)
            self.workforce.weekly()

    def _snapshot_week(self) -> None:
        """The weekly series, in the order of WEEKLY_METRICS."""
        exp, nq, ag = self.workforce.counts()
        holders = len(self.workforce.case_holders)
        caseload = self.alloc.n_allocated / holders if holders else np.nan
        n = self.n_open
        self.rec.weekly_t.append(self.env.now)
        self.rec.weekly.append((n[0], n[1], n[2], n[3], self.alloc.n_waiting, exp, nq, ag,
                                caseload))
        if holders:
            self.rec.caseload_sum += caseload
            self.rec.caseload_weeks += 1

    def _fy_end(self, arg: tuple[str, bool, float]) -> None:
        fy, complete, fy_start = arg
        t = self.env.now
        rec = self.rec
        add = rec.add
        open_cases = list(self.open_cases.values())
        add(fy, "cin_31mar", len(open_cases))
        add(fy, "cp_31mar", self.n_open[CP])
        add(fy, "cla_31mar", self.n_open[CLA])
        mean_q, max_q = rec.unallocated.take(t)
        fte = rec.fte_means(t)
        cla = tuple(ta.take(t)[0] for ta in rec.cla_by_type)
        if complete:
            add(fy, "referrals", rec.referrals)
            add(fy, "rereferral_rate", 100 * rec.rereferrals / rec.referrals
                if rec.referrals else np.nan)
            add(fy, "cla_starts", rec.cla_starts)
            add(fy, "cp_starts", rec.cp_starts)
            add(fy, "waited_share", 100 * rec.waited / rec.referrals if rec.referrals else np.nan)
            add(fy, "allocation_wait_mean", rec.wait_days / rec.waits if rec.waits else np.nan)
            add(fy, "unallocated_mean", mean_q)
            add(fy, "unallocated_max", max_q)
            add(fy, "unallocated_case_days", mean_q * (t - fy_start))
            children = self.fy_children
            changes = sum(c.fy_changes for c in children)
            add(fy, "worker_changes_per_child", changes / len(children) if children else np.nan)
            add(fy, "worker_changes", rec.changes)
            looked_after = [c.child for c in open_cases if c.stage == CLA]
            three = sum(1 for c in looked_after if len(c.fy_workers) >= 3)
            add(fy, "children_3plus_workers_rate",
                100 * three / len(looked_after) if looked_after else np.nan)
            add(fy, "caseload_mean", rec.caseload_sum / rec.caseload_weeks
                if rec.caseload_weeks else np.nan)
            q = YearQuantities(
                days=t - fy_start, fte_experienced=fte["experienced"],
                fte_newly_qualified=fte["newly_qualified"], fte_agency=fte["agency"],
                cla_by_type=cla, hires=rec.hires, cohort_hires=rec.cohort_hires,
                retention_paid=rec.retention_paid,
                retention_clawed_back=rec.retention_clawed_back)
            rec.budget.extend((fy, line, cash, real) for line, cash, real in
                              self.ledger.year(fy, fy_start, t, q))
        rec.new_year()
        # a new year: its children are those open now (and those referred from now on),
        # each starting with the worker they have
        self.fy_index += 1
        self.fy_children = []
        for c in open_cases:
            self._touch(c.child)
            if c.worker is not None:
                c.child.fy_workers.add(c.worker.id)

    def _september(self, arg: tuple[str, bool, float]) -> None:
        fy, complete, window_start = arg
        t = self.env.now
        rec = self.rec
        wf = self.workforce
        exp, nq, agency = wf.counts()
        inpost = exp + nq
        vac = wf.vacancies()
        rec.add(fy, "inpost_fte", inpost)
        rec.add(fy, "agency_fte", agency)
        rec.add(fy, "vacancy_rate", 100 * vac / (vac + inpost) if vac + inpost else np.nan)
        rec.add(fy, "agency_rate", 100 * agency / (agency + inpost) if agency + inpost else np.nan)
        holders = list(wf.case_holders.values())
        rec.add(fy, "caseload_per_fte", self.alloc.n_allocated / len(holders) if holders
                else np.nan)
        over = sum(1 for w in holders if len(w.cases) > w.cap)
        rec.add(fy, "over_cap_share", 100 * over / len(holders) if holders else np.nan)
        if complete:
            starters = rec.window(rec.starters, window_start, t)
            leavers = rec.window(rec.leavers, window_start, t)
            rec.add(fy, "starters_fte", starters)
            rec.add(fy, "leavers_fte", leavers)
            rec.add(fy, "turnover_rate", 100 * leavers / inpost if inpost else np.nan)

    # ------------------------------------------------------------------ run

    def run(self) -> None:
        s, cal, env = self.s, self.cal, self.env
        self.build_initial()
        refs = draw_referrals(
            s.demand, cal, early_help_multiplier(s.interventions.early_help, cal),
            self.gen("referrals"), self.gen("cases"), s.costs.placements.mix,
        )
        self.refs = refs
        self.n_referrals = len(refs.times)
        if refs.times:
            reschedule(env, Ticker(0), refs.times[0], self._arrive_cbs)
        env.process(self._weekly())
        prev = 0.0
        for t, fy, complete in cal.fy_ends():
            self._at(t, self._fy_end, (fy, complete, prev))
            prev = t
        for t, fy, complete, window_start in cal.workforce_snapshots():
            self._at(t, self._september, (fy, complete, window_start))
        wf = self.workforce
        interval = s.workforce.recruitment.round_interval_days
        for t in np.arange(0.0, self.end, interval):
            self._at(float(t), lambda _: wf.recruitment_round(), None)
        ret = s.interventions.retention
        if ret.annual_spend > 0:
            for t in cal.months_between(ret.start, ret.end):
                self._at(t, wf.pay_retention, ret.annual_spend / 12)
        for t in cal.first_of_month(s.workforce.cohort.month):
            if s.workforce.cohort.size:
                self._at(t, lambda _: wf.cohort(), None)
        for t, kind, c in dated_changes(s, cal):
            if kind == "establishment":
                self._at(t, lambda c: wf.change_establishment(c.role, c.change), c)
            else:
                self._at(t, lambda c: wf.change_cap(c.worker_type, c.cap), c)
        if self.check:
            self._assert(broken_counts(self) or broken_state(self))
            run_until(env, self.end + 1e-6, lambda: self._assert(broken_counts(self)))
            self._assert(broken_state(self))
        else:
            run_until(env, self.end + 1e-6)

    def _assert(self, broken: str | None) -> None:
        if broken is not None:
            t = self.env.now
            raise InvariantError(self.replication, self.cal.date(t), t, broken)

    def result(self, replication: int, parameters: dict[str, float]) -> ReplicationResult:
        annual = pd.DataFrame(self.rec.annual, columns=["fy", "metric", "value"])
        values = np.array(self.rec.weekly, dtype=float)
        weeks = np.datetime64(self.cal.start, "D") + np.array(
            self.rec.weekly_t).astype("timedelta64[D]")
        totals = {
            "initial_open": self.initial_cases,
            "referrals": self.rec.total_referrals,
            "closed": self.rec.total_closed,
            "open": len(self.open_cases),
            "waiting": self.alloc.n_waiting,
            "allocated": self.alloc.n_allocated,
            "worker_changes": self.rec.total_changes,
        }
        budget = pd.DataFrame(self.rec.budget, columns=["fy", "line", "cost", "cost_real"])
        return ReplicationResult(replication, annual, values, weeks, parameters, totals, budget)


    def teardown(self) -> None:
        """Break the reference cycles between cases, workers, posts and events so that
        memory is freed at once, without waiting for Python's cycle collector."""
        clear(self.env)
        self._end_cbs.clear()  # they hold bound methods of self, and pending cases hold them
        self._arrive_cbs.clear()
        for case in self.open_cases.values():
            case.child.case = case.child.last_worker = None
            case.worker = None
        self.open_cases.clear()
        for post in self.workforce.posts:
            post.occupant = post.agency = None
        for group in (self.workforce.permanent, self.workforce.agency):
            for w in group.values():
                w.cases.clear()
                w.post = None
        self.alloc._on_assign = self.alloc._on_queue_change = None  # type: ignore[assignment]
        self.recent.clear()
        self.fy_children.clear()


@contextlib.contextmanager
def _cycle_collector_paused():
    """A run makes hundreds of thousands of long-lived objects; Python's cycle collector
    would rescan them again and again (it roughly doubles the run time). The model frees
    its own cycles in ``Service.teardown``, so the collector is paused during a run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def simulate(scenario: Scenario, replication: int, seed: int | None = None,
             fixed_parameters: bool = False, check: bool = False) -> ReplicationResult:
    """Run one replication of ``scenario`` and return its measures.

    The result depends only on the arguments: the same (scenario, replication, seed) gives
    the same tables in any process. ``seed`` defaults to the scenario's own. With ``check``
    the model's invariants are asserted as it runs (``InvariantError`` at the first that
    breaks); the results are the same.
    """
    seed = scenario.run.seed if seed is None else seed
    resolved, params = draw_parameters(scenario, seed, replication, fixed_parameters)
    with _cycle_collector_paused():
        svc = Service(resolved, seed, replication, check)
        svc.run()
        result = svc.result(replication, params)
        svc.teardown()
    return result


__all__ = ["InvariantError", "ReplicationResult", "Service", "simulate"]
