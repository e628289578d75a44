"""The service's responses to strain (the scenario's ``strain`` section).

Real services do not let a queue grow without bound when work outgrows their workers: they
tighten the front door, buy agency staff, add posts a year later, and managers hold the
cases nobody can take. Each response here is optional, named, and as strong as the evidence
says (docs/evidence.md, the ``workload__*`` rows):

- **workload** is referrals in the last 12 months per social worker in post (permanent, every
  role: the census's FTE in post, which leaves agency staff out), over its value on the
  start date. Before a year has passed, the
  months before the start count at the scenario's ``referrals_per_year``;
- **thresholds**: above the start's workload, a referral that would go on past assessment
  ends there with the probability that raises the share ending after assessment by the
  scenario's points per 10% more workload;
- **agency**: every ``review_days``, the agency workers bought beyond vacancy cover are set
  to the start's agency workforce times (workload ratio ** elasticity - 1);
- **establishment**: once a year, case-holding posts follow the workload the same way;
- **manager holding**: an assessment waiting ``after_days`` for a worker starts its clock,
  ``slowdown`` times slower (``journey.py``).

A response acts on the ratio ``workload / start`` read at the weekly round, so what happens
within a week sees last week's ratio.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

from sim.scenario.distributions import param_value
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.journey import Journey
    from sim.model.measures import Recorder
    from sim.model.workforce import Workforce

WEEKS_PER_YEAR = 52
LOG_10PCT = math.log(1.1)


def elasticity(pct_per_10pct: float) -> float:
    """The elasticity that gives ``pct_per_10pct`` % more for 10% more workload.

    >>> round(elasticity(10.0), 6), elasticity(0.0)
    (1.0, 0.0)
    """
    return math.log1p(pct_per_10pct / 100) / LOG_10PCT


class Strain:
    """The workload ratio, read weekly, and the responses that follow it."""

    def __init__(self, s: Scenario, journey: Journey, workforce: Workforce,
                 rec: Recorder) -> None:
        self.cfg = s.strain
        self.journey = journey
        self.workforce = workforce
        self.rec = rec
        self.reference_referrals = s.demand.referrals_per_year
        self.weekly_referrals: deque[int] = deque(maxlen=WEEKS_PER_YEAR)
        self.last_total = 0
        self.start_workload = math.nan
        self.ratio = 1.0
        self.week = 0
        c = self.cfg
        base_close = s.demand.assessment_outcomes.not_in_need
        self.close_per_point = 1 / (100 * (1 - base_close)) if base_close < 1 else 0.0
        th, ag, est = c.thresholds, c.agency, c.establishment
        self.points = param_value(th.points_per_10pct) if th and th.enabled else 0.0
        self.agency_b = elasticity(param_value(ag.pct_per_10pct)) if ag and ag.enabled else 0.0
        self.review_weeks = max(1, round(ag.review_days / 7)) if ag else 1
        self.posts_b = elasticity(param_value(est.pct_per_10pct)) \
            if est and est.enabled else 0.0
        self.start_agency = 0
        self.start_posts = s.workforce.establishment.case_holding
        self.posts_added = 0

    @property
    def any(self) -> bool:
        return any(self.cfg.on(n) for n in ("thresholds", "agency", "establishment"))

    def in_post(self) -> int:
        """Permanent social workers in post: the evidence's denominator (csww inpost_fte)."""
        return len(self.workforce.permanent)

    def start(self) -> None:
        """The start date's workload and agency workforce (after the start state is built)."""
        self.start_workload = self.reference_referrals / max(1, self.in_post())
        self.start_agency = len(self.workforce.agency)

    def workload(self) -> float:
        """Referrals in the last 12 months per social worker in post now."""
        seen = len(self.weekly_referrals)
        past = self.reference_referrals * (WEEKS_PER_YEAR - seen) / WEEKS_PER_YEAR
        return (sum(self.weekly_referrals) + past) / max(1, self.in_post())

    def weekly(self) -> None:
        """Count the week's referrals, read the ratio and adjust the responses."""
        total = self.rec.total_referrals
        self.weekly_referrals.append(total - self.last_total)
        self.last_total = total
        self.week += 1
        self.ratio = self.workload() / self.start_workload
        log_ratio = math.log(self.ratio) if self.ratio > 0 else 0.0
        if self.points:
            points = max(0.0, self.points * log_ratio / LOG_10PCT)
            self.journey.extra_close = min(1.0, points * self.close_per_point)
        if self.agency_b and self.week % self.review_weeks == 0:
            extra = self.start_agency * (self.ratio ** self.agency_b - 1)
            self.workforce.set_strain_agency(max(0, round(extra)))

    def budget_round(self) -> None:
        """Once a year: case-holding posts follow the workload."""
        if not self.posts_b:
            return
        target = round(self.start_posts * (self.ratio ** self.posts_b - 1))
        change = target - self.posts_added
        if change:
            self.workforce.change_establishment("case_holding", change)
            self.posts_added = target
