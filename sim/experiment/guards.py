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

``pre_run`` is the one set of checks every command that simulates makes before it starts
(``sim run``, ``compare``, ``sweep``, ``backtest``, ``calibrate``, ``check-published``,
``check-costs``, ``validate``, the app, the Python API): the scenario's calendar (a whole
financial year to report), scenarios compared on common random numbers covering the same
days, memory, time, and a Dask scheduler that answers. Schema and cross-field checks are
made as a scenario is read (``sim.scenario``), so every scenario that gets here has passed
them.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.experiment import machine
from sim.experiment.executors import ExecutorSpec
from sim.experiment.runner import check_comparable
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
    closing = _closing(demand, size)
    delay = np.diff(np.asarray(back.delay.cdf(np.arange(size + 1.0)), dtype=float))
    kernel = np.fft.irfft(np.fft.rfft(closing, 2 * size) * np.fft.rfft(delay, 2 * size),
                          2 * size)[:size]
    before = c * rate[0] * (1 - np.cumsum(kernel)[:n])  # from referrals before the start
    drive = np.zeros(size)
    drive[:n] = (1 - c) * rate + before
    total = np.fft.irfft(np.fft.rfft(drive) / (1 - c * np.fft.rfft(kernel)), size)
    return np.asarray(total[:n])


_CLOSING: dict[tuple[str, int], np.ndarray] = {}


def _closing(demand: Demand, size: int) -> np.ndarray:
    """``closing_times`` of the demand's paths, kept: the draws of one scenario (and the
    scenarios of a sweep) mostly share their paths, and each costs a tenth of a second."""
    key = (demand.assessment_outcomes.model_dump_json() + demand.transitions.model_dump_json()
           + demand.durations.model_dump_json(), size)
    if key not in _CLOSING:
        if len(_CLOSING) >= 64:
            _CLOSING.clear()
        _CLOSING[key] = closing_times(demand.assessment_outcomes, demand.transitions,
                                      demand.durations, size)
    return _CLOSING[key]


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
             n_cores: int | None = None, others: Sequence[float] | None = None,
             draws: int = 200) -> Estimate:
    """The heaviest replication's referrals (an uncertain trend compounds, so the draws
    matter: up to ``draws`` are looked at) and each process's memory with them; the run's
    time, from the mean of the draws, on this machine as busy as it is now (or with
    ``n_cores`` and ``others`` given)."""
    central = referrals_per_replication(scenario)
    looked = [central]
    if draws and any(True for _ in _uncertain(scenario)):
        looked = [referrals_per_replication(scenario, r)
                  for r in range(min(replications, draws))] or [central]
    n = max([central, *looked])
    processes = max(1, min(jobs, replications))
    n_cores = machine.cores() if n_cores is None else n_cores
    others = machine.other_work() if others is None else others
    # the time, of the typical replication; the memory, of the heaviest
    typical = sum(looked) / len(looked)
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



# --- the checks before every run


class PreRunError(ValueError):
    """A run refused before it starts, in one line. ``key`` names the scenario at fault
    (None: the run as a whole); ``status`` is 2 for the user's input, 1 for the
    environment (a scheduler that does not answer)."""

    def __init__(self, message: str, key: str | None = None, status: int = 2) -> None:
        super().__init__(message)
        self.key, self.status = key, status


def whole_year(scenario: Scenario) -> str | None:
    """Why the scenario's run covers no whole financial year (which the annual results,
    budgets and comparisons report), or None."""
    s = scenario.run
    if any(complete for _, _, complete in Calendar(s.start_date, s.horizon_years).fy_ends()):
        return None
    return (f"run.horizon_years: {s.horizon_years:g} years from {s.start_date} cover no "
            "whole financial year; a run must include one whole April-to-March year, which "
            "the annual results and budgets report")


def scheduler_address(address: str) -> tuple[str, int]:
    """The host and port of a Dask scheduler's address (tcp://HOST:PORT); PreRunError if it
    is not one sim can connect to."""
    m = re.fullmatch(r"tcp://(\[[0-9A-Fa-f:.]+\]|[\w.\-]+):(\d{1,5})", address)
    if m is None or not 0 < int(m.group(2)) < 65536:
        scheme = address.split("://")[0] if "://" in address else None
        why = ("; sim connects to tcp:// schedulers only (tls:// needs certificates, "
               "inproc:// works only inside one process)"
               if scheme not in (None, "tcp") else "")
        raise PreRunError(f"--address: expected a scheduler address like tcp://host:8786 "
                          f"(found {address!r}){why}")
    return m.group(1).strip("[]"), int(m.group(2))


def check_scheduler(address: str, timeout: float = 3.0) -> None:
    """PreRunError (status 1) unless something listens at the scheduler's address: a wrong
    address is told in seconds, not after the client's long wait."""
    host, port = scheduler_address(address)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as e:
        why = "no answer" if isinstance(e, TimeoutError) else (e.strerror or str(e))
        raise PreRunError(f"--address: no Dask scheduler answers at {address} ({why} within "
                          f"{timeout:g} s); start one (`dask scheduler`) or check the address",
                          status=1) from None


def pre_run(scenarios: Mapping[str, Scenario], replications: int, jobs: int,
            executor: ExecutorSpec | None = None, paired: bool = True,
            memory_mb: float | None = -1.0) -> str | None:
    """The checks before every run of ``replications`` of each scenario on ``jobs``
    processes: each covers a whole financial year; with ``paired`` (compared replication by
    replication), all cover the same days; all together fit in memory; the Dask scheduler
    (``executor``'s address) answers. Raises PreRunError; returns a note if the run will
    take long (to show before it starts), else None. ``memory_mb``: this machine's memory
    (by default, as the system says)."""
    for key, sc in scenarios.items():
        why = whole_year(sc)
        if why:
            raise PreRunError(why, key)
    items = list(scenarios.items())
    for k, sc in items[1:] if paired else []:
        try:
            check_comparable(dict([items[0], (k, sc)]))
        except ValueError as e:
            raise PreRunError(str(e)) from None  # the message names the scenario
    # many scenarios: fewer draws each keep this to seconds (a national back-test, 150
    # councils whose draws differ in their paths: the central values only, ~15 s)
    n = len(scenarios)
    draws = 200 if n <= 4 else 40 if n <= 20 else 0
    n_cores, others = machine.cores(), machine.other_work()  # looked at once, for all
    ests = {k: estimate(sc, replications, jobs, n_cores, others, draws)
            for k, sc in scenarios.items()}
    if not ests:
        return None
    key, worst = max(ests.items(), key=lambda kv: kv[1].mb_per_process)
    why = too_big(worst, physical_memory_mb() if memory_mb == -1.0 else memory_mb)
    if why:
        raise PreRunError(why, key)
    if executor is not None and executor.kind == "dask" and executor.address is not None:
        check_scheduler(executor.address)
    return long_run(Estimate(worst.referrals, sum(e.seconds for e in ests.values()),
                             worst.mb_per_process, worst.processes, worst.cores, worst.load))
