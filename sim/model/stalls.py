"""A run whose simulated time stands still, told as the scenario field that is likely to
blame. The scenario's minimums (``RepeatingDuration``) keep a valid scenario from it; this
is the guard for what they do not foresee (``scheduling.run_until`` raises ``Stalled``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sim.model.cases import Case, Child
from sim.model.scheduling import Call, Ticker

LIKELY_FIELD = {
    # what an event due next does -> the field whose durations near zero would keep it coming
    "_agency_leaves": "workforce.agency.stay_days",
    "engage": "workforce.agency.time_to_engage_days",
    "_recruited": "workforce.recruitment.time_to_hire_days",
    "recruitment_round": "workforce.recruitment.round_interval_days",
    "_depart": "workforce.leaving.notice_days",
    "_give_notice": "workforce.leaving.annual_hazard",
    "_recruit_starts": "interventions.hires.time_to_start_days",
}


class StalledRun(RuntimeError):
    """Simulated time stood still in a replication; ``str()`` is one line naming the
    likely field. A problem of the scenario, not of sim."""

    def __init__(self, replication: int, date: dt.date, day: float, fields: str) -> None:
        self.replication, self.date, self.day, self.fields = replication, date, day, fields
        super().__init__(
            f"simulated time stood still on {date.isoformat()} (day {day:.2f}, replication "
            f"{replication}): events follow one another with no time between them; the "
            f"likely cause is {fields} near zero: give a longer duration")

    def __reduce__(self):  # rebuilt from its fields when sent back from a worker process
        return (StalledRun, (self.replication, self.date, self.day, self.fields))


def _field(ev: Any) -> str | None:
    if isinstance(ev, Case):
        return "demand.durations"
    if isinstance(ev, Child):
        return "demand.returns.delay"
    if isinstance(ev, Ticker):
        return "demand.referrals_per_year"
    if isinstance(ev, Call):
        fn = ev.arg[0] if isinstance(ev.arg, tuple) and ev.arg and callable(ev.arg[0]) \
            else ev.fn
        return LIKELY_FIELD.get(getattr(fn, "__name__", ""))
    return None


def likely_fields(pending: list[Any]) -> str:
    """The fields most of the events due next point to, most common first."""
    counts = Counter(f for f in map(_field, pending) if f is not None)
    return " or ".join(f for f, _ in counts.most_common(2)) or "a duration"
