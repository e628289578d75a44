"""Runs, off the page's thread: the outlook of a baseline, and a comparison of the levers
against it.

``Service`` is what the app's sessions share: the baseline cache and one worker thread.
Runs from every session queue on that thread, one at a time (each already uses every core
through the process pool, which is one per process and not safe to resize from two threads
at once). A ``Job`` belongs to the session that started it (the page keeps it in its session
state) and holds that session's progress and results, so two browser tabs never see each
other's. The page polls the job; nothing here knows of Streamlit.
"""

from __future__ import annotations

import os
import tempfile
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sim.app.cache import BaselineCache, BaselineKey
from sim.app.charts import Picture, differences_chart, draw, series_charts
from sim.app.downloads import Downloads, build_downloads
from sim.app.sources import Source
from sim.experiment.guards import PreRunError, pre_run
from sim.experiment.runner import Results, default_jobs, run_many
from sim.outputs.comparison import Comparison
from sim.outputs.narrative import headline
from sim.scenario import Scenario, ScenarioError

BASELINE = "baseline"


class Cancelled(Exception):
    """A job was replaced by a newer one of the same session before it finished."""


@dataclass
class Job:
    """One session's run: what it is doing, how far it has got, and what it found."""

    kind: str  # "outlook", "comparison" or "files"
    phase: str = "waiting for another run to finish"
    done: int = 0
    total: int = 0
    baseline: Results | None = None
    comparison: Comparison | None = None
    headline: list[str] = field(default_factory=list)
    charts: list[Picture] = field(default_factory=list)
    downloads: Downloads | None = None
    error: str | None = None
    future: Future[None] | None = None
    cancelled: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def progress(self, phase: str, done: int, total: int) -> None:
        """Called by the run after each replication; stops it if the job was cancelled
        (the pool then drops the replications not started)."""
        if self.cancelled:
            raise Cancelled
        with self._lock:
            self.phase, self.done, self.total = phase, done, total

    def cancel(self) -> None:
        """Stop at the next replication (or before starting, if still queued)."""
        self.cancelled = True
        if self.future is not None:
            self.future.cancel()

    def status(self) -> tuple[str, int, int]:
        with self._lock:
            return self.phase, self.done, self.total

    @property
    def finished(self) -> bool:
        return self.future is not None and self.future.done()


def key_for(src: Source, replications: int, seed: int) -> BaselineKey:
    return BaselineKey(src.label, src.scenario.run.start_date.year, seed, replications,
                       src.digest)


def _internal(e: Exception) -> str:
    """A bug in sim, not in the levers: one line, the details in a file (as the CLI)."""
    fd, log = tempfile.mkstemp(prefix="sim-app-crash-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        traceback.print_exception(e, file=f)
    return (f"internal error: {type(e).__name__}: {e}. This is a bug in sim, not in your "
            f"levers; the details are in {log}")


class Service:
    """The baseline cache and the one worker thread, shared by every session."""

    def __init__(self, jobs: int | None = None, cache_size: int = 6, charts: bool = True
                 ) -> None:
        self.jobs = jobs or default_jobs()
        self.charts = charts  # False: no charts drawn (tests that look at numbers only)
        self.cache = BaselineCache(cache_size)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim-app-run")

    def _baseline(self, src: Source, replications: int, seed: int, job: Job) -> Results:
        key = key_for(src, replications, seed)
        name = src.scenario.name

        def run() -> Results:
            pre_run({name: src.scenario}, replications, self.jobs)  # as every command does
            tick = lambda d, t: job.progress("running the baseline", d, t)  # noqa: E731
            tick(0, replications)
            return run_many({name: src.scenario}, replications, seed,
                            min(self.jobs, replications), tick)[name]

        return self.cache.get_or_run(key, run)

    def _submit(self, job: Job, work: Callable[[], None]) -> Job:
        def guarded() -> None:
            try:
                work()
            except Cancelled:
                job.error = "stopped: a newer run replaced it"
                return
            except (ScenarioError, PreRunError) as e:  # the user's input: its one line
                job.error = str(e)
            except Exception as e:  # anything else is a bug: said in one line
                job.error = _internal(e)
            with job._lock:  # not progress(): a cancel after the work is done changes nothing
                job.phase = "finished" if job.error is None else "failed"

        job.future = self._worker.submit(guarded)
        return job

    def outlook(self, src: Source, replications: int, seed: int | None = None) -> Job:
        """Start the baseline's run (or find it kept): its five-year outlook."""
        job = Job("outlook")
        seed = src.scenario.run.seed if seed is None else seed

        def work() -> None:
            base = self._baseline(src, replications, seed, job)
            job.progress("drawing the charts", replications, replications)
            if self.charts:
                job.charts = [draw(c) for c in series_charts({src.scenario.name: base})[:1]]
            job.baseline = base  # the page shows the outlook from here on

        return self._submit(job, work)

    def compare(self, src: Source, alternative: Scenario, replications: int,
                scenario_yaml: str, seed: int | None = None) -> Job:
        """Start a comparison of ``alternative`` with the baseline of ``src``, paired on
        the same seed: the baseline from the cache (run first if not there), then the
        alternative's replications, then the headline and tables (``comparison`` is set: the
        answer), then the charts (the job is finished)."""
        job = Job("comparison")
        seed = src.scenario.run.seed if seed is None else seed

        def work() -> None:
            pre_run({BASELINE: src.scenario, alternative.name: alternative}, replications,
                    self.jobs)
            base = self._baseline(src, replications, seed, job)
            tick = lambda d, t: job.progress("running your changes", d, t)  # noqa: E731
            tick(0, replications)
            alt = run_many({alternative.name: alternative}, replications, seed,
                           min(self.jobs, replications), tick)[alternative.name]
            # keyed "baseline" whatever the file's name: the page and headline say so
            comp = Comparison({BASELINE: base, alternative.name: alt}, BASELINE)
            job.headline = headline(comp)
            job.baseline = base
            job.comparison = comp  # the page shows the headline and tables from here on
            job.progress("drawing the charts", replications, replications)
            if self.charts:  # then the charts, all at once
                job.charts = [draw(differences_chart(comp)),
                              *[draw(c) for c in series_charts(comp.results)]]

        return self._submit(job, work)

    def files(self, comparison: Comparison, src: Source, scenario_yaml: str, name: str
              ) -> Job:
        """Start writing the files to download (results, report, workbook: some seconds,
        so only when asked, and never holding up the next run of the levers)."""
        job = Job("files", comparison=comparison)

        def work() -> None:
            job.progress("writing the results, report and workbook", 0, 0)
            job.downloads = build_downloads(comparison, src, scenario_yaml, name)

        return self._submit(job, work)

    def shutdown(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
