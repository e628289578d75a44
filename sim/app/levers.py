"""The levers a planner moves, as plain values, and what they change in a scenario.

``Levers`` holds one value per control on the page; ``levers_from(scenario)`` gives the
baseline's own values (so an untouched page changes nothing) and ``changes(levers,
baseline)`` the dotted-path overrides of the fields that differ, which ``apply`` puts
through ``with_overrides``: the schema's own checks, with its one-line ``ScenarioError``s
("levers: interventions.retention.end: must be after start ..."), as on the command line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sim.scenario import Scenario, ScenarioError, with_overrides

SOURCE = "levers"  # how the page's errors name where the mistake is
STRAIN_RESPONSES = {
    "thresholds": "more referrals end at assessment",
    "agency": "agency staff bought beyond vacancy cover",
    "establishment": "posts follow the workload",
    "manager_holding": "managers hold assessments nobody can take",
}
MAX_REPLICATIONS = 200


@dataclass(frozen=True)
class Campaign:
    """A recruitment campaign: better odds of filling a vacancy, faster hiring."""

    start: dt.date
    end: dt.date
    fill_probability: float
    time_to_hire_scale: float = 1.0


@dataclass(frozen=True)
class Recruits:
    """A number of experienced social workers hired at once (e.g. from abroad), each in a
    new post, starting on a date, at a cost each (``interventions.hires``)."""

    number: int
    date: dt.date
    cost_per_hire: float


@dataclass(frozen=True)
class Levers:
    """Every value the page's controls set (money in £, dates, counts)."""

    retention_annual: float
    retention_start: dt.date
    retention_end: dt.date
    retention_effect: tuple[float, float]  # hazard ratio at the reference payment, low-high
    early_help: tuple[tuple[dt.date, float], ...]  # (from, £ a year against the base budget)
    posts_change: int  # case-holding posts added (or removed, < 0) on posts_date
    posts_date: dt.date
    caps: tuple[int, int, int]  # experienced, newly qualified, agency
    caps_date: dt.date
    agency_cover: float  # share of vacancies covered by agency staff
    agency_additional: int  # agency staff beyond vacancy cover
    campaign: Campaign | None
    recruits: Recruits | None = None
    strain: dict[str, bool] = field(default_factory=dict)  # response -> on (those present)
    replications: int = 20

    def with_(self, **changes: Any) -> Levers:
        return replace(self, **changes)


def levers_from(sc: Scenario, replications: int | None = None) -> Levers:
    """The baseline's own values of every lever."""
    iv, wf = sc.interventions, sc.workforce
    hr = iv.retention.hazard_ratio
    start = sc.run.start_date
    return Levers(
        retention_annual=iv.retention.annual_spend,
        retention_start=iv.retention.start,
        retention_end=iv.retention.end,
        retention_effect=(round(float(hr.ppf(0.0)), 4), round(float(hr.ppf(1.0)), 4)),
        early_help=tuple((c.start, c.annual_change) for c in iv.early_help.changes),
        posts_change=0,
        posts_date=start,
        caps=(wf.caps.experienced, wf.caps.newly_qualified, wf.caps.agency),
        caps_date=start,
        agency_cover=round(wf.agency.cover_share.central(), 4),
        agency_additional=wf.agency.additional,
        campaign=None,
        strain={k: sc.strain.on(k) for k in STRAIN_RESPONSES
                if getattr(sc.strain, k) is not None} if sc.strain is not None else {},
        replications=replications or sc.run.replications,
    )


def _effect(low: float, high: float) -> dict[str, Any]:
    if low == high:
        return {"dist": "fixed", "value": low}
    return {"dist": "uniform", "low": low, "high": high}


def changes(lv: Levers, sc: Scenario) -> dict[str, Any]:
    """The dotted-path overrides that make ``sc`` what the levers say (only what differs)."""
    base = levers_from(sc, lv.replications)
    iv = sc.interventions
    out: dict[str, Any] = {}
    if lv.retention_annual != base.retention_annual:
        out["interventions.retention.annual_spend"] = lv.retention_annual
    if lv.retention_start != base.retention_start:
        out["interventions.retention.start"] = lv.retention_start
    if lv.retention_end != base.retention_end:
        out["interventions.retention.end"] = lv.retention_end
    if lv.retention_effect != base.retention_effect:
        out["interventions.retention.hazard_ratio"] = _effect(*lv.retention_effect)
    if lv.early_help != base.early_help:
        out["interventions.early_help.changes"] = [
            {"start": d, "annual_change": x} for d, x in sorted(lv.early_help)]
    if lv.posts_change:
        out["interventions.establishment_changes"] = [
            *[c.model_dump() for c in iv.establishment_changes],
            {"date": lv.posts_date, "role": "case_holding", "change": lv.posts_change}]
    if lv.caps != base.caps:
        out["interventions.cap_changes"] = [
            *[c.model_dump() for c in iv.cap_changes],
            *[{"date": lv.caps_date, "worker_type": t, "cap": new}
              for t, new, old in zip(("experienced", "newly_qualified", "agency"), lv.caps,
                                     base.caps, strict=True) if new != old]]
    if lv.agency_cover != base.agency_cover:
        out["workforce.agency.cover_share"] = lv.agency_cover
    if lv.agency_additional != base.agency_additional:
        out["workforce.agency.additional"] = lv.agency_additional
    if lv.recruits is not None:
        h = lv.recruits
        out["interventions.hires"] = [
            *[x.model_dump() for x in iv.hires],
            {"label": "recruits", "date": h.date, "number": h.number, "kind": "experienced",
             "into": "new_posts", "cost_per_hire": h.cost_per_hire}]
    if lv.campaign is not None:
        c = lv.campaign
        out["interventions.recruitment_campaigns"] = [
            *[x.model_dump() for x in iv.recruitment_campaigns],
            {"start": c.start, "end": c.end, "fill_probability": c.fill_probability,
             "time_to_hire_scale": c.time_to_hire_scale}]
    for name, on in lv.strain.items():
        if base.strain.get(name) is not None and on != base.strain[name]:
            out[f"strain.{name}.enabled"] = on
    return out


def apply(lv: Levers, sc: Scenario, name: str) -> Scenario:
    """The baseline with the levers' changes, named ``name``; a ``ScenarioError`` in one
    line if the schema refuses them."""
    if not 1 <= lv.replications <= MAX_REPLICATIONS:
        raise ScenarioError(SOURCE, f"must be from 1 to {MAX_REPLICATIONS} (found "
                            f"{lv.replications})", "replications")
    return with_overrides(sc, {**changes(lv, sc), "name": name}, SOURCE)
