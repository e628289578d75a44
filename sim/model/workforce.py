"""Social workers and the posts they fill: hiring, ramp-up, leaving, agency cover,
recruitment rounds, newly qualified cohorts and dated hires (``staff.py``: the posts and
workers themselves).

A post is funded (the establishment) and either held by a permanent worker or vacant; a
vacant post may be covered by an agency worker. Permanent workers leave by a hazard that a
retention payment lowers and a caseload above the reference raises; each draws, when hired,
the exponential "exhaustion" it takes to leave and its notice period, so the same worker
leaves at the same time in two scenarios unless their hazards differ.

Random numbers for hiring, leaving and agency cover come from streams of each post's own
(one per post and purpose), so a difference in one post's history between two scenarios
leaves every other post's draws as they were: common random numbers post by post.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import simpy

from sim.model.allocation import Allocator
from sim.model.calendar import Calendar
from sim.model.cases import AGENCY_ENDED, CASELOADS, LEFT
from sim.model.demand import residual_durations
from sim.model.interventions import Recruiting, RetentionScheme
from sim.model.measures import Recorder
from sim.model.randomness import Uniforms
from sim.model.scheduling import Call
from sim.model.staff import (
    AGENCY,
    CASE_HOLDING,
    EXPERIENCED,
    NEWLY_QUALIFIED,
    NON_CASE_HOLDING,
    Post,
    Worker,
)
from sim.periods import DAYS_PER_MONTH, DAYS_PER_WEEK
from sim.scenario.distributions import param_value
from sim.scenario.schema import Scenario

HAZARD_WEEKS = 4
"""Leaving hazards are re-read every four weeks (each worker's notice date is then exact
for the hazard read): every week would cost a loop over the workforce 4 times as often for
no visible difference."""


def _call(fn_args: tuple[Callable[..., Any], tuple[Any, ...]]) -> None:
    fn, args = fn_args  # the function stays readable on the event (stalls.py names it)
    fn(*args)


class Workforce:
    def __init__(self, env: simpy.Environment, s: Scenario, cal: Calendar, alloc: Allocator,
                 rec: Recorder, retention: RetentionScheme,
                 make_stream: Callable[[str], np.random.Generator]) -> None:
        self.env = env
        self.s = s
        self.w = s.workforce
        self.cal = cal
        self.alloc = alloc
        self.rec = rec
        self.retention = retention
        self.recruiting = Recruiting(s, cal)
        self._make_stream = make_stream
        self._streams: dict[tuple[int, str], Uniforms] = {}
        self.u_init = Uniforms(make_stream("initial_workforce"))
        self.caps = self.w.caps.model_dump()
        self.posts: list[Post] = []
        self.strain_posts: list[Post] = []  # agency bought under strain (strain.py)
        self.permanent: dict[int, Worker] = {}
        self.newly_qualified: dict[int, Worker] = {}
        self.agency: dict[int, Worker] = {}
        self.case_holders: dict[int, Worker] = {}
        self._ids = 0
        self._post_ids = 0
        self._week = 0
        self.caseload_effect = param_value(self.w.leaving.caseload_effect_per_case)
        # the share of vacancies covered: the scenario's (or a dated change's) plus this
        # year's shock (workforce_shocks.py), within 0 and 1
        self.base_cover = param_value(self.w.agency.cover_share)
        self.cover_shock = 0.0
        self.cover_share = self.base_cover
        self.cover_dated = False  # a dated change of cover has come: cover is decided again
        self.extra_posts: list[Post] = []  # agency beyond cover (workforce.agency.additional)
        self.leave_factor = 1.0  # this year's shock to leaving (workforce_shocks.py)

    # ------------------------------------------------------------------ helpers

    def at(self, delay: float, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` after ``delay`` days (at once if negative)."""
        Call(self.env, max(0.0, delay), _call, (fn, args))

    def draw(self, post: Post, purpose: str) -> float:
        """The next uniform of this post's stream for ``purpose`` (leave, recruit, agency)."""
        key = (post.id, purpose)
        u = self._streams.get(key)
        if u is None:
            u = self._streams[key] = Uniforms(self._make_stream(f"post{post.id}:{purpose}"),
                                              block=16)
        return u()

    def new_post(self, role: str, agency_only: bool = False) -> Post:
        self._post_ids += 1
        p = Post(self._post_ids, role, agency_only)
        self.posts.append(p)
        return p

    def _new_worker(self, kind: str, post: Post, start: float) -> Worker:
        self._ids += 1
        w = Worker(self._ids, kind, post, start)
        w.cap = self._cap_for(w, start)
        return w

    def _cap_for(self, w: Worker, t: float) -> int:
        if w.kind != NEWLY_QUALIFIED:
            return self.caps[w.kind]
        nq = self.w.newly_qualified
        months = w.months_at_start + (t - w.start) / DAYS_PER_MONTH
        full = self.caps[NEWLY_QUALIFIED]
        if nq.ramp_up_months > 0 and months < nq.ramp_up_months:
            share = nq.ramp_up_start_share + (1 - nq.ramp_up_start_share) * months \
                / nq.ramp_up_months
            return max(1, round(full * share))
        return full

    def counts(self) -> tuple[int, int, int]:  # (experienced, newly qualified, agency)
        nq = len(self.newly_qualified)
        return len(self.permanent) - nq, nq, len(self.agency)

    def vacancies(self) -> int:
        return sum(1 for p in self.posts if p.vacant)

    # ------------------------------------------------------------------ the start

    def build_initial(self) -> None:
        """Posts, workers in post and agency cover on the start date."""
        est, init = self.w.establishment, self.s.initial_state.workforce
        posts = {
            CASE_HOLDING: [self.new_post(CASE_HOLDING) for _ in range(est.case_holding)],
            NON_CASE_HOLDING: [self.new_post(NON_CASE_HOLDING)
                               for _ in range(est.non_case_holding)],
        }
        extra = self.extra_posts = [self.new_post(CASE_HOLDING, agency_only=True)
                                    for _ in range(self.w.agency.additional)]
        u_cover = Uniforms(self._make_stream("initial_cover"))
        months_dist = init.newly_qualified_months_in_post
        asye = self.w.newly_qualified.asye_months
        for role in (CASE_HOLDING, NON_CASE_HOLDING):
            staff = getattr(init, role)
            free = iter(posts[role])
            for _ in range(staff.experienced):
                self._place(EXPERIENCED, next(free), 0.0)
            for _ in range(staff.newly_qualified):
                months = min(float(months_dist.ppf(self.u_init())), asye * 0.999)
                self._place(NEWLY_QUALIFIED, next(free), 0.0, months)
            cover = [p for p in posts[role] if p.occupant is None]
            if role == CASE_HOLDING:
                cover += extra
            stay = self.w.agency.stay_days
            for post in cover[: staff.agency]:
                post.cover_u = self.cover_share * u_cover()  # covered: its draw was below
                u = np.array([[self.u_init(), self.u_init()]])
                _, remaining = residual_durations(stay, u)
                self.engage(post, float(remaining[0]))
        for post in self.posts:
            if post.agency is None and post.occupant is None:
                if post.agency_only:
                    self.at(self.engage_delay(post), self.engage, post)
                else:
                    self._vacancy_opened(post)

    def _place(self, kind: str, post: Post, t: float, months: float = 0.0) -> Worker:
        w = self._new_worker(kind, post, t)
        w.months_at_start = months
        w.cap = self._cap_for(w, t)
        w.exhaustion = -math.log1p(-self.draw(post, "leave"))
        w.notice = float(self.w.leaving.notice_days.ppf(self.draw(post, "leave")))
        post.occupant = w
        self.permanent[w.id] = w
        if kind == NEWLY_QUALIFIED:
            self.newly_qualified[w.id] = w
        self.rec.headcount(self.env.now, kind, +1)
        if w.holds_cases:
            self.case_holders[w.id] = w
            self.alloc.add_worker(w)
        return w

    # ------------------------------------------------------------------ permanent staff

    def hire(self, post: Post, kind: str, route: str = "external") -> Worker:
        """A permanent worker starts in a post; any agency cover there ends. ``route``:
        external (a recruitment round, priced per hire), cohort (the academy) or dated (a
        dated hire, priced by its own cost per hire)."""
        t = self.env.now
        w = self._place(kind, post, t)
        self._rebalance(w)
        self.rec.starter(t)
        if route == "cohort":
            self.rec.cohort_hires += 1
        elif route == "external":
            self.rec.hires += 1
        if post.agency is not None:
            self._agency_leaves(post.agency, replaced=True)
        return w

    def weekly(self) -> None:
        """Every four weeks, look ahead at each permanent worker's leaving hazard; every
        week, ramp up newly qualified workers and end their ASYE year."""
        t = self.env.now
        self._week += 1
        if self._week % HAZARD_WEEKS == 1 or HAZARD_WEEKS == 1:
            self._leaving_ahead(t)
        self._newly_qualified(t)

    def _leaving_ahead(self, t: float) -> None:
        """Each worker's hazard, held for the next HAZARD_WEEKS: a worker whose accumulated
        hazard reaches their exhaustion within that time gives notice exactly when it does
        (the hazard changes with caseload, so it is re-read at the next look-ahead)."""
        base = self.w.leaving.annual_hazard
        h_kind = {EXPERIENCED: param_value(base.experienced),
                  NEWLY_QUALIFIED: param_value(base.newly_qualified)}
        ret = self.retention.hazard_multiplier(t, len(self.permanent)) * self.leave_factor
        eff = self.caseload_effect
        ref = self.w.leaving.caseload_reference
        span = HAZARD_WEEKS * DAYS_PER_WEEK / 365.0
        for w in self.permanent.values():
            if w.leaving or w.notice_due:
                continue
            h = (h_kind[w.kind] if w.own_hazard is None else w.own_hazard) * ret
            if eff and w.holds_cases:
                excess = len(w.cases) - (w.cap if ref is None else ref)
                if excess > 0:
                    h *= (1 + eff) ** excess
            if h > 0 and w.hazard_used + h * span >= w.exhaustion:
                w.notice_due = True
                self.at((w.exhaustion - w.hazard_used) / h * 365.0, self._give_notice, w)
            else:
                w.hazard_used += h * span

    def _newly_qualified(self, t: float) -> None:
        asye = self.w.newly_qualified.asye_months
        for w in list(self.newly_qualified.values()):
            if w.months_at_start + (t - w.start) / DAYS_PER_MONTH >= asye:
                del self.newly_qualified[w.id]
                self.rec.headcount(t, NEWLY_QUALIFIED, -1)
                self.rec.headcount(t, EXPERIENCED, +1)
                w.kind = EXPERIENCED
            new_cap = self._cap_for(w, t)
            if new_cap != w.cap:
                w.cap = new_cap
                self.alloc.cap_changed(w)

    def _give_notice(self, w: Worker) -> None:
        w.leaving = True
        if w.holds_cases:
            self.alloc.withdraw(w)
        self.at(w.notice, self._depart, w)

    def _depart(self, w: Worker) -> None:
        t = self.env.now
        w.active = False
        del self.permanent[w.id]
        if self.newly_qualified.pop(w.id, None) is not None:
            self.rec.headcount(t, NEWLY_QUALIFIED, -1)
        else:
            self.rec.headcount(t, EXPERIENCED, -1)
        self.rec.leaver(t)
        self.retention.claw_back(w, t, self.rec)
        post = w.post
        post.occupant = None
        self._hand_over(w, LEFT)
        if post.closing:
            self.remove_post(post)
        else:
            self._vacancy_opened(post)

    def _hand_over(self, w: Worker, cause: str) -> None:
        """A worker who goes passes every case they hold to others."""
        if w.holds_cases:
            del self.case_holders[w.id]
            self.alloc.hand_over(w, cause)
            if self.alloc.n_waiting:  # nothing to do when nobody waits
                self.alloc.drain()

    # ------------------------------------------------------------------ agency

    def engage_delay(self, post: Post) -> float:
        return float(self.w.agency.time_to_engage_days.ppf(self.draw(post, "agency")))

    def _vacancy_opened(self, post: Post) -> None:
        post.cover_u = self.draw(post, "agency")
        if post.cover_u < self.cover_share:
            self.at(self.engage_delay(post), self.engage, post)

    def engage(self, post: Post, stay: float | None = None) -> None:
        if post.removed or post.occupant is not None or post.agency is not None:
            return
        t = self.env.now
        a = self._new_worker(AGENCY, post, t)
        post.agency = a
        self.agency[a.id] = a
        self.rec.headcount(t, AGENCY, +1)
        starting = stay is not None  # one of the start's agency workers, already in post
        if stay is None:
            stay = float(self.w.agency.stay_days.ppf(self.draw(post, "agency")))
        self.at(stay, self._agency_leaves, a, False)
        if a.holds_cases:
            self.case_holders[a.id] = a
            self.alloc.add_worker(a)
            if not starting:
                self._rebalance(a)

    def _rebalance(self, w: Worker) -> None:
        """A new case holder's manager gives them cases from the fullest colleagues."""
        share = self.s.allocation.rebalance_to_starters
        if share > 0 and w.holds_cases:
            self.alloc.rebalance(w, round(share * w.cap), CASELOADS,
                                 lambda: self.draw(w.post, "rebalance"))

    def _agency_leaves(self, a: Worker, replaced: bool) -> None:
        if not a.active:
            return
        t = self.env.now
        a.active = False
        del self.agency[a.id]
        self.rec.headcount(t, AGENCY, -1)
        post = a.post
        post.agency = None
        self._hand_over(a, AGENCY_ENDED)
        if replaced or post.removed or post.occupant is not None:
            return
        if self.cover_dated and not post.agency_only and post.cover_u >= self.cover_share:
            return  # a dated change has left this vacancy uncovered
        # a vacancy covered by agency stays covered: another agency worker is engaged
        # (whether to cover is decided when the vacancy opens, and again by a dated change)
        self.at(self.engage_delay(post), self.engage, post)

    def set_cover_shock(self, shock: float) -> None:
        """This year's shock to the share of vacancies covered (workforce_shocks.py)."""
        self.cover_shock = shock
        self.cover_share = min(1.0, max(0.0, self.base_cover + shock))

    def set_strain_agency(self, n: int) -> None:
        """Agency case holders bought under strain, to ``n`` (strain.py)."""
        self.resize_agency(self.strain_posts, n)

    def resize_agency(self, posts: list[Post], n: int) -> None:
        """Agency case holders beyond vacancy cover, one to each post in ``posts``, to
        ``n``: engaged after the time to engage (and covered again when one leaves), or
        released at once, newest first."""
        while len(posts) < n:
            post = self.new_post(CASE_HOLDING, agency_only=True)
            posts.append(post)
            self.at(self.engage_delay(post), self.engage, post)
        while len(posts) > n:
            self.remove_post(posts.pop())

    # ------------------------------------------------------------------ recruitment

    def recruitment_round(self) -> None:
        """Advertise vacant posts not already being recruited to, up to the batch size."""
        t = self.env.now
        p, scale = self.recruiting.at(t)
        r = self.w.recruitment
        n = 0
        for post in self.posts:
            if n >= r.batch_size:
                break
            if post.vacant and not post.recruiting and not post.closing:
                post.recruiting = True
                n += 1
                success = self.draw(post, "recruit") < p
                delay = float(r.time_to_hire_days.ppf(self.draw(post, "recruit"))) * scale
                nq = self.draw(post, "recruit") < r.newly_qualified_share
                self.at(delay, self._recruited, post, success, nq)

    def _recruited(self, post: Post, success: bool, nq: bool) -> None:
        post.recruiting = False
        if success and post.vacant:
            kind = NEWLY_QUALIFIED if (nq and post.role == CASE_HOLDING) else EXPERIENCED
            self.hire(post, kind)

    def cohort(self) -> None:
        """A cohort of newly qualified workers fills vacant case-holding posts."""
        n = self.w.cohort.size
        for post in self.posts:
            if n == 0:
                break
            if post.vacant and post.role == CASE_HOLDING and not post.closing:
                self.hire(post, NEWLY_QUALIFIED, "cohort")
                n -= 1

    # ------------------------------------------------------------------ dated changes

    def change_establishment(self, role: str, change: int) -> None:
        if change > 0:
            for _ in range(change):
                self._vacancy_opened(self.new_post(role))
            return
        todo = -change
        live = [p for p in self.posts if p.role == role and not p.agency_only and not p.removed
                and not p.closing]
        for post in reversed(live):  # vacant posts go first, newest first
            if todo and post.occupant is None:
                self.remove_post(post)
                todo -= 1
        for post in reversed(live):
            if todo and not post.removed:
                post.closing = True
                todo -= 1

    def remove_post(self, post: Post) -> None:
        post.removed = True
        self.posts.remove(post)
        if post.agency is not None:
            self._agency_leaves(post.agency, replaced=True)

    def change_cap(self, kind: str, cap: int) -> None:
        self.caps[kind] = cap
        for w in list(self.case_holders.values()):
            if w.kind == kind or (kind == NEWLY_QUALIFIED and w.kind == NEWLY_QUALIFIED):
                w.cap = self._cap_for(w, self.env.now)
                self.alloc.cap_changed(w)
