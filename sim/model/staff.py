"""The people and the posts: a funded ``Post`` and the ``Worker`` in it (permanent or
agency), as ``workforce.py`` moves them."""

from __future__ import annotations

from typing import Any

EXPERIENCED, NEWLY_QUALIFIED, AGENCY = "experienced", "newly_qualified", "agency"
CASE_HOLDING, NON_CASE_HOLDING = "case_holding", "non_case_holding"


class Post:
    __slots__ = ("agency", "agency_only", "closing", "cover_u", "id", "occupant", "recruiting",
                 "removed", "role")

    def __init__(self, pid: int, role: str, agency_only: bool = False) -> None:
        self.id = pid
        self.role = role
        self.agency_only = agency_only  # an agency worker beyond vacancy cover
        self.occupant: Worker | None = None
        self.agency: Worker | None = None
        self.recruiting = False
        self.closing = False  # to be removed when its occupant leaves
        self.removed = False
        self.cover_u = 0.0  # the draw that decided its agency cover (covered if < the share)

    @property
    def vacant(self) -> bool:
        return self.occupant is None and not self.agency_only and not self.removed


class Worker:
    __slots__ = ("active", "available", "cap", "cases", "exhaustion", "hazard_used", "holds_cases",
                 "id", "kind", "leaving", "months_at_start", "notice", "notice_due", "own_hazard",
                 "paid", "post", "room", "start")

    def __init__(self, wid: int, kind: str, post: Post, start: float) -> None:
        self.id = wid
        self.kind = kind
        self.post = post
        self.holds_cases = post.role == CASE_HOLDING
        self.start = start
        self.cases: dict[Any, None] = {}
        self.cap = 1
        self.room = 0  # cap minus cases, as the allocator last filed it
        self.available = False  # taking new cases
        self.active = True  # in post
        self.leaving = False  # has given notice
        self.notice_due = False  # will give notice at a time already scheduled
        self.exhaustion = 0.0
        self.hazard_used = 0.0
        self.notice = 0.0
        self.months_at_start = 0.0
        self.own_hazard: float | None = None  # a leaving rate of their own (dated hires)
        self.paid: list[tuple[float, float]] = []  # retention payments received (time, £)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Worker({self.id}, {self.kind}, {len(self.cases)}/{self.cap})"
