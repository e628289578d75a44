"""What the ``sim`` commands share: the options several of them take, reading a scenario,
the results directory and its checkpoint, the checks before a long run, and running
replications with a progress bar.

A mistake in what the user gave is reported by ``fail``: one line, exit status 2, no
traceback (mistakes on the command line itself are caught in ``entry.py``)."""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from sim.experiment import arguments as limits
from sim.experiment import guards
from sim.experiment.checkpoint import Checkpoint
from sim.experiment.executors import PROCESS, ExecutorSpec
from sim.experiment.replications import run_until_precise
from sim.experiment.runner import Results, run_many
from sim.outputs.files import has_results
from sim.outputs.ownership import (
    OutputError,
    acquire,
    check_destination,
    check_name,
    clear_leftovers,
)
from sim.scenario import Scenario, ScenarioError, load_scenario

out_console = Console()
err_console = Console(stderr=True)


def show(table: Table, console: Console | None = None) -> None:
    """Print a table whole: no number is ever cut short ("156,435,91…"). On a terminal a
    table too wide for it wraps its text and, if it must, folds a cell onto a second line;
    to a file or a pipe it is plain text at the table's full width."""
    console = console or out_console
    for col in table.columns:  # rich would otherwise end a cell that does not fit with …
        col.overflow = "fold"
        col.no_wrap = col.justify == "right"  # words wrap first; numbers stay whole...
    if console.is_terminal:
        opts = console.options
        need = table._extra_width + sum(  # numbers whole, words wrapped
            (m.maximum if col.no_wrap else m.minimum)
            for col in table.columns for m in [table._measure_column(console, opts, col)])
        if need > console.width:
            for col in table.columns:  # ...unless they cannot: then they fold
                col.no_wrap = False
        console.print(table)
        return
    full = Measurement.get(console, console.options.update(width=10_000), table).maximum
    plain = Console(file=console.file, width=max(full, 20), color_system=None,
                    highlight=False, emoji=False)
    plain.print(table)


def fail(message: str, code: int = 2) -> NoReturn:
    """Report a problem with the user's input in one line and exit with status 2 (or
    ``code``: 1 for a problem of the environment, such as a full disk)."""
    fail_all([message], code)


def fail_all(messages: list[str], code: int = 2) -> NoReturn:
    """Report several problems with the user's input, one line each, and exit with
    status 2 (or ``code``)."""
    for message in messages:
        # escaped: a file name or value in brackets ('[key]', '[0]') is not rich markup
        err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                          soft_wrap=True)
    raise typer.Exit(code=code)


def write_failed(e: OSError, where: Path, kept: str = "nothing was written there",
                 again: str = "run the same command again") -> NoReturn:
    """One line for results that could not be written (a full disk, no permission, a name
    too long), saying what is kept and what to do: status 1 (2 for a name too long)."""
    reason = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded"
              }.get(e.errno or 0, e.strerror or str(e))
    todo = ("free some space" if e.errno in (errno.ENOSPC, errno.EDQUOT) else
            "choose a shorter --out" if e.errno == errno.ENAMETOOLONG else "fix the cause")
    fail(f"cannot write the results to {where}: {reason}; {kept}: {todo} and {again}",
         2 if e.errno == errno.ENAMETOOLONG else 1)


def read_scenario(path: Path) -> Scenario:
    """The scenario in ``path``, or an error line (status 2) for each problem found in it
    (up to 20), each naming the file, the field and what is allowed."""
    try:
        return load_scenario(path)
    except ScenarioError as e:
        fail_all(e.lines())


# --- options that several commands take, and their parsing

ReplicationsOpt = Annotated[str | None, typer.Option(
    "--replications", "-r",
    help="number of replications, or 'auto' to add them until --precision is met "
         "[default: the scenario's]")]
SeedOpt = Annotated[int | None, typer.Option(
    min=0, max=limits.MAX_SEED, help="base seed [default: the scenario's]")]
JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", "-j", min=1, max=limits.MAX_JOBS, help="parallel processes [default: all cores]")]
FixedOpt = Annotated[bool, typer.Option(
    "--fixed-parameters",
    help="use central values of the uncertain effects: the spread is then chance alone")]
PrecisionOpt = Annotated[float | None, typer.Option(
    min=limits.PRECISION[0], max=limits.PRECISION[1],
    help="with -r auto: target half-width of the 95% intervals, relative to the mean "
         "[default: 0.05]")]
MaxRepsOpt = Annotated[int, typer.Option(
    "--max-replications", min=limits.MAX_REPLICATIONS_RANGE[0],
    max=limits.MAX_REPLICATIONS_RANGE[1], help="with -r auto: the most to run")]
ExecutorOpt = Annotated[str, typer.Option(
    "--executor", help="process (a local pool) or dask (a local Dask cluster, or the one at "
                       "--address)")]
AddressOpt = Annotated[str | None, typer.Option(
    "--address", help="with --executor dask: an existing scheduler, e.g. tcp://host:8786")]
XlsxOpt = Annotated[bool, typer.Option(
    "--xlsx", help="also write an Excel workbook with a sheet per table")]
ReportOpt = Annotated[bool, typer.Option(
    "--report", help="also write report.html: the findings in plain English, with charts, "
                     "in one file to share (see `sim report`)")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="replace the results of an earlier run in --out (and any unfinished run "
                    "saved there)")]
