"""Children coming back: after a case closes, the child is referred again with the scenario's
chance, after a delay (``demand.returns``); a return within 12 months of the child's
previous referral is a re-referral (``journey.py``).

Every draw for a return is made up front, by who the child is — the referral stream's
candidate they came in as, the case they had on the start date, or the closed case before
the start they come back from — and by which return it is (first, second, ...), with
``Keyed`` uniforms. So two scenarios with the same seed give the same child the same
chance, delay and path on each return, whatever else differs; only when the case closes
(allocation, strain) can move the return in time.

A return is a row of the table: its delay after the previous closure, its path (stages,
durations, placement type, the thresholds response's uniform) and the row of the return
after it (-1: none). ``chains`` gives each origin the row of its first return.

The referral level (``demand.level``) moves the children coming back as it moves new children:
a return happens if its uniform is below the chance times the level of the year it arrives
in over the level of the year the child was last referred in. So, as the level moves,
returns move with it at once (children referred in a year of level l come back at the
chance times l'/l in a year of level l'), and referrals in all are new children and returns
at the level of their year; a chance times the level alone would feed on itself (more
returns, more closures, more returns). The returns are drawn up front against the chance
times the largest such ratio of the run (``chance_max``, at most 1) and the rest are let go
when they arrive, so a child's draws are the same whatever the level; without a level every
drawn return happens, as before.

Returns from before the start: children whose case closed before the start come back
during the run as they would in steady state (``history``); the cases open at the start
are the start's open cases (``start.py``), whose children come back as any do.
"""

from __future__ import annotations

import numpy as np

from sim.model.demand import ASSESSMENT, CLOSED, MAX_STAGES, draw_paths, placement_types, trim
from sim.model.randomness import Keyed
from sim.scenario.schema import Demand, PlacementMix

# Columns of a return's row of keyed uniforms.
_U_BACK, _U_DELAY, _U_PLACE, _U_THRESHOLD, _U_PATH = 0, 1, 2, 3, 4
MAX_RETURNS = 200  # returns followed per child, at most (a bound, never reached in practice)
HISTORY_QUANTILE = 0.999  # of the delay: how far before the start closures are drawn

# Kinds of origin: each numbers its children from 0 in its own key space.
REFERRAL, START, HISTORY = "referrals", "start_cases", "history"


