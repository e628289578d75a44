"""Where replications run: in this process, a local pool of processes, or a Dask cluster.

Every executor runs the same pure function on the same tasks, so the results are the same
on each (serial = process pool = Dask). Pools are kept for the life of the process: a
notebook or a test session pays their start once.

* ``process`` (default): a local pool of fresh ("spawn") processes, one per job. They
  never import the caller's ``__main__``, so ``sim.run`` works the same from a plain script
  (no ``if __name__ == "__main__":`` needed), a notebook and an interactive session. The
  usual start methods cannot give that: "spawn" and "forkserver" run the script again in
  every worker (where an unguarded ``sim.run`` starts a pool inside the pool: broken), and
  "fork" copies a parent that already has threads (numpy's BLAS pool; a notebook's kernel),
  which can deadlock and is no longer Python's default from 3.14. The work sent to a worker
  is sim's own functions and scenarios, importable by name, so the script is not needed
  there: the worker starts as "spawn" would, less the step that runs ``__main__``.
  Workers die with the process that started them (a watchdog thread in each, below), so a
  parent killed with SIGKILL leaves no worker, nor multiprocessing's resource tracker,
  behind.
  Ctrl-C stops a run at once: the workers are ended, not waited for.
* ``dask``: a local Dask cluster of ``jobs`` single-threaded worker processes (also started
  without ``__main__``), or, with an address (``tcp://host:8786``), an existing cluster —
  whose workers must have the same version of sim installed.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.context
import multiprocessing.spawn
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class ExecutorSpec:
    """Which executor, and for Dask, which cluster (None: start a local one)."""

    kind: Literal["process", "dask"] = "process"
    address: str | None = None


PROCESS = ExecutorSpec()

_POOL: dict[int, ProcessPoolExecutor] = {}  # at most one: {jobs: pool}
_DASK: dict[tuple[str | None, int], Any] = {}  # at most one client


WORKER_PREFIX = "sim-worker"  # the names of the pool's processes


def _worker_init(parent: int) -> None:
    """Set up a worker of the pool. Workers leave Ctrl-C to the parent, which stops the run
    and shuts them down (else every worker prints its own KeyboardInterrupt traceback), and
    end themselves when the parent ``parent`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=watch_parent, args=(parent,), name="sim-parent-watch",
                     daemon=True).start()


def watch_parent(parent: int, every: float = 0.2) -> None:
    """Exit this process at once when its parent ``parent`` has gone (killed with SIGKILL,
    say, which leaves it no chance to stop its workers): a worker waits on a queue that no
    one will ever write to, holding a few hundred MB, and multiprocessing's resource tracker
    stays alive as long as a worker does. The parent's death makes the kernel hand the
    orphan to another process, so ``getppid`` changes. Polling, rather than Linux's
    parent-death signal: that one fires when the *thread* that started the worker ends,
    and a pool kept for the life of a process (a notebook's, the web app's, whose runs come
    from threads that end) would lose its workers while still in use."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


def _preparation_data(name: str) -> dict[str, Any]:
    """What a spawned process is told about its parent before it starts: for the pool's
    workers, everything but how to import ``__main__`` (see the module's docstring)."""
    data = _SPAWN_PREPARATION(name)
    if name.startswith(WORKER_PREFIX) or (_OWN_DASK and name.startswith(DASK_WORKER)):
        data.pop("init_main_from_name", None)
        data.pop("init_main_from_path", None)
    return data


_SPAWN_PREPARATION = multiprocessing.spawn.get_preparation_data
# the worker processes of a Dask cluster's nannies, left without ``__main__`` too while sim
# runs a local cluster of its own: they run sim's code, or the cloudpickled functions of the
# caller's (which carry themselves)
DASK_WORKER = "Dask Worker process"
_OWN_DASK: list[bool] = []


class WorkerProcess(multiprocessing.context.SpawnProcess):
    """A worker of sim's pool: a spawned process, named so that it is started without the
    caller's ``__main__``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = WORKER_PREFIX + self.name.removeprefix(type(self).__name__)  # sim-worker-1

    def start(self) -> None:
        """Start the worker with SIGINT blocked, as it stays (the mask passes through exec):
        Ctrl-C reaches every process of the terminal's group, and a worker still importing
        numpy would print a KeyboardInterrupt traceback of its own. In the parent, Ctrl-C
        (and SIGTERM, which the command line treats alike) is held while the worker starts
        and acted on just after: halfway through, it would leave a worker that was never
        sent its instructions, printing an EOFError."""
        held: list[int] = []
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():  # where handlers run
            for sig in (signal.SIGINT, signal.SIGTERM):
                if callable(signal.getsignal(sig)):
                    previous[sig] = signal.signal(sig, lambda signum, _: held.append(signum))
        mask = getattr(signal, "pthread_sigmask", None)  # not on Windows
        blocked = mask(signal.SIG_BLOCK, {signal.SIGINT}) if mask else None
        try:
            super().start()
        finally:
            if mask and blocked is not None:
                mask(signal.SIG_SETMASK, blocked)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        for signum in held[:1]:
            previous[signum](signum, None)  # KeyboardInterrupt, as it would have been


class WorkerContext(multiprocessing.context.SpawnContext):
    """The "spawn" start method, with ``WorkerProcess`` for processes."""

    Process = WorkerProcess


def worker_context() -> WorkerContext:
    """The start method of sim's pool. Every spawn (and forkserver) start asks
    ``multiprocessing.spawn.get_preparation_data`` what to tell the child: it is wrapped, once,
    by a function that leaves out ``__main__`` for processes named as sim's workers and
    changes nothing for any other."""
    if multiprocessing.spawn.get_preparation_data is not _preparation_data:
        multiprocessing.spawn.get_preparation_data = _preparation_data
    return WorkerContext()


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
        max_workers=jobs, mp_context=worker_context(), initializer=_worker_init,
        initargs=(os.getpid(),))
    return pool


def end_process_pool() -> None:
    """End the kept pool now (on Ctrl-C): its workers are terminated rather than waited for.
    A worker busy with a replication would otherwise finish it — minutes, for a large
    scenario — before the run could stop, although its result can no longer be used."""
    for pool in _POOL.values():
        workers = list((getattr(pool, "_processes", None) or {}).values())
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
    _POOL.clear()
    for worker in multiprocessing.active_children():  # one started as Ctrl-C came
        if isinstance(worker, WorkerProcess):
            worker.terminate()
            worker.join(5)


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
        worker_context()  # no __main__ in its workers either (see _preparation_data)
        _OWN_DASK[:] = [True]
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
    _OWN_DASK.clear()


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
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM, which the command line turns into it)
        if spec.kind == "process":
            end_process_pool()
        raise
    finally:
        for fut in pending:  # stopped early: drop what has not started
            fut.cancel()
