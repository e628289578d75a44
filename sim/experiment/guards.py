"""Before a run starts: how long it will take and how much memory it will need.

A scenario can be valid and still out of reach — a typo of three zeros in the referral
rate makes a run of days that then runs out of memory. The estimates come from the
referrals a replication will simulate (the scenario's rates at their central values, trend
and early-help changes included) and the model's measured costs on the benchmark machine
(see ``benchmarks/bench.py``): a run that would not fit in memory is refused, one that
would take long is announced, both with the figures.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from sim.model.calendar import Calendar
from sim.model.demand import base_rate, level_at, level_path
from sim.model.interventions import early_help_multiplier
from sim.model.randomness import stream
from sim.model.uncertainty import draw_parameters
from sim.scenario import Scenario
from sim.scenario.rereferrals import closing_times
from sim.scenario.schema import Demand

REFERRALS_PER_SECOND = 40_000.0  # one process (measured ~60,000; kept on the safe side)
MB_PER_PROCESS = 250.0  # an idle worker: Python, numpy, pandas, scipy, simpy
KB_PER_REFERRAL = 1.5  # measured ~1.1 (a referral's path, and its case while open)
LONG_SECONDS = 30 * 60.0


@dataclass(frozen=True)
class Estimate:
    referrals: float  # per replication
    seconds: float  # wall time of the whole run
    mb_per_process: float
    processes: int

    @property
    def total_mb(self) -> float:
        return self.mb_per_process * self.processes


def referrals_per_replication(scenario: Scenario, replication: int | None = None) -> float:
    """Expected referrals over the run, at the central values of the uncertain effects (or
    at a replication's draw of them)."""
    s, _ = draw_parameters(scenario, scenario.run.seed, replication or 0,
                           fixed=replication is None)
    cal = Calendar(s.run.start_date, s.run.horizon_years)
    t = np.arange(0.5, cal.end_day, 1.0)
    rate = base_rate(s.demand, cal, t) * early_help_multiplier(s.interventions.early_help,
                                                              cal)(t)
    rate = with_returns(rate, s.demand)
    if replication is not None and s.demand.level is not None:  # this replication's level
        # it moves new children and returns alike (returns.py): total / level renews as
        # total does without a level
        years = int(np.ceil(cal.end_day / 365.0))
        path = level_path(s.demand, years, stream(scenario.run.seed, replication,
                                                  "referral_level"))
        if path is not None:
            rate = rate * level_at(path, t)
    return float(rate.sum())  # per day, over every day


def with_returns(rate: np.ndarray, demand: Demand) -> np.ndarray:
    """Daily referrals from the daily ``rate`` of all referrals at the level: new children
    at (1 - chance) of it, and the children coming back, the time a path takes and a delay
    after earlier referrals — before the start, at the level's steady rate. The renewal
    equation total = new + before + chance x (total * (path + delay)) is solved at once
    by FFT."""
    back = demand.returns
    c = back.chance
    if not c or not len(rate):
        return rate
    n = len(rate)
    size = 1 << int(np.ceil(np.log2(8 * n)))  # room for the returns' long tail
    closing = closing_times(demand.assessment_outcomes, demand.transitions,
                            demand.durations, size)
    delay = np.diff(np.asarray(back.delay.cdf(np.arange(size + 1.0)), dtype=float))
    kernel = np.fft.irfft(np.fft.rfft(closing, 2 * size) * np.fft.rfft(delay, 2 * size),
                          2 * size)[:size]
    before = c * rate[0] * (1 - np.cumsum(kernel)[:n])  # from referrals before the start
    drive = np.zeros(size)
    drive[:n] = (1 - c) * rate + before
    total = np.fft.irfft(np.fft.rfft(drive) / (1 - c * np.fft.rfft(kernel)), size)
    return np.asarray(total[:n])


def standing_objects(scenario: Scenario) -> float:
    """Cases, children and posts that exist from the start, whatever the referrals."""
    ini = scenario.initial_state
    est = scenario.workforce.establishment
    return (sum(ini.open_cases.model_dump().values())
            + est.case_holding + est.non_case_holding)


def estimate(scenario: Scenario, replications: int, jobs: int) -> Estimate:
    """The heaviest replication's referrals (an uncertain trend compounds, so the draws
    matter: up to 200 are looked at), the run's time and each process's memory."""
    n = referrals_per_replication(scenario)
    if any(True for _ in _uncertain(scenario)):
        n = max([n] + [referrals_per_replication(scenario, r)
                       for r in range(min(replications, 200))])
    processes = max(1, min(jobs, replications))
    objects = n + standing_objects(scenario)
    seconds = objects / REFERRALS_PER_SECOND * -(-replications // processes)
    mb = MB_PER_PROCESS + KB_PER_REFERRAL * objects / 1024
    return Estimate(n, seconds, mb, processes)


def _uncertain(scenario: Scenario):
    """The uncertain effects that move referrals (the level, the trend, early help)."""
    from sim.scenario.distributions import DistributionBase, Fixed

    d, eh = scenario.demand, scenario.interventions.early_help
    if d.level is not None:
        yield d.level
    for p in (d.trend_pct_per_year, eh.elasticity, eh.pct_per_million, eh.lag_months):
        if isinstance(p, DistributionBase) and not isinstance(p, Fixed):
            yield p


def physical_memory_mb() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return None


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:,.0f} days"


def too_big(est: Estimate, memory_mb: float | None) -> str | None:
    """Why the run cannot fit in this machine's memory, or None."""
    if memory_mb is None or est.total_mb <= 0.8 * memory_mb:
        return None
    fewer = int(0.8 * memory_mb // est.mb_per_process)
    hint = (f"run with --jobs {fewer}, or reduce" if fewer >= 1 else "reduce")
    return (f"about {est.referrals:,.0f} referrals a replication would need about "
            f"{est.mb_per_process / 1024:,.1f} GB of memory in each of {est.processes} "
            f"process(es), more than this machine's {memory_mb / 1024:,.0f} GB allow; {hint} "
            "demand.referrals_per_year, run.horizon_years, the initial cases or the "
            "establishment")


def long_run(est: Estimate) -> str | None:
    """A note if the run will take long, or None."""
    if est.seconds < LONG_SECONDS:
        return None
    return (f"this run will take about {duration(est.seconds)} (about "
            f"{est.referrals:,.0f} referrals a replication on {est.processes} process(es)); "
            "Ctrl-C stops it, and --resume finishes it later")
