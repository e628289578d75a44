"""Planned, dated changes of the workforce that a scenario's interventions make: a dated
hire of a number of workers (``interventions.hires``) and a change of agency cover
(``interventions.agency_changes``). They act through the workforce's own moves
(``workforce.py``); establishment and cap changes are the workforce's own methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.randomness import Uniforms
from sim.model.staff import EXPERIENCED, NEWLY_QUALIFIED
from sim.scenario.distributions import param_value
from sim.scenario.schema import DatedHire

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.workforce import Workforce


def dated_hire(wf: Workforce, h: DatedHire, u: Uniforms) -> None:
    """A dated hire (international recruits, a one-off campaign): each recruit starts after
    their own time to start (``u``: the hire's own stream, so the draws are the same in
    every scenario that has this hire)."""
    for _ in range(h.number):
        wf.at(float(h.time_to_start_days.ppf(u())), _recruit_starts, wf, h)


def _recruit_starts(wf: Workforce, h: DatedHire) -> None:
    post = None
    if h.into == "vacancies":
        post = next((p for p in wf.posts if p.vacant and p.role == h.role
                     and not p.closing), None)
    if post is None:  # a post of their own (the establishment grows)
        post = wf.new_post(h.role)
    w = wf.hire(post, NEWLY_QUALIFIED if h.kind == NEWLY_QUALIFIED else EXPERIENCED, "dated")
    if h.annual_hazard is not None:
        w.own_hazard = param_value(h.annual_hazard)
    wf.rec.hire_cost += h.cost_per_hire


def change_agency(wf: Workforce, cover_share: float | None, additional: int | None) -> None:
    """A dated change of agency cover. Each vacancy keeps the draw that decided its cover
    (``Post.cover_u``): vacancies open now whose draw is under the new share are covered
    (after the time to engage), and from now on a covered vacancy whose draw is not stays
    uncovered when its agency worker leaves. Agency staff beyond cover are engaged or
    released (newest first) to ``additional``."""
    if cover_share is not None:
        wf.base_cover = cover_share
        wf.set_cover_shock(wf.cover_shock)
        wf.cover_dated = True
        for post in wf.posts:
            if post.vacant and post.agency is None and post.cover_u < wf.cover_share:
                wf.at(wf.engage_delay(post), wf.engage, post)
    if additional is not None:
        wf.resize_agency(wf.extra_posts, additional)