ResumeOpt = Annotated[bool, typer.Option(
    "--resume", help="finish an interrupted run: reuse the replications it saved and run "
                     "the rest (same results as an uninterrupted run)")]


def command_line() -> str:
    """The command as typed, for a report to show how to reproduce its results."""
    return shlex.join(["sim", *sys.argv[1:]])


def parse_replications(value: str | None, default: int, precision: float | None = None
                       ) -> int | None:
    """An option that is a whole number of replications, or 'auto' (returns None)."""
    auto = value is not None and value.strip().lower() == "auto"
    if precision is not None and not auto:
        fail("--precision: applies only with --replications auto")
    if value is None:
        return default
    if auto:
        return None
    try:
        n = int(value)
    except ValueError:
        fail(f"--replications: expected a whole number from 1 to {limits.MAX_REPLICATIONS} "
             f"or 'auto' (found {value!r})")
    if not 1 <= n <= limits.MAX_REPLICATIONS:
        fail(f"--replications: expected a whole number from 1 to {limits.MAX_REPLICATIONS} "
             f"or 'auto' (found {n})")
    return n


def parse_executor(kind: str, address: str | None) -> ExecutorSpec:
    """--executor and --address as an executor to run replications on."""
    if kind not in ("process", "dask"):
        fail(f"--executor: expected process or dask (found {kind!r})")
    if address is not None and kind != "dask":
        fail("--address: applies only with --executor dask")
    if address is not None:
        try:
            guards.scheduler_address(address)
        except guards.PreRunError as e:
            fail(str(e))
    return ExecutorSpec("dask" if kind == "dask" else "process", address)


def where(jobs: int, spec: ExecutorSpec) -> str:
    """Where the replications run, for the line announcing a run."""
    if spec.kind == "dask":
        return (f"on the Dask cluster at {spec.address}" if spec.address else
                f"on a local Dask cluster of {jobs} worker(s)")
    return f"on up to {jobs} process(es)"


# --- the results directory, and the checks before a run


def out_name(out: Path, room: int | None = None) -> None:
    """Refuse an --out whose name is too long for the file system, before any use of it
    (``room``: what sim adds to the name; by default, a results directory's siblings)."""
    try:
        check_name(out) if room is None else check_name(out, room)
    except OutputError as e:
        fail(f"--out: {e}")


def results_dir(out: Path, force: bool = False) -> Path:
    """Check the results directory before any work, so a bad --out costs nothing: earlier
    results are replaced only with --force, and the place must be writable. The resolved
    directory, locked against other runs until this command ends."""
    try:
        out = check_destination(out)
    except OutputError as e:
        fail(f"--out: {e}")
    if has_results(out) and not force:
        fail(f"--out: {out} holds the results of an earlier run; add --force to replace "
             "them, or choose another --out")
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        fail(f"--out: cannot write in {parent} (permission denied)")
    try:
        acquire(out)  # released when the process ends (the kernel drops it if killed)
    except OutputError as e:
        fail(f"--out: {e}")
    except OSError as e:
        fail(f"--out: cannot write in {out.parent} ({e.strerror or e})")
    for gone in clear_leftovers(out):
        err_console.print(f"removed {gone}, left by a run of sim that was killed",
                          highlight=False, soft_wrap=True)
    return out


def guard_run(scenarios: Mapping[str, Scenario], reps: int, jobs: int,
              source: Path | str | Mapping[str, str], executor: ExecutorSpec | None = None,
              paired: bool = True) -> None:
    """The checks before every run (``guards.pre_run``): a run that cannot go ahead is
    refused in one line naming the file (``source``, or by scenario), a long one announced.
    """
    try:
        note = guards.pre_run(scenarios, reps, jobs, executor, paired)
    except guards.PreRunError as e:
        at = (source.get(e.key or "", "") if isinstance(source, Mapping) else str(source))
        fail(f"{at}: {e}" if at and e.key is not None else str(e), e.status)
    if note:
        err_console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)


# --- running replications


@contextlib.contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, with the time elapsed and the time remaining; yields the
    function that moves it (done, total)."""
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TextColumn("elapsed"), TimeElapsedColumn(),
                  TextColumn("remaining"), TimeRemainingColumn(),
                  console=err_console) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def execute(scenarios: dict[str, Scenario], reps: int | None, seed: int, jobs: int,
            fixed: bool, precision: float | None, max_reps: int,
            executor: ExecutorSpec | None = None,
            checkpoints: dict[str, Checkpoint] | None = None, check: bool = False
            ) -> tuple[dict[str, Results], str | None]:
    """Run each scenario's replications (``reps`` of them, or with None until ``precision``
    is met) with a progress bar; the results, and a note on the precision reached."""
    executor = executor or PROCESS
    label = "replications" if len(scenarios) == 1 else \
        f"replications × {len(scenarios)} scenarios"
    if reps is None:
        with progress_bar(label + " (auto)", max_reps) as update:
            try:
                results, prec = run_until_precise(
                    scenarios, seed, jobs, precision or 0.05, max_replications=max_reps,
                    progress=update, fixed_parameters=fixed, executor=executor,
                    checkpoints=checkpoints, check=check)
            except ValueError as e:
                fail(str(e))
        return results, prec.describe()

    with progress_bar(label, reps * len(scenarios)) as update:
        jobs = jobs if executor.kind == "dask" else min(jobs, reps * len(scenarios))
        return run_many(scenarios, reps, seed, jobs, update, fixed, executor,
                        checkpoints, check), None
