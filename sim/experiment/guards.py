"""Before a run starts: how long it will take and how much memory it will need.

A scenario can be valid and still out of reach — a typo of three zeros in the referral
rate makes a run of days that then runs out of memory. The estimates come from the
referrals a replication will simulate (the scenario's rates at their central values, trend
and early-help changes included) and the model's measured costs (``benchmarks/bench.py``,
``benchmarks/estimate.py``): a run that would not fit in memory is refused, one that would
take more than a minute is announced, both with the figures.

The time is the work of a replication (CPU-seconds: its referrals, and the cases and posts
there from the start for every year of the run) spread over the processes that run it, with
the cores the other work on the machine leaves them (``machine.py``).
``benchmarks/estimate.py`` prints the estimate beside the real time for a few sizes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.experiment import machine
from sim.model.calendar import Calendar
from sim.model.demand import base_rate, level_at, level_path
from sim.model.interventions import early_help_multiplier
from sim.model.randomness import stream
from sim.model.uncertainty import draw_parameters
from sim.scenario import Scenario
from sim.scenario.rereferrals import closing_times
from sim.scenario.schema import Demand

# CPU-seconds of a replication, measured on the 2-core machine of the benchmarks (a 1-, 2-
# and 5-year baseline, and 3 times its referrals): 31 microseconds a referral and 22 a year
# of each case and post there from the start with the machine busy (load 7), about 25%
# less with it quiet; the rates are between the two
REFERRALS_PER_CPU_SECOND = 36_000.0
STANDING_YEARS_PER_CPU_SECOND = 52_000.0
SECONDS_PER_REPLICATION = 0.05  # the parent's part: gathering and saving a replication
WORKER_START_SECONDS = 2.0  # CPU-seconds for a worker to start (numpy, pandas, scipy, sim)
MB_PER_PROCESS = 250.0  # an idle worker: Python, numpy, pandas, scipy, simpy
KB_PER_REFERRAL = 1.5  # measured ~1.1 (a referral's path, and its case while open)
LONG_SECONDS = 60.0


@dataclass(frozen=True)
class Estimate:
    referrals: float  # per replication
    seconds: float  # wall time of the whole run
    mb_per_process: float
    processes: int
    cores: int = 1  # this process may use
    load: float = 0.0  # other work on the machine before the run (cores it wants)
    typical_referrals: float = 0.0  # the mean of the replications' (the time rests on it)

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


def cpu_seconds(scenario: Scenario, referrals: float) -> float:
    """The CPU-seconds one replication of ``scenario`` takes, with ``referrals``."""
    standing_years = standing_objects(scenario) * scenario.run.horizon_years
    return (referrals / REFERRALS_PER_CPU_SECOND
            + standing_years / STANDING_YEARS_PER_CPU_SECOND + SECONDS_PER_REPLICATION)


def run_seconds(cpu_per_replication: float, replications: int, jobs: int,
                n_cores: int, others: Sequence[float] = ()) -> float:
    """Wall time of ``replications`` of ``cpu_per_replication`` CPU-seconds each on
    ``jobs`` processes (a pool when more than one, whose workers must start first), beside
    ``others``, the other work on the machine (``machine.other_work``)."""
    processes = max(1, min(jobs, replications))
    share = machine.cores_for(processes, others, n_cores) / processes  # of a core, each
    waves = -(-replications // processes)
    start = WORKER_START_SECONDS if processes > 1 else 0.0
    return (start + waves * cpu_per_replication) / share


def estimate(scenario: Scenario, replications: int, jobs: int,
             n_cores: int | None = None, others: Sequence[float] | None = None
             ) -> Estimate:
    """The heaviest replication's referrals (an uncertain trend compounds, so the draws
    matter: up to 200 are looked at) and each process's memory with them; the run's time,
    from the mean of the draws, on this machine as busy as it is now (or with ``n_cores``
    and ``others`` given)."""
    central = referrals_per_replication(scenario)
    draws = [central]
    if any(True for _ in _uncertain(scenario)):
        draws = [referrals_per_replication(scenario, r)
                 for r in range(min(replications, 200))]
    n = max([central, *draws])
    processes = max(1, min(jobs, replications))
    n_cores = machine.cores() if n_cores is None else n_cores
    others = machine.other_work() if others is None else others
    # the time, of the typical replication; the memory, of the heaviest
    typical = sum(draws) / len(draws)
    seconds = run_seconds(cpu_seconds(scenario, typical), replications, jobs, n_cores,
                          others)
    objects = n + standing_objects(scenario)
    mb = MB_PER_PROCESS + KB_PER_REFERRAL * objects / 1024
    return Estimate(n, seconds, mb, processes, n_cores, sum(others), typical)


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
    busy = (f", other work wanting {est.load:.1f} of them" if est.load >= 0.5 else "")
    return (f"this run will take about {duration(est.seconds)} (about "
            f"{est.referrals:,.0f} referrals a replication on {est.processes} process(es); "
            f"{est.cores} core(s){busy}); Ctrl-C stops it, and --resume finishes it later")
