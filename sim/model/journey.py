"""A child's journey through the service, from referral to closure and back.

Read this module as the story of one case; ``Service`` (simulation.py) wires it to the
workforce, the measures and the clock.

1. **Referral.** New children's referrals arrive at times drawn up front with the whole
   path of each case (``demand.py``), at (1 - the return chance) of the referral rate. A
   child whose case closed comes back as a referral on a path drawn up front too
   (``returns.py``, step 7), and makes up the rest; it counts as a re-referral only if
   within 12 months of the child's previous referral (the official definition).
2. **Opening.** The case opens in its first stage — every referral starts with an
   assessment — and the child is counted in the financial year (their year's workers and
   changes of worker start afresh in a new year).
3. **Allocation or waiting.** The allocator (``allocation.py``) gives the case to the
   worker with most room, or to the child's last worker if ``keep_worker`` and they have
   room; if nobody has room it waits, queued by the priority of its stage. A case that
   waits on arrival counts in ``waited_share``; the wait ends when a first worker takes it
   (``allocation_wait_mean``). Every time a child gets a worker other than their last, it
   is a change of worker for that child (``on_assign``).
4. **The stage clock.** A stage ends after its drawn duration. An assessment's clock runs
   from referral or, with ``assessment_clock: from_allocation``, only once a worker has it;
   every later stage runs from its start, allocated or not. Whatever the clock, an
   assessment is timely (``assessment_timeliness_rate``) if it ends within 45 working days
   of the referral, time waiting for a worker included.
5. **The stages.** At the end of a stage the next of the path begins: children in need
   (CIN), a child protection plan (CP), looked after (CLA). A waiting case waits on with
   its new stage's priority. Designed team moves: after an assessment
   (``team_move_after_assessment``), on coming into care (``team_move_into_care``) and on a
   step between child in need and child protection (``team_move_on_step``) an allocated
   case goes to a worker other than the one it had.
6. **Hand-overs.** When a worker leaves or an agency worker's stay ends (``workforce.py``),
   moves team, or goes on a covered absence (``worker_changes.py``), the allocator passes
   their cases to others, highest priority first; and a new case holder's manager gives
   them cases from the fullest colleagues (``rebalance_to_starters``). Each is a change of
   worker (step 3), filed under its reason as DfE records them (``cases.REASONS``).
7. **Closure.** When the path ends, the case closes: its worker's room goes to the cases
   waiting, and the child comes back — if their draw says so (``demand.returns``: a
   chance, the same after every case, and a delay from the closure) — as a referral
   (step 1). So re-referrals are an outcome: a front door that closes more cases at
   assessment (``strain.thresholds``) brings children back sooner, more of them within
   the 12 months; fewer new children (early help) bring fewer back.

At 31 March the measures of the year are taken (``measures.py``) and ``new_year`` starts
the children's yearly counters again: a new year's children are those open then, each
with the worker they have, and those referred later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.model.allocation import Allocator
from sim.model.cases import STANDARD, Case, Child
from sim.model.demand import ASSESSMENT, CIN, CLA, CLOSED, CP, STAGE_NAMES
from sim.model.measures import Recorder
from sim.model.returns import REFERRAL
from sim.model.scheduling import Call, Ticker, rescheduler
from sim.periods import ASSESSMENT_LIMIT_DAYS
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.demand import Referrals
    from sim.model.returns import Returns

STAGE_CODE = {name: i for i, name in enumerate(STAGE_NAMES)}
RE_REFERRAL_WINDOW = 365.0  # the official definition: within 12 months


class Journey:
    """The cases of one replication and what happens to them (the steps above).

    ``arrive``, ``on_assign`` and ``stage_end`` run for every referral, every allocation and
    every change of stage, the hottest code of the model: they read SimPy's clock directly
    (``env._now``, not its property) and put events back through ``rescheduler``.
    """

    def __init__(self, env: simpy.Environment, s: Scenario, rec: Recorder) -> None:
        self.env = env
        self.rec = rec
        a = s.allocation
        self.alloc = Allocator(
            priority=[STAGE_CODE[p] for p in a.priority],
            overflow=[getattr(a.overflow, name) for name in STAGE_NAMES],
            on_assign=self.on_assign,
            on_queue_change=lambda n: rec.queue_length(env._now, n),
        )
        self.open_cases: dict[int, Case] = {}
        self.n_open = [0, 0, 0, 0]  # open cases by stage code
        self.fy_index = 0
        self.fy_children: list[Child] = []  # children with an open case in this year
        self.clock_from_allocation = a.assessment_clock == "from_allocation"
        self.team_move = a.team_move_after_assessment
        self.team_move_care = a.team_move_into_care
        self.team_move_step = a.team_move_on_step
        self.keep_worker = a.keep_worker
        self._case_ids = 0
        self._child_ids = 0
        self._end_cbs = [self.stage_end]  # shared callback lists (SimPy only reads them)
        self._arrive_cbs = [self.arrive]
        self._back_cbs = [self.back]
        self._end_after = rescheduler(env, self._end_cbs)  # the stage ends after a delay
        self._next_after = rescheduler(env, self._arrive_cbs)  # the next referral arrives
        self._back_after = rescheduler(env, self._back_cbs)  # a child comes back
        self.refs: Referrals | None = None
        self.assessment_pace = 1.0  # this year's multiplier of assessment times (simulation.py)
        self.ref_returns: list[int] = []  # each referral's first return (returns.py)
        self.returns: Returns | None = None  # set by the service before anything opens
        self.n_referrals = 0
        # strain responses (strain.py): the chance that a referral going on past assessment
        # ends there (set weekly), and a manager holding an assessment nobody can take
        self.extra_close = 0.0
        mh = s.strain.manager_holding
        self.hold_after = mh.after_days if (mh is not None and mh.enabled
                                            and self.clock_from_allocation) else None
        self.hold_slowdown = mh.slowdown if mh is not None else 1.0

    # ------------------------------------------------------------------ 1. referral

    def start_referrals(self, refs: Referrals) -> None:
        """Schedule the first referral; each then schedules the next (``arrive``). The
        children's returns are drawn now, by who they are (``returns.py``)."""
        self.refs = refs
        self.n_referrals = len(refs.times)
        if self.returns is not None:
            first = [d[0] for d in refs.durations]
            self.ref_returns = self.returns.chains(
                REFERRAL, np.asarray(refs.keys), np.add(refs.times, first))
        else:
            self.ref_returns = [-1] * self.n_referrals
        if refs.times:
            self._next_after(Ticker(0), refs.times[0])

    def arrive(self, ev: Ticker) -> None:
        """Referral ``ev.arg`` of a new child arrives; the next is scheduled from here, on
        the same object (no process, nothing allocated)."""
        i = ev.arg
        refs: Any = self.refs  # set by start_referrals (Any: no None test per referral)
        t = self.env._now
        tu = refs.threshold_u
        self.refer(self.new_child(t), refs.stages[i], refs.durations[i], refs.placements[i],
                   tu[i] if tu is not None else 1.0, self.ref_returns[i])
        if i + 1 < self.n_referrals:
            ev.arg = i + 1
            self._next_after(ev, refs.times[i + 1] - t)

    def come_back(self, child: Child, row: int, delay: float) -> None:
        """``child`` comes back after ``delay`` on return ``row`` (the child is the event)."""
        child.back = row
        self._back_after(child, delay)

    def back(self, child: Child) -> None:
        """A child comes back, on their return ``child.back`` (step 7)."""
        row = child.back
        t = self.env._now
        r: Any = self.returns
        if r.thinned and not r.happens(row, t, child.last_referral):  # not at this level
            return
        if t - child.last_referral <= RE_REFERRAL_WINDOW:
            self.rec.rereferrals += 1
        child.last_referral = t
        self.refer(child, r.stages[row], r.durations[row], r.placements[row],
                   r.threshold_u[row], r.next[row])

    def refer(self, child: Child, stages: list[int], durations: list[float], placement: int,
              threshold_u: float, ret: int) -> None:
        """A referral of ``child`` on a path: the case opens and asks for a worker."""
        rec = self.rec
        rec.referrals += 1
        rec.total_referrals += 1
        if self.extra_close and len(stages) > 1 and threshold_u < self.extra_close:
            stages, durations = stages[:1], durations[:1]  # the front door tightens
        case = self.open(child, stages, durations, placement)
        case.ret = ret
        if not self.clock_from_allocation:
            self.start_clock(case)
        case.referred = self.env._now
        self.alloc.request(case, child.last_worker if self.keep_worker else None)
        if case.queued:
            rec.waited += 1
            if self.hold_after is not None:
                Call(self.env, self.hold_after, self.hold, case)

    def new_child(self, last_referral: float) -> Child:
        self._child_ids += 1
        return Child(self._child_ids, last_referral)

    # ------------------------------------------------------------------ 2. opening

    def open(self, child: Child, stages: list[int], durations: list[float],
             placement: int) -> Case:
        """Open a case on the path ``stages`` (with their ``durations``) for ``child``."""
        self.count_in_year(child)
        self._case_ids += 1
        case = Case(self._case_ids, child, stages, durations, placement)
        self.open_cases[case.id] = case
        self.n_open[case.stage] += 1
        if case.stage == CLA:
            self.rec.cla_change(self.env._now, placement, +1)
        child.case = case
        return case

    def count_in_year(self, child: Child) -> None:
        """Count a child in this financial year, starting their year's counters afresh."""
        if child.fy != self.fy_index:
            child.fy = self.fy_index
            child.fy_changes = 0
            child.fy_workers = set()
            self.fy_children.append(child)

    # ------------------------------------------------------------------ 3. allocation

    def on_assign(self, case: Case, w: Any) -> None:
        """A worker takes a case (the allocator calls this on every allocation)."""
        child = case.child
        rec = self.rec
        last = child.last_worker
        if last is not None and last is not w:
            child.fy_changes += 1
            rec.changes += 1
            rec.total_changes += 1
            rec.change_reasons[case.cause] += 1
            if case.stage == CLA:  # as DfE's reasons, which are for looked-after children
                rec.cla_change_reasons[case.cause] += 1
        child.last_worker = w
        child.fy_workers.add(w.id)
        if case.referred >= 0:  # the wait for a first worker ends
            rec.wait_days += self.env._now - case.referred
            rec.waits += 1
            case.referred = -1.0
        if not case.clock_started:
            self.start_clock(case)

    # ------------------------------------------------------------------ 4. the clock

    def start_clock(self, case: Case) -> None:
        """The current stage starts running: it ends after its drawn duration (an
        assessment's times this year's pace, ``demand.assessment_pace_sd``)."""
        case.clock_started = True
        if case.k:
            self._end_after(case, case.durations[case.k])
        else:
            self._end_after(case, case.durations[0] * self.assessment_pace)

    def hold(self, case: Case) -> None:
        """A team manager holds an assessment that has waited too long: its clock starts and
        it takes ``slowdown`` times its drawn duration — to its end, even if a worker takes
        it over later (the pace is set when the manager starts it; a simplification)
        (``strain.manager_holding``)."""
        if case.queued and not case.clock_started and case.k == 0:
            case.clock_started = True
            self._end_after(case, case.durations[0] * self.assessment_pace * self.hold_slowdown)

    # ------------------------------------------------------------------ 5. the stages

    def stage_end(self, case: Case) -> None:
        """A case's stage ends (the case is its own event: see ``scheduling.py``)."""
        old = case.stage
        k = case.k + 1
        nxt = case.stages[k] if k < len(case.stages) else CLOSED
        self.n_open[old] -= 1
        if old == ASSESSMENT:
            rec = self.rec
            rec.assessments_ended += 1
            if nxt == CLOSED:
                rec.assessments_closed += 1
            # an open case's child was last referred when the case opened (Child)
            if self.env._now - case.child.last_referral <= ASSESSMENT_LIMIT_DAYS:
                rec.assessments_timely += 1
        if old == CLA:
            self.rec.cla_change(self.env._now, case.placement, -1)
        if nxt == CLOSED:
            self.close(case)
            return
        case.k = k
        case.stage = nxt
        self.n_open[nxt] += 1
        if nxt == CLA:
            self.rec.cla_starts += 1
            self.rec.cla_change(self.env._now, case.placement, +1)
        elif nxt == CP:
            self.rec.cp_starts += 1
        self._end_after(case, case.durations[k])
        alloc = self.alloc
        if case.queued:
            alloc.requeue(case)
        elif case.worker is not None and ((old == ASSESSMENT and self.team_move)
                                          or (nxt == CLA and self.team_move_care)
                                          or (self.team_move_step and
                                              ((old == CIN and nxt == CP)
                                               or (old == CP and nxt == CIN)))):
            w = alloc.unassign(case)  # a designed team move: to another worker
            case.cause = STANDARD
            alloc.request(case, exclude=w)
            if alloc.n_waiting:  # nothing to do when nobody waits
                alloc.drain()

    # ------------------------------------------------------------------ 7. closure

    def close(self, case: Case) -> None:
        """The path has ended: the worker's room goes to waiting cases, and the child comes
        back later if their draw says so."""
        alloc = self.alloc
        if case.queued:
            alloc.dequeue(case)
        elif case.worker is not None:
            alloc.unassign(case)
            if alloc.n_waiting:  # nothing to do when nobody waits
                alloc.drain()
        del self.open_cases[case.id]
        self.rec.total_closed += 1
        child = case.child
        child.case = None
        if case.ret >= 0:
            r: Any = self.returns
            self.come_back(child, case.ret, r.delay[case.ret])

    # ------------------------------------------------------------------ years

    def new_year(self) -> None:
        """A new financial year: its children are those open now (and those referred from
        now on), each starting with the worker they have."""
        self.fy_index += 1
        self.fy_children = []
        for c in self.open_cases.values():
            self.count_in_year(c.child)
            if c.worker is not None:
                c.child.fy_workers.add(c.worker.id)

    def teardown(self) -> None:
        """Break the reference cycles between cases, children, workers and events."""
        self._end_cbs.clear()  # they hold bound methods of self, and pending cases hold them
        self._arrive_cbs.clear()
        self._back_cbs.clear()
        for case in self.open_cases.values():
            case.child.case = case.child.last_worker = None
            case.worker = None
        self.open_cases.clear()
        self.alloc.detach()
        self.fy_children.clear()
