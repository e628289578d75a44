"""What one session does with the page's values, without Streamlit: read the controls into
``Levers``, and start a comparison (the scenario they make, its YAML, the job)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.app.jobs import Job, Service
from sim.app.levers import Campaign, Levers, Recruits, apply, changes
from sim.app.scenario_file import scenario_yaml
from sim.app.sources import Source
from sim.outputs import labels

MILLION = 1e6
ALTERNATIVE = "your_changes"  # the levers' scenario: "Your changes" in the headline




def _date(v: Any, default: dt.date) -> dt.date:
    return v if isinstance(v, dt.date) else default


def early_help_rows(rows: Any) -> tuple[tuple[dt.date, float], ...]:
    """The early-help table's rows (``from``, ``£m a year``) as (date, £) pairs; rows
    missing either are left out (a half-typed row is not a change)."""
    records = rows.to_dict("records") if hasattr(rows, "to_dict") else list(rows or [])
    out = []
    for r in records:
        when, amount = r.get("from"), r.get("£m a year")
        if when is None or amount is None or pd.isna(when) or pd.isna(amount):
            continue
        if isinstance(when, dt.datetime):  # a pandas Timestamp too
            when = when.date()
        if isinstance(when, dt.date):
            out.append((when, round(float(amount) * MILLION, 2)))
    return tuple(sorted(out))


def read_levers(v: Mapping[str, Any], base: Levers) -> Levers:
    """The controls' values (by widget key; money in £m) as ``Levers``; a control missing
    from ``v`` keeps the baseline's value."""
    def get(key: str, default: Any) -> Any:
        value = v.get(key)
        return default if value is None else value

    campaign = None
    if v.get("campaign_on"):
        campaign = Campaign(_date(v.get("campaign_start"), base.retention_start),
                            _date(v.get("campaign_end"), base.retention_end),
                            float(get("campaign_fill", 0.5)),
                            float(get("campaign_speed", 1.0)))
    recruits = None
    if v.get("recruits_on") and int(get("recruits_number", 0)) > 0:
        recruits = Recruits(int(get("recruits_number", 0)),
                            _date(v.get("recruits_date"), base.posts_date),
                            round(float(get("recruits_cost", 0.0)), 2))
    return Levers(
        retention_annual=round(float(get("retention_m", base.retention_annual / MILLION))
                               * MILLION, 2),
        retention_start=_date(v.get("retention_start"), base.retention_start),
        retention_end=_date(v.get("retention_end"), base.retention_end),
        retention_effect=(float(get("hr_low", base.retention_effect[0])),
                          float(get("hr_high", base.retention_effect[1]))),
        early_help=early_help_rows(v["early_help"]) if "early_help" in v
        else base.early_help,
        posts_change=int(get("posts_change", 0)),
        posts_date=_date(v.get("posts_date"), base.posts_date),
        caps=(int(get("cap_experienced", base.caps[0])),
              int(get("cap_newly_qualified", base.caps[1])),
              int(get("cap_agency", base.caps[2]))),
        caps_date=_date(v.get("caps_date"), base.caps_date),
        agency_cover=float(get("agency_cover", base.agency_cover)),
        agency_additional=int(get("agency_additional", base.agency_additional)),
        campaign=campaign,
        recruits=recruits,
        strain={k: bool(get(f"strain_{k}", on)) for k, on in base.strain.items()},
        replications=int(get("replications", base.replications)),
    )


@dataclass(frozen=True)
class Started:
    job: Job
    name: str  # the levers' scenario
    yaml: str  # its file, extending the baseline
    changes: dict[str, Any]


def start_comparison(service: Service, src: Source, lv: Levers) -> Started:
    """Check the levers (a ``ScenarioError`` in one line if the schema refuses them), write
    the scenario they make and start its comparison with the baseline."""
    name = ALTERNATIVE
    alt = apply(lv, src.scenario, name)
    diff = changes(lv, src.scenario)
    description = (f"{src.label} with " + labels.option_name(diff)) if diff else \
        f"{src.label}, levers as the baseline"
    text = scenario_yaml(src.file_name, diff, name, description)
    alt = alt.model_copy(update={"description": description})
    job = service.compare(src, alt, lv.replications, text)
    return Started(job, name, text, diff)
