"""Measures, each as the official statistics define them (DfE; see the README's Measures),
so that simulated figures compare directly with published ones.

The names are a contract that later issues and users' notebooks read:

Per financial year (children's figures, year to 31 March): ``referrals``,
``rereferral_rate``, ``cin_31mar``, ``cp_31mar``, ``cla_31mar``, ``cla_starts``,
``cp_starts``, ``waited_share`` (% of referrals with no worker free on arrival),
``allocation_wait_mean`` (days from referral to a first worker, for those allocated in the
year),
``unallocated_mean`` (time-weighted), ``unallocated_max``, ``worker_changes_per_child``,
``children_3plus_workers_rate``; and, for costing what a policy buys,
``worker_changes`` (changes of social worker in the year), ``unallocated_case_days`` and
``caseload_mean`` (the year's average of the weekly mean caseload); ``not_in_need_share``
(% of assessments ended in the year whose case closed with them: not in need or no further
action); ``assessment_timeliness_rate`` (% of assessments ended in the year that ended within
45 working days of the referral, ``ASSESSMENT_LIMIT_DAYS``: time waiting for a worker counts,
as it does in DfE's measure). Money is in the separate budget table (``costs.py``).

Workforce (30 September snapshot and the 12 months to it, filed under the financial year
that contains that 30 September): ``inpost_fte``, ``agency_fte``, ``starters_fte``,
``leavers_fte``, ``turnover_rate``, ``vacancy_rate``, ``agency_rate``, ``caseload_per_fte``
(as the census: cases held by workers holding one or more, over their number, in the
census's cases: ``measurement.census_cases_per_case`` x the model's), ``over_cap_share``.
Rates are percentages.

Weekly series: ``open_assessment``, ``open_cin``, ``open_cp``, ``open_cla``,
``unallocated``, ``fte_experienced``, ``fte_newly_qualified``, ``fte_agency``,
``caseload_mean``.

A flow (a count over a year) is reported only for years wholly simulated; a stock or
snapshot whenever its date falls in the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.cases import REASONS
from sim.model.costs import YearQuantities
from sim.model.demand import CLA, CP

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.simulation import Service

ANNUAL_METRICS = (
    "referrals", "rereferral_rate", "cin_31mar", "cp_31mar", "cla_31mar", "cla_starts",
    "cp_starts", "waited_share", "allocation_wait_mean",
    "unallocated_mean", "unallocated_max", "worker_changes_per_child",
    "children_3plus_workers_rate", "worker_changes", "unallocated_case_days", "caseload_mean",
    "not_in_need_share", "assessment_timeliness_rate",
    "inpost_fte", "agency_fte", "starters_fte", "leavers_fte", "turnover_rate",
    "vacancy_rate", "agency_rate", "caseload_per_fte", "over_cap_share",
)
WEEKLY_METRICS = (
    "open_assessment", "open_cin", "open_cp", "open_cla", "unallocated", "fte_experienced",
    "fte_newly_qualified", "fte_agency", "caseload_mean",
)
HEADLINE_METRICS = (
    "referrals", "cla_31mar", "unallocated_mean", "worker_changes_per_child", "inpost_fte",
    "turnover_rate", "vacancy_rate", "agency_rate", "caseload_per_fte",
)


class TimeAverage:
    """The time-weighted mean and the maximum of a piecewise-constant quantity."""

    __slots__ = ("area", "max", "t", "t0", "value")

    def __init__(self, t: float = 0.0, value: float = 0.0) -> None:
        self.t0 = self.t = t
        self.value = value
        self.area = 0.0
        self.max = value

    def set(self, t: float, value: float) -> None:
        self.area += self.value * (t - self.t)
        self.t = t
        self.value = value
        if value > self.max:
            self.max = value

    def take(self, t: float) -> tuple[float, float]:
        """(mean, max) since the last take, then start again from ``t``."""
        self.set(t, self.value)
        span = t - self.t0
        mean = self.area / span if span > 0 else self.value
        out = (mean, self.max)
        self.t0 = t
        self.area = 0.0
        self.max = self.value
        return out


class Recorder:
    """Collects what happens; the model calls it, and it computes each measure."""

    def __init__(self) -> None:
        self.annual: list[tuple[str, str, float]] = []
        self.weekly: list[tuple[float, ...]] = []  # one row per week, WEEKLY_METRICS order
        self.weekly_t: list[float] = []
        # flows in the current financial year
        self.referrals = 0
        self.rereferrals = 0
        self.cla_starts = 0
        self.cp_starts = 0
        self.waited = 0
        self.wait_days = 0.0
        self.waits = 0
        self.unallocated = TimeAverage()
        self.fte = {"experienced": TimeAverage(), "newly_qualified": TimeAverage(),
                    "agency": TimeAverage()}
        self.cla_by_type = [TimeAverage(), TimeAverage(), TimeAverage()]
        self.hires = 0
        self.cohort_hires = 0
        self.hire_cost = 0.0  # dated hires' own costs (scenario prices)
        self.retention_paid = 0.0
        self.retention_clawed_back = 0.0
        self.changes = 0
        self.internal_moves = 0  # over the run
        self.absences = 0  # covered absences, over the run
        self.assessments_ended = 0
        self.assessments_closed = 0  # the path ended with the assessment (not in need, NFA)
        self.assessments_timely = 0  # ended within 45 working days of the referral
        self.caseload_sum = 0.0
        self.caseload_weeks = 0
        self.budget: list[tuple[str, str, float, float]] = []  # fy, line, cash, real
        self.starters: list[float] = []
        self.leavers: list[float] = []
        # totals over the run (for checks)
        self.total_referrals = 0
        self.total_closed = 0
        self.total_changes = 0
        # changes of worker by reason over the run: all, and of looked-after children
        self.change_reasons = dict.fromkeys(REASONS, 0)
        self.cla_change_reasons = dict.fromkeys(REASONS, 0)

    def add(self, fy: str, metric: str, value: float) -> None:
        self.annual.append((fy, metric, float(value)))

    def headcount(self, t: float, kind: str, delta: int) -> None:
        ta = self.fte[kind]
        ta.set(t, ta.value + delta)

    def starter(self, t: float) -> None:
        self.starters.append(t)

    def leaver(self, t: float) -> None:
        self.leavers.append(t)

    def queue_length(self, t: float, n: int) -> None:
        self.unallocated.set(t, n)

    def fte_means(self, t: float) -> dict[str, float]:
        """Mean FTE of each kind of worker since the last call (for costs)."""
        return {kind: ta.take(t)[0] for kind, ta in self.fte.items()}

    def cla_change(self, t: float, placement: int, delta: int) -> None:
        ta = self.cla_by_type[placement]
        ta.set(t, ta.value + delta)

    def new_year(self) -> None:
        """Start counting the flows of a new financial year."""
        self.referrals = self.rereferrals = self.cla_starts = self.cp_starts = 0
        self.waited = self.waits = 0
        self.wait_days = 0.0
        self.hires = self.cohort_hires = self.changes = 0
        self.hire_cost = 0.0
        self.assessments_ended = self.assessments_closed = self.assessments_timely = 0
        self.retention_paid = self.retention_clawed_back = 0.0
        self.caseload_sum, self.caseload_weeks = 0.0, 0

    def window(self, times: list[float], t0: float, t1: float) -> int:
        return sum(1 for x in times if t0 < x <= t1)


# ---------------------------------------------------------------------- taking the measures
# Each reads the service's state at its date and writes to its Recorder; the service only
# schedules them (simulation.py).


def snapshot_week(svc: Service) -> None:
    """The weekly series, in the order of WEEKLY_METRICS."""
    wf, alloc, rec = svc.workforce, svc.alloc, svc.rec
    exp, nq, ag = wf.counts()
    holders = len(wf.case_holders)
    caseload = alloc.n_allocated / holders if holders else np.nan
    n = svc.journey.n_open
    rec.weekly_t.append(svc.env.now)
    rec.weekly.append((n[0], n[1], n[2], n[3], alloc.n_waiting, exp, nq, ag, caseload))
    if holders:
        rec.caseload_sum += caseload
        rec.caseload_weeks += 1


def year_end(svc: Service, fy: str, complete: bool, fy_start: float) -> None:
    """The 31 March figures of financial year ``fy`` (its flows and budget only if the
    whole year, from ``fy_start``, was simulated); then the Recorder starts a new year."""
    t = svc.env.now
    rec = svc.rec
    add = rec.add
    journey = svc.journey
    open_cases = list(journey.open_cases.values())
    add(fy, "cin_31mar", len(open_cases))
    add(fy, "cp_31mar", journey.n_open[CP])
    add(fy, "cla_31mar", journey.n_open[CLA])
    mean_q, max_q = rec.unallocated.take(t)
    fte = rec.fte_means(t)
    foster, residential, other = (ta.take(t)[0] for ta in rec.cla_by_type)
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
        children = journey.fy_children
        changes = sum(c.fy_changes for c in children)
        add(fy, "worker_changes_per_child", changes / len(children) if children else np.nan)
        add(fy, "worker_changes", rec.changes)
        looked_after = [c.child for c in open_cases if c.stage == CLA]
        three = sum(1 for c in looked_after if len(c.fy_workers) >= 3)
        add(fy, "children_3plus_workers_rate",
            100 * three / len(looked_after) if looked_after else np.nan)
        add(fy, "caseload_mean", rec.caseload_sum / rec.caseload_weeks
            if rec.caseload_weeks else np.nan)
        add(fy, "not_in_need_share", 100 * rec.assessments_closed / rec.assessments_ended
            if rec.assessments_ended else np.nan)
        add(fy, "assessment_timeliness_rate", 100 * rec.assessments_timely
            / rec.assessments_ended if rec.assessments_ended else np.nan)
        q = YearQuantities(
            days=t - fy_start, fte_experienced=fte["experienced"],
            fte_newly_qualified=fte["newly_qualified"], fte_agency=fte["agency"],
            cla_by_type=(foster, residential, other), hires=rec.hires,
            cohort_hires=rec.cohort_hires, hire_cost=rec.hire_cost,
            retention_paid=rec.retention_paid,
            retention_clawed_back=rec.retention_clawed_back)
        rec.budget.extend((fy, line, cash, real) for line, cash, real in
                          svc.ledger.year(fy, fy_start, t, q))
    rec.new_year()


def september(svc: Service, fy: str, complete: bool, window_start: float) -> None:
    """The 30 September workforce figures, filed under ``fy``; starters, leavers and
    turnover only if the 12 months from ``window_start`` were simulated."""
    t = svc.env.now
    rec = svc.rec
    wf = svc.workforce
    exp, nq, agency = wf.counts()
    inpost = exp + nq
    vac = wf.vacancies()
    rec.add(fy, "inpost_fte", inpost)
    rec.add(fy, "agency_fte", agency)
    rec.add(fy, "vacancy_rate", 100 * vac / (vac + inpost) if vac + inpost else np.nan)
    rec.add(fy, "agency_rate", 100 * agency / (agency + inpost) if agency + inpost else np.nan)
    holders = list(wf.case_holders.values())
    # the census's caseload: cases held over the workers holding one or more (agency too),
    # in the census's cases (``measurement.census_cases_per_case``)
    holding = [len(w.cases) for w in holders if w.cases]
    rec.add(fy, "caseload_per_fte", svc.s.measurement.census_cases_per_case
            * sum(holding) / len(holding) if holding else np.nan)
    over = sum(1 for w in holders if len(w.cases) > w.cap)
    rec.add(fy, "over_cap_share", 100 * over / len(holders) if holders else np.nan)
    if complete:
        starters = rec.window(rec.starters, window_start, t)
        leavers = rec.window(rec.leavers, window_start, t)
        rec.add(fy, "starters_fte", starters)
        rec.add(fy, "leavers_fte", leavers)
        rec.add(fy, "turnover_rate", 100 * leavers / inpost if inpost else np.nan)