class Returns:
    """The returns of one replication (the table above)."""

    def __init__(self, demand: Demand, mix: PlacementMix, end: float, seed: int,
                 replication: int) -> None:
        self.demand = demand
        self.mix = mix
        self.end = end
        self.chance = demand.returns.chance
        self.delay_dist = demand.returns.delay
        self._keyed = {kind: Keyed(seed, replication, f"returns/{kind}")
                       for kind in (REFERRAL, START, HISTORY)}
        self.delay: list[float] = []
        self.stages: list[list[int]] = []
        self.durations: list[list[float]] = []
        self.placements: list[int] = []
        self.threshold_u: list[float] = []
        self.next: list[int] = []
        self.u_back: list[float] = []  # each return's uniform for whether it happens
        self.levels = [1.0]  # the referral level by run year (index k + 1 for year k)
        self.chance_max = self.chance
        self.thinned = False  # whether a drawn return may not happen (with a level)

    def set_level(self, path: np.ndarray | None) -> None:
        """The replication's log referral level (``demand.level_path``), before any return
        is drawn."""
        if path is not None:
            self.levels = np.exp(path).tolist()
            self.thinned = True
            self.chance_max = min(1.0, self.chance * max(self.levels) / min(self.levels))

    def happens(self, row: int, t: float, last_referral: float) -> bool:
        """Whether return ``row``, arriving at ``t`` for a child last referred at
        ``last_referral``, happens at the level then against the level at that referral
        (each 1 before the start). Only asked where ``thinned``: otherwise every drawn
        return happens."""
        lv = self.levels
        top = len(lv) - 1
        now = lv[max(0, min(int(t // 365.0) + 1, top))]
        then = lv[max(0, min(int(last_referral // 365.0) + 1, top))]
        return self.u_back[row] * then < self.chance * now

    def append(self, delay: float, stages: list[int], durations: list[float],
               placement: int = 0, threshold_u: float = 1.0, next_row: int = -1) -> int:
        """Add a return; its row."""
        self.delay.append(delay)
        self.stages.append(stages)
        self.durations.append(durations)
        self.placements.append(placement)
        self.threshold_u.append(threshold_u)
        self.u_back.append(0.0)
        self.next.append(next_row)
        return len(self.delay) - 1

    def chains(self, kind: str, keys: np.ndarray, closes_after: np.ndarray,
               not_before: float = -np.inf) -> list[int]:
        """The row of each origin's first return (-1: none within the run). ``keys``
        number the origins in their ``kind``; ``closes_after`` is a time before which each
        origin's case cannot close (its closing time, if known: then the returns' times
        are exact), to skip returns after the end; a first return before ``not_before`` is
        none."""
        n = len(keys)
        first = np.full(n, -1, dtype=np.int64)
        if not self.chance or not n:
            return first.tolist()
        keyed = self._keyed[kind]
        alive = np.arange(n)  # origins whose child may come back again
        prev = np.full(n, -1, dtype=np.int64)  # the row of each one's latest return
        earliest = np.asarray(closes_after, dtype=float)
        width = _U_PATH + 2 * MAX_STAGES
        keys = np.asarray(keys)
        for k in range(1, MAX_RETURNS + 1):
            u = keyed.uniforms(keys[alive], k, _U_DELAY + 1)  # whether and when, first
            back = u[:, _U_BACK] < self.chance_max
            delay = np.asarray(self.delay_dist.ppf(u[:, _U_DELAY]), dtype=float)
            arrive = earliest[alive] + delay
            go = back & (arrive < self.end)
            if k == 1:
                go &= arrive >= not_before
            if not go.any():
                break
            alive, delay, arrive = alive[go], delay[go], arrive[go]
            u = keyed.uniforms(keys[alive], k, width)  # the same columns, and the path's
            stages, durs = draw_paths(self.demand, np.full(len(alive), ASSESSMENT,
                                                           dtype=np.int8), u[:, _U_PATH:])
            places = placement_types(self.mix, u[:, _U_PLACE]).tolist()
            rows = range(len(self.delay), len(self.delay) + len(alive))
            self.delay.extend(delay.tolist())
            self.stages.extend(trim(stages, stages))
            self.durations.extend(trim(durs, stages))
            self.placements.extend(places)
            self.threshold_u.extend(u[:, _U_THRESHOLD].tolist())
            self.u_back.extend(u[:, _U_BACK].tolist())
            self.next.extend([-1] * len(alive))
            row = np.fromiter(rows, dtype=np.int64, count=len(alive))
            had = prev[alive]
            for r, nxt in zip(had[had >= 0].tolist(), row[had >= 0].tolist(), strict=True):
                self.next[r] = nxt
            first[alive[had < 0]] = row[had < 0]
            prev[alive] = row
            # the next return comes after this one's assessment at the earliest
            earliest[alive] = arrive + durs[:, 0]
        return first.tolist()

    def history(self, gen: np.random.Generator) -> tuple[list[float], list[float], list[int]]:
        """Children whose case closed before the start and who come back during the run:
        (when they come back, when they were last referred, the row of that return), in
        time order.

        In steady state cases close at the referral level's rate, and the time a closing
        case had been open is distributed as a referral's path takes (Little's argument for
        a stationary stream). So the closures of the years before the start are drawn at
        that rate from ``gen``; each returns as any child does (its keyed draws); the
        path that led to the closure is drawn only for those who come back during the run,
        to know when they were last referred."""
        if not self.chance:
            return [], [], []
        days = float(self.delay_dist.ppf(HISTORY_QUANTILE))
        n = int(gen.poisson(self.demand.referrals_per_year * days / 365.0))
        closed = -days * gen.random(n)
        keyed = self._keyed[HISTORY]
        u = keyed.uniforms(np.arange(n), 1, _U_DELAY + 1)  # the first return's, as chains
        delay = np.asarray(self.delay_dist.ppf(u[:, _U_DELAY]), dtype=float)
        keys = np.nonzero((u[:, _U_BACK] < self.chance_max) & (closed + delay >= 0))[0]
        rows = np.asarray(self.chains(HISTORY, keys, closed[keys], not_before=0.0),
                          dtype=np.int64)
        keep = rows >= 0
        rows, keys = rows[keep], keys[keep]
        stages, durs = draw_paths(self.demand, np.full(len(keys), ASSESSMENT, dtype=np.int8),
                                  keyed.uniforms(keys, 0, 2 * MAX_STAGES))
        referred = closed[keys] - np.where(stages != CLOSED, durs, 0.0).sum(axis=1)
        arrive = closed[keys] + np.asarray(self.delay, dtype=float)[rows] if len(rows) \
            else np.zeros(0)
        order = np.argsort(arrive, kind="stable")
        return arrive[order].tolist(), referred[order].tolist(), rows[order].tolist()
