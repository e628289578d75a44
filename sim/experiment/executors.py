"""Where replications run: in this process, a local pool of processes, or a Dask cluster.

Every executor runs the same pure function on the same tasks, so the results are the same
on each (serial = process pool = Dask). Pools are kept for the life of the process: a
notebook or a test session pays their start once.

* ``process`` (default): a local pool of fresh ("spawn") processes, one per job.
* ``dask``: a local Dask cluster of ``jobs`` single-threaded worker processes, or, with an
  address (``tcp://host:8786``), an existing cluster — whose workers must have the same
  version of sim installed.
"""

from __future__ import annotations

import atexit
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import Any, Literal


@dataclass(frozen=True)
class ExecutorSpec:
    """Which executor, and for Dask, which cluster (None: start a local one)."""

    kind: Literal["process", "dask"] = "process"
    address: str | None = None


PROCESS = ExecutorSpec()

_POOL: dict[int, ProcessPoolExecutor] = {}  # at most one: {jobs: pool}
_DASK: dict[tuple[str | None, int], Any] = {}  # at most one client


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops the run and shuts them down; else
    every worker prints its own KeyboardInterrupt traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _WorkerProcess(SpawnProcess):
    """A worker started with Ctrl-C ignored from its first instruction: an ignored signal
    stays ignored across exec, and Python then installs no handler of its own. (The
    initializer alone would leave the seconds a worker spends importing exposed: Ctrl-C
    then printed a traceback from each worker.)"""

    def start(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            super().start()
            return
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            super().start()
        finally:
            signal.signal(signal.SIGINT, old)


class _WorkerContext(SpawnContext):
    Process = _WorkerProcess


def stop_pool() -> None:
    """End the kept process pool at once (its workers terminated): after Ctrl-C, the
    replications running are not waited for."""
    for pool in _POOL.values():
        for proc in list(getattr(pool, "_processes", {}).values()):
            if proc.is_alive():
                proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
    _POOL.clear()


def _process_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of ``jobs`` worker processes (starting one costs a second or two: each worker
    imports numpy, scipy, pandas). Asking for another size, or finding it broken (a worker
    killed), replaces it."""
    pool = _POOL.get(jobs)
    if pool is not None and not getattr(pool, "_broken", False):
        return pool
    for old in _POOL.values():
        old.shutdown(wait=True, cancel_futures=True)
    _POOL.clear()
    pool = _POOL[jobs] = ProcessPoolExecutor(
        max_workers=jobs, mp_context=_WorkerContext(), initializer=_ignore_interrupts)
    return pool


def _dask_client(address: str | None, jobs: int):
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:  # pragma: no cover - distributed is a dependency
        raise RuntimeError("the dask executor needs the 'distributed' package") from e
    key = (address, jobs if address is None else 0)
    client = _DASK.get(key)
    if client is not None and client.status == "running":
        return client
    close_dask()
    if address is None:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=40)
        client = Client(cluster)
    else:
        client = Client(address, timeout="20s")
    _DASK[key] = client
    return client


def close_dask() -> None:
    """Close the kept Dask client (and the local cluster sim started, if any)."""
    for client in _DASK.values():
        cluster = client.cluster
        client.close()
        if cluster is not None:
            cluster.close()
    _DASK.clear()


@atexit.register
def shutdown() -> None:
    """Stop the kept process pool and Dask client."""
    for pool in _POOL.values():
        pool.shutdown(wait=True, cancel_futures=True)
    _POOL.clear()
    close_dask()


def in_flight_limit(spec: ExecutorSpec, jobs: int, client: Any = None) -> int:
    """Tasks kept submitted at once: twice the workers, so none waits for the next. On an
    existing Dask cluster, its workers count, not the cores of the machine submitting."""
    workers = jobs
    if spec.kind == "dask" and spec.address is not None and client is not None:
        workers = max(jobs, sum(client.nthreads().values()))
    return 2 * max(1, workers)


def run_all(fn: Callable[[Any], Any], tasks: Iterable[Any], jobs: int,
            spec: ExecutorSpec = PROCESS, in_flight: int | None = None,
            order: Callable[[Any], Any] = lambda t: 0) -> Iterator[tuple[Any, Any]]:
    """Yield (task, fn(task)) as tasks finish. Tasks are drawn from ``tasks`` only as
    workers become free (at most ``in_flight`` at once, default twice the jobs), so an
    endless generator of tasks is fine: stop consuming and what has not started is
    cancelled. Results that finish together come out in ``order``."""
    it = iter(tasks)
    if spec.kind == "process" and jobs <= 1:
        for task in it:
            yield task, fn(task)
        return
    limit = in_flight or 2 * max(1, jobs)
    if spec.kind == "dask":
        client = _dask_client(spec.address, jobs)
        limit = in_flight or in_flight_limit(spec, jobs, client)
        submit = lambda t: client.submit(fn, t, pure=False)  # noqa: E731
        from distributed import wait as dask_wait

        def wait_any(fs: list[Any]) -> set[Any]:
            return dask_wait(fs, return_when="FIRST_COMPLETED").done
    else:
        pool = _process_pool(jobs)
        submit = lambda t: pool.submit(fn, t)  # noqa: E731

        def wait_any(fs: list[Any]) -> set[Any]:
            return wait(fs, return_when=FIRST_COMPLETED)[0]
    pending: dict[Any, Any] = {}
    try:
        for task in it:
            pending[submit(task)] = task
            if len(pending) >= limit:
                break
        while pending:
            done = wait_any(list(pending))
            for fut in sorted(done, key=lambda f: order(pending[f])):
                task = pending.pop(fut)
                yield task, fut.result()
                nxt = next(it, None)
                if nxt is not None:
                    pending[submit(nxt)] = nxt
    except BrokenProcessPool:
        shutdown()
        raise
    except KeyboardInterrupt:  # the parent stops the run; the workers are not waited for
        if spec.kind == "process":
            stop_pool()
        raise
    finally:
        for fut in pending:  # stopped early: drop what has not started
            fut.cancel()
