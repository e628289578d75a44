"""Children and their cases (one child's episode, from referral to closure)."""

from __future__ import annotations

from typing import Any

# Why a case last left its worker, in the terms of DfE's reasons for a new social worker
# (stability measures for children looked after): the reason a change of worker is filed
# under when the case's next worker takes it.
LEFT = "previous worker left"  # a permanent worker's departure
AGENCY_ENDED = "agency stay ended"  # DfE files these under the previous worker leaving
STANDARD = "standard process"  # a designed team move (after assessment, into care, a step)
CASELOADS = "managing caseloads"  # rebalanced to a new colleague
ABSENCE = "absence cover"
MOVE = "internal move"  # the worker moved team or role (DfE: "other")
REREFERRAL = "re-referral"  # a re-referred child gets a worker other than their last
REASONS = (LEFT, AGENCY_ENDED, STANDARD, CASELOADS, ABSENCE, MOVE, REREFERRAL)


class Child:
    """A child known to the service; a re-referral brings the same child back.

    The stability measures count per child, as the published ones do: the social workers a
    child had in the financial year (``fy_workers``) and the changes of worker
    (``fy_changes``), across all of the child's episodes in that year.

    ``last_referral`` is the time of the child's latest referral: while the child has an
    open case, the time that case was referred (a child is referred again only once their
    case has closed), so the case keeps no copy of it. For a case open on the start date it
    is minus the time it had been in its stage by then (past an assessment, less an
    assessment's mean duration too: see ``start.py``).
    """

    __slots__ = ("back", "callbacks", "case", "fy", "fy_changes", "fy_workers", "id",
                 "last_referral", "last_worker")
    _ok = True  # as a SimPy event (their coming back: see ``scheduling.py``): it never fails

    def __init__(self, cid: int, last_referral: float) -> None:
        self.id = cid
        self.last_referral = last_referral
        self.last_worker: Any = None
        self.case: Case | None = None
        self.fy = -1  # the financial year (index) the counters below belong to
        self.fy_changes = 0
        self.fy_workers: set[int] = set()
        self.back = -1  # the return they will come back on (a row of returns.py), once due
        self.callbacks: list | None = None


class Case:
    """One episode: a path of stages (assessment, cin, cp, cla) drawn at referral.

    ``stages`` and ``durations`` are the whole path, drawn when the case was created (see
    ``demand.py``); ``k`` is the index of the current stage. A case is also the SimPy event
    that ends its current stage (``callbacks``, ``_ok``: see ``scheduling.py``).
    """

    __slots__ = (
        "callbacks",
        "cause",
        "child",
        "clock_started",
        "durations",
        "id",
        "k",
        "placement",
        "qtoken",
        "queued",
        "referred",
        "ret",
        "stage",
        "stages",
        "worker",
    )
    _ok = True  # as a SimPy event: it never fails

    def __init__(self, cid: int, child: Child, stages: list[int], durations: list[float],
                 placement: int = 0) -> None:
        self.id = cid
        self.placement = placement  # placement type if looked after (see costs.py)
        self.child = child
        self.stages = stages
        self.durations = durations
        self.k = 0
        self.stage = stages[0]
        self.worker: Any = None
        self.queued = False
        self.qtoken = 0
        self.clock_started = False
        self.referred = -1.0  # referral time, until a first worker is allocated (then -1)
        self.ret = -1  # the child's return after this case (a row of returns.py), or -1
        self.callbacks: list | None = None
        self.cause = REREFERRAL  # why it last left a worker (REASONS)
