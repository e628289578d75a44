"""The chance that a child comes back, solved from the published re-referral rate.

A child whose case closes is referred again with a chance ``c``, after a delay G from the
closure (``demand.returns``). DfE counts a referral as a re-referral if it comes within 12
months of the child's previous referral, so a return is one only if D + G <= 365 days,
where D is the time from the previous referral to the closure. In steady state every
referral closes and a share ``c`` of them bring the child back, so referrals are new
children / (1 - c), and the share of referrals that are re-referrals is

    share = c x q,    q = P(D + G <= 365),

with D the time a path takes (assessment, then the plans that follow) and G the delay.
``solve_chance`` inverts it for the base year's published share: fitting the base year,
like every rate ``sim init`` sets; what happens to the share afterwards is an outcome.

The delay follows the national study of closed episodes (source: goldacre_rereferral_2025):
32% of episodes closed in 2014-2019 were re-referred within 12 months of closure and 58%
within six years. A cure model — a chance of ever coming back, and an exponential delay for
those who do — fits both with a mean delay of 460 days and a chance of 0.585; the share
that comes back at all differs between councils (re-referral rates do), the delay is taken
to be the same.

No different chance after an assessment ending "not in need": the study and the DfE's
analysis of repeated referrals find children stepped down with no further action more
likely to be re-referred, but neither publishes by how much, so every closure has the same
chance (an assumption; the thresholds response still moves re-referrals, as cases closed at
assessment close sooner and so come back within the 12 months more often).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from sim.scenario.demand import AssessmentOutcomes, StageDurations, Transitions
from sim.scenario.distributions import DistributionBase, Exponential, Fixed

WINDOW_DAYS = 365.0  # DfE's re-referral: within 12 months of the previous referral
RETURN_DELAY_MEAN_DAYS = 460.0  # source: goldacre_rereferral_2025 (see above)
MAX_CHANCE = 0.95  # at most: some referrals are always of children new to the service
_STEP = 0.5  # days: the grid on which path times are added up for the 12 months
_MAX_STAGES = 12  # stages of a path followed (as the model draws them)


def return_delay() -> Exponential:
    """The delay from closure to the next referral, for those who come back."""
    return Exponential(dist="exponential", mean=RETURN_DELAY_MEAN_DAYS)


def _central(dist: DistributionBase) -> DistributionBase:
    """``dist`` with an uncertain multiplier at its central value (the base year's)."""
    m = getattr(dist, "multiplier", 1.0)
    if isinstance(m, int | float | Fixed):
        return dist
    return dist.model_copy(update={"multiplier": float(m.central())})


def _pmf(dist: DistributionBase, n: int, step: float) -> np.ndarray:
    """The chance a stage lasts each step of a grid (to the nearest step)."""
    edges = (np.arange(n + 1) - 0.5) * step
    cdf = np.asarray(_central(dist).cdf(np.maximum(edges, 0.0)), dtype=float)
    cdf[0] = 0.0
    return np.diff(cdf)


def closing_times(outcomes: AssessmentOutcomes, transitions: Transitions,
                  durations: StageDurations, n: int, step: float = 1.0) -> np.ndarray:
    """The chance that a case closes at each of ``n`` steps of ``step`` days after its
    referral, for cases following the paths of ``outcomes`` and ``transitions`` (the rest
    closes later)."""
    pmf = {s: _pmf(getattr(durations, s), n, step) for s in ("assessment", "cin", "cp", "cla")}
    o, tr = outcomes, transitions
    moves = {  # where each stage goes next (None: the case closes), as the model's paths
        "assessment": [(None, o.not_in_need), ("cin", o.cin), ("cp", o.cp), ("cla", o.cla)],
        "cin": [("cp", tr.cin.cp), ("cla", tr.cin.cla), (None, tr.cin.close)],
        "cp": [("cin", tr.cp.cin), ("cla", tr.cp.cla), (None, tr.cp.close)],
        "cla": [("cin", tr.cla.cin), (None, tr.cla.close)],
    }
    start = np.zeros(n)
    start[0] = 1.0
    entering = {"assessment": start}
    closing = np.zeros(n)
    for _ in range(_MAX_STAGES):
        nxt: dict[str, np.ndarray] = {}
        for stage, e in entering.items():
            ends = np.maximum(signal.fftconvolve(e, pmf[stage])[:n], 0.0)
            for to, share in moves[stage]:
                if to is None:
                    closing += share * ends
                elif share:
                    nxt[to] = nxt.get(to, 0.0) + share * ends
        entering = nxt
    return closing


def within_window(outcomes: AssessmentOutcomes, transitions: Transitions,
                  durations: StageDurations, delay: DistributionBase) -> float:
    """q = P(D + G <= 365): the chance that a child who comes back after a case is a
    re-referral, for cases following the paths of ``outcomes`` and ``transitions``."""
    n = int(WINDOW_DAYS / _STEP) + 1
    closing = closing_times(outcomes, transitions, durations, n, _STEP)
    left = WINDOW_DAYS - np.arange(n) * _STEP
    return float(np.sum(closing * np.asarray(delay.cdf(left), dtype=float)))


@dataclass(frozen=True)
class Chance:
    chance: float  # of coming back after a case closes
    within: float  # q: the chance a return is a re-referral
    clipped: bool  # the published share needs more than MAX_CHANCE


def solve_chance(share: float, outcomes: AssessmentOutcomes, transitions: Transitions,
                 durations: StageDurations, delay: DistributionBase) -> Chance:
    """The return chance that gives the re-referral ``share`` (a fraction) in steady state.

    >>> from sim.scenario.demand import CinMoves, ClaMoves, CpMoves
    >>> quick = StageDurations(assessment=Fixed(value=10), cin=Fixed(value=10),
    ...                        cp=Fixed(value=10), cla=Fixed(value=10))
    >>> tr = Transitions(cin=CinMoves(close=1), cp=CpMoves(close=1), cla=ClaMoves(close=1))
    >>> out = AssessmentOutcomes(not_in_need=1, cin=0, cp=0, cla=0)
    >>> round(solve_chance(0.25, out, tr, quick, Fixed(value=100)).chance, 6)
    0.25
    """
    q = within_window(outcomes, transitions, durations, delay)
    chance = share / q if q > 0 else MAX_CHANCE
    return Chance(min(chance, MAX_CHANCE), q, chance > MAX_CHANCE)
