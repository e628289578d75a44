"""The ``sim`` command line. It only parses options, calls the experiment layer and the
outputs, and reports; errors in what the user gave are one line and exit status 2."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from sim.experiment.replications import run_until_precise
from sim.experiment.runner import default_jobs, run_many
from sim.model.invariants import InvariantError
from sim.model.measures import HEADLINE_METRICS
from sim.outputs.comparison import Comparison
from sim.outputs.files import (
    OutputError,
    check_output_dir,
    checkpoint_dir,
    has_results,
    write_comparison,
    write_results,
)
from sim.outputs.report import (
    LABELS,
    budget_table,
    cost_difference_table,
    difference_table,
    headline_table,
)
from sim.outputs.tables import summarise
from sim.scenario import Scenario, ScenarioError, load_scenario

out_console = Console()
err_console = Console(stderr=True)


def _usage_message(e: typer.TyperException) -> str:
    """One line for a mistake on the command line: the option, what is allowed, what was
    found, and where the help is."""
    ctx = getattr(e, "ctx", None)
    see = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
    param = getattr(e, "param", None)
    kind = type(e).__name__
    if param is None or kind not in ("BadParameter", "MissingParameter"):
        msg = e.format_message().rstrip(".")
        msg = msg[:1].lower() + msg[1:]
        return msg + (f" ({see[2:]})" if see and msg.endswith("?") else see)
    name = "/".join(param.opts) if getattr(param, "param_type_name", "") == "option" \
        else param.name.upper()
    if kind == "MissingParameter":
        return f"{name}: is required but missing{see}"
    cause = e.__cause__
    errors = cause.errors() if hasattr(cause, "errors") else []
    found = ""
    if errors and "input" in errors[0]:
        v = errors[0]["input"]
        found = f" (found {v if re.fullmatch(r'[-+.0-9eE]+', str(v)) else repr(v)})"
    lo, hi = getattr(param, "min", None), getattr(param, "max", None)
    if lo is None and hi is None:
        return f"{name}: {e.message.rstrip('.')}{found}{see}"
    what = "a whole number" if isinstance(lo if lo is not None else hi, int) else "a number"
    allowed = (f"from {lo} to {hi}" if lo is not None and hi is not None else
               f"of at least {lo}" if lo is not None else f"of at most {hi}")
    return f"{name}: expected {what} {allowed}{found}{see}"


class _OneLineErrors(typer.core.TyperGroup):
    """The ``sim`` group, reporting a mistake on the command line (a value out of range, an
    unknown option, a missing argument) in one line with exit status 2, like every other
    mistake in the user's input; typer would draw a box of several lines around it."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except typer.TyperException as e:
            if type(e).__name__ != "NoArgsIsHelpError":  # that one has printed the help
                err_console.print(f"[bold red]error:[/] {escape(_usage_message(e))}",
                                  highlight=False, soft_wrap=True)
            sys.exit(getattr(e, "exit_code", 2))
        except typer.Abort:
            err_console.print("aborted")
            sys.exit(1)
        # without standalone mode, typer returns what the command returned (None), or the
        # status of a typer.Exit
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
    help="Simulate a council's children's social care service.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Simulate a council's children's social care service: referrals, cases, social
    workers and allocation. Start with `sim run scenarios/baseline.yaml`."""


def fail(message: str) -> None:
    """Report a problem with the user's input in one line and exit with status 2."""
    # escaped: a file name or value in brackets ('[key]', '[0]') is not rich markup
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                      soft_wrap=True)
    raise typer.Exit(code=2)


def _load(path: Path) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as e:
        fail(str(e))
        raise  # unreachable: fail() exits


def _output(out: Path, force: bool = False) -> Path:
    """Check the results directory before any work, so a bad --out costs nothing: earlier
    results are replaced only with --force, and the place must be writable."""
    try:
        check_output_dir(out)
    except OutputError as e:
        fail(f"--out: {e}")
    if has_results(out) and not force:
        fail(f"--out: {out} holds the results of an earlier run; add --force to replace "
             "them, or choose another --out")
    parent = out.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        fail(f"--out: cannot write in {parent} (permission denied)")
    return out


@contextlib.contextmanager
def _progress(label: str, total: int) -> Iterator:
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err_console) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _replications(value: str | None, default: int, precision: float | None = None
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
        fail(f"--replications: expected a whole number from 1 to 100000 or 'auto' "
             f"(found {value!r})")
    if not 1 <= n <= 100_000:
        fail(f"--replications: expected a whole number from 1 to 100000 or 'auto' "
             f"(found {n})")
    return n


ReplicationsOpt = Annotated[str | None, typer.Option(
    "--replications", "-r",
    help="number of replications, or 'auto' to add them until --precision is met "
         "[default: the scenario's]")]
SeedOpt = Annotated[int | None, typer.Option(
    min=0, max=2**63 - 1, help="base seed [default: the scenario's]")]
JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", "-j", min=1, max=1024, help="parallel processes [default: all cores]")]
FixedOpt = Annotated[bool, typer.Option(
    "--fixed-parameters",
    help="use central values of the uncertain effects: the spread is then chance alone")]
PrecisionOpt = Annotated[float | None, typer.Option(
    min=0.001, max=1.0,
    help="with -r auto: target half-width of the 95% intervals, relative to the mean "
         "[default: 0.05]")]
MaxRepsOpt = Annotated[int, typer.Option(
    "--max-replications", min=3, max=100_000, help="with -r auto: the most to run")]
ExecutorOpt = Annotated[str, typer.Option(
    "--executor", help="process (a local pool) or dask (a local Dask cluster, or the one at "
                       "--address)")]
AddressOpt = Annotated[str | None, typer.Option(
    "--address", help="with --executor dask: an existing scheduler, e.g. tcp://host:8786")]
XlsxOpt = Annotated[bool, typer.Option(
    "--xlsx", help="also write an Excel workbook with a sheet per table")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="replace the results of an earlier run in --out (and any unfinished run "
                    "saved there)")]
ResumeOpt = Annotated[bool, typer.Option(
    "--resume", help="finish an interrupted run: reuse the replications it saved and run "
                     "the rest (same results as an uninterrupted run)")]


def _executor(kind: str, address: str | None):
    from sim.experiment.executors import ExecutorSpec

    if kind not in ("process", "dask"):
        fail(f"--executor: expected process or dask (found {kind!r})")
    if address is not None and kind != "dask":
        fail("--address: applies only with --executor dask")
    if address is not None and not re.fullmatch(r"(tcp|tls|ucx|inproc)://[\w.\-\[\]:]+",
                                                address):
        fail(f"--address: expected a scheduler address like tcp://host:8786 (found {address!r})")
    return ExecutorSpec(kind, address)  # type: ignore[arg-type]


def _where(jobs: int, spec) -> str:
    if spec.kind == "dask":
        return (f"on the Dask cluster at {spec.address}" if spec.address else
                f"on a local Dask cluster of {jobs} worker(s)")
    return f"on up to {jobs} process(es)"


def _execute(scenarios: dict[str, Scenario], reps: int | None, seed: int, jobs: int,
             fixed: bool, precision: float | None, max_reps: int,
             executor=None, checkpoints=None, check: bool = False
             ) -> tuple[dict, str | None]:
    from sim.experiment.executors import PROCESS

    executor = executor or PROCESS
    label = "replications" if len(scenarios) == 1 else \
        f"replications × {len(scenarios)} scenarios"
    if reps is None:
        with _progress(label + " (auto)", max_reps) as update:
            try:
                results, prec = run_until_precise(
                    scenarios, seed, jobs, precision or 0.05, max_replications=max_reps,
                    progress=update, fixed_parameters=fixed, executor=executor,
                    checkpoints=checkpoints, check=check)
            except ValueError as e:
                fail(str(e))
        return results, prec.describe()

    with _progress(label, reps * len(scenarios)) as update:
        jobs = jobs if executor.kind == "dask" else min(jobs, reps * len(scenarios))
        return run_many(scenarios, reps, seed, jobs, update, fixed, executor,
                        checkpoints, check), None


def _guard(scenarios: dict[str, Scenario], reps: int, jobs: int, source: Path) -> None:
    """Refuse a run that cannot fit in memory, and announce a long one, before starting."""
    from sim.experiment import guards
    from sim.model.calendar import Calendar

    for sc in scenarios.values():
        cal = Calendar(sc.run.start_date, sc.run.horizon_years)
        if not any(complete for _, _, complete in cal.fy_ends()):
            fail(f"{source}: run.horizon_years: {sc.run.horizon_years:g} years from "
                 f"{sc.run.start_date} cover no whole financial year; a run must include one "
                 "whole April-to-March year, which the annual results and budgets report")
    ests = [guards.estimate(sc, reps, jobs) for sc in scenarios.values()]
    worst = max(ests, key=lambda e: e.mb_per_process)
    why = guards.too_big(worst, guards.physical_memory_mb())
    if why:
        fail(f"{source}: {why}")
    total = guards.Estimate(worst.referrals, sum(e.seconds for e in ests),
                            worst.mb_per_process, worst.processes)
    note = guards.long_run(total)
    if note:
        err_console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)


def _checkpoint(out: Path, sc: Scenario, seed: int, fixed: bool, force: bool, resume: bool):
    """Where this run saves each replication as it finishes: a new checkpoint, or with
    --resume the one an interrupted run left (if it is of the same run)."""
    from sim.experiment.checkpoint import Checkpoint, CheckpointMismatch

    where = checkpoint_dir(out)
    if where.exists() and resume:
        try:
            ck = Checkpoint.resume(where, sc, seed, fixed)
        except CheckpointMismatch as e:
            if not force:
                fail(f"--resume: {e}")
            err_console.print("the saved run does not match (--force): starting again",
                              soft_wrap=True)
            return Checkpoint.create(where, sc, seed, fixed)
        err_console.print(f"resuming: {len(ck.saved())} replication(s) saved in {where}")
        return ck
    if resume:
        err_console.print("nothing saved to resume: starting from the first replication")
    try:
        return Checkpoint.create(where, sc, seed, fixed)
    except OSError as e:
        fail(f"--out: cannot write in {where.parent} ({e.strerror or e})")



@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="results directory [default: results/<scenario name>]")] = None,
    fixed_parameters: FixedOpt = False,
    precision: PrecisionOpt = None,
    max_replications: MaxRepsOpt = 200,
    xlsx: XlsxOpt = False,
    executor: ExecutorOpt = "process",
    address: AddressOpt = None,
    force: ForceOpt = False,
    resume: ResumeOpt = False,
    check: Annotated[bool, typer.Option(
        "--check", help="assert the model's invariants (conservation of cases, non-negative "
                        "headcounts...) after every event; slower, same results")] = False,
) -> None:
    """Run a scenario's replications and write tables, plots and a summary.

    Each replication is saved as it finishes: after Ctrl-C or a crash, the same command
    with --resume finishes the run."""
    spec = _executor(executor, address)
    sc = _load(scenario)
    reps = _replications(replications, sc.run.replications, precision)
    jobs = jobs or default_jobs()
    out = out or Path("results") / sc.name
    unfinished = checkpoint_dir(out)
    if unfinished.exists() and not (force or resume):
        n = len(list((unfinished / "replications").glob("r*.npz")))
        fail(f"--out: an unfinished run for {out} is saved in {unfinished} ({n} "
             "replications); add --resume to finish it, or --force to start again")
    # finishing an unfinished run may replace what is in --out: it was started with --force
    out = _output(out, force or (resume and unfinished.exists()))
    seed = seed if seed is not None else sc.run.seed
    _guard({sc.name: sc}, reps or max_replications, jobs, scenario)
    ck = _checkpoint(out, sc, seed, fixed_parameters, force, resume)
    how = "auto" if reps is None else str(reps)
    err_console.print(f"[bold]{sc.name}[/]: {how} replications {_where(jobs, spec)}")
    try:
        results, note = _execute({sc.name: sc}, reps, seed, jobs, fixed_parameters,
                                 precision, max_replications, spec, {sc.name: ck}, check)
    except InvariantError as e:
        err_console.print(f"[bold red]invariant broken:[/] {e}; the replications finished "
                          f"before are saved in {ck.directory}", highlight=False,
                          soft_wrap=True)
        raise typer.Exit(code=3) from None
    except OSError as e:  # saving a replication failed (a full disk, say)
        err_console.print(f"[bold red]error:[/] cannot save a replication in {ck.directory}: "
                          f"{e}; the {len(ck.saved())} saved so far are kept: fix the cause "
                          "and run the same command with --resume", highlight=False,
                          soft_wrap=True)
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        err_console.print(f"interrupted: {len(ck.saved())} finished replication(s) are saved "
                          f"in {ck.directory}; the same command with --resume finishes the "
                          "run", highlight=False, soft_wrap=True)
        raise typer.Exit(code=130) from None
    if ck.damaged:
        err_console.print(f"{len(ck.damaged)} saved replication(s) were damaged and were run "
                          "again", soft_wrap=True)
    res = results[sc.name]
    try:
        path = write_results(res, out, xlsx)
    except KeyboardInterrupt:
        err_console.print(f"interrupted while writing the results: all {len(ck.saved())} "
                          f"replications are saved in {ck.directory}; the same command with "
                          "--resume writes them", highlight=False, soft_wrap=True)
        raise typer.Exit(code=130) from None
    except OSError as e:
        err_console.print(f"[bold red]error:[/] cannot write the results to {out}: {e}; the "
                          f"finished replications are kept in {ck.directory}: fix the cause "
                          "and run the same command with --resume", highlight=False,
                          soft_wrap=True)
        raise typer.Exit(code=1) from None
    ck.remove()
    n = len(res.replications)
    out_console.print(headline_table(
        summarise(res.annual),
        f"{sc.name}: mean ± half-width of its 95% confidence interval, {n} replications",
    ))
    out_console.print(budget_table(res.budget_summary(),
                                   f"{sc.name}: spending by line, £m cash (mean)"))
    if note:
        out_console.print(note)
    out_console.print(f"results: {path}/  ({res.wall_seconds:.1f} s)")


@app.command()
def compare(
    scenarios: Annotated[list[Path], typer.Argument(
        help="the base scenario first, then the ones to compare with it")],
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="results directory [default: results/<base>_vs_<others>]")] = None,
    fixed_parameters: FixedOpt = False,
    precision: PrecisionOpt = None,
    max_replications: MaxRepsOpt = 200,
    drivers_fy: Annotated[str | None, typer.Option(
        help="financial year for the drivers plots, e.g. 2021-22 [default: for each measure, "
             "the year its difference is clearest]")] = None,
    xlsx: XlsxOpt = False,
    executor: ExecutorOpt = "process",
    address: AddressOpt = None,
    force: ForceOpt = False,
) -> None:
    """Compare scenarios on common random numbers: paired differences from the first, with
    95% intervals, and which uncertain effects drive them."""
    if len(scenarios) < 2:
        fail("compare needs at least two scenario files: the base, then the others")
    spec = _executor(executor, address)
    from sim.experiment.runner import check_comparable
    from sim.model.calendar import Calendar
    from sim.outputs.files import COMPARISON_FILES

    loaded: dict[str, Scenario] = {}
    for path in scenarios:
        if path.stem in loaded:
            fail(f"{path}: two scenarios are named {path.stem!r}; rename one file")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", path.stem) \
                or path.stem in COMPARISON_FILES:
            fail(f"{path}: the file's name names its results directory; use letters, digits, "
                 "'_', '.' or '-', and not the name of a results file")
        loaded[path.stem] = _load(path)
    try:
        check_comparable(loaded)
    except ValueError as e:
        fail(str(e))
    base = next(iter(loaded.values()))
    reps = _replications(replications, base.run.replications, precision)
    if drivers_fy is not None:
        cal = Calendar(base.run.start_date, base.run.horizon_years)
        years = sorted({fy for _, fy, _ in cal.fy_ends()} |
                       {fy for _, fy, _, _ in cal.workforce_snapshots()})
        if drivers_fy not in years:
            fail(f"--drivers-fy: {drivers_fy!r} is not a year of the run (allowed: "
                 f"{', '.join(years)})")
    jobs = jobs or default_jobs()
    names = list(loaded)
    _guard(loaded, reps or max_replications, jobs, scenarios[0])
    out = _output(out or Path("results") / f"{names[0]}_vs_{'_'.join(names[1:])}", force)
    how = "auto" if reps is None else str(reps)
    err_console.print(f"comparing {', '.join(names)}: {how} replications each, "
                      f"{_where(jobs, spec)}")
    results, note = _execute(loaded, reps, seed if seed is not None else base.run.seed, jobs,
                             fixed_parameters, precision, max_replications, spec)
    comp = Comparison(results)
    path = write_comparison(comp, out, LABELS, list(HEADLINE_METRICS), drivers_fy, note, xlsx)
    for name in names[1:]:
        out_console.print(difference_table(comp.table, name, names[0]))
        out_console.print()
        out_console.print(cost_difference_table(comp.costs, comp.cost_effectiveness, name,
                                                names[0]))
        out_console.print()
    for line in (note, comp.drivers_note):
        if line:
            out_console.print(line)
    out_console.print(f"{comp.replications} replications each; results: {path}/  "
                      f"({results[names[0]].wall_seconds:.1f} s)")


@app.command()
def sweep(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    sets: Annotated[list[str], typer.Option(
        "--set", help="PATH=V1,V2,... a dotted path into the scenario and its values; "
                      "repeat for a grid, e.g. --set interventions.retention.annual_spend="
                      "0,1000000,2500000,5000000")],
    replications: Annotated[int | None, typer.Option(
        "--replications", "-r", min=1, max=100_000,
        help="replications per grid point [default: the scenario's]")] = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="results directory [default: results/<scenario>_sweep]")] = None,
    outcome: Annotated[str, typer.Option(
        help="what the frontier weighs cost against: worker_changes, "
             "unallocated_case_days or caseload_mean")] = "worker_changes",
    fixed_parameters: FixedOpt = False,
    xlsx: XlsxOpt = False,
    executor: ExecutorOpt = "process",
    address: AddressOpt = None,
    force: ForceOpt = False,
) -> None:
    """Run a grid of budget options on common random numbers: outcomes and costs of each,
    and the options that are not dominated."""
    spec = _executor(executor, address)
    from sim.experiment.sweep import grid, parse_set
    from sim.outputs.files import write_sweep
    from sim.outputs.finance import OUTCOMES
    from sim.outputs.report import sweep_table_view
    from sim.outputs.sweep import frontier, sweep_table

    if outcome not in OUTCOMES:
        fail(f"--outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
    base = _load(scenario)
    try:
        points = grid(base, [parse_set(x) for x in sets])
    except ScenarioError as e:
        fail(str(e))
    n = replications or base.run.replications
    jobs = jobs or default_jobs()
    out = _output(out or Path("results") / f"{base.name}_sweep", force)
    err_console.print(f"{base.name}: {len(points)} options × {n} replications "
                      f"{_where(jobs, spec)}")
    results, _ = _execute({p.label: p.scenario for p in points}, n,
                          seed if seed is not None else base.run.seed, jobs, fixed_parameters,
                          None, n, spec)
    values = {p.label: p.values for p in points}
    table = sweep_table(results, values, base.costs.discount_rate_pct)
    front = frontier(table, outcome)
    labels = {p.label: ", ".join(f"{k.rsplit('.', 1)[-1]}={v:,}" if isinstance(v, int | float)
                                 and not isinstance(v, bool) else f"{k.rsplit('.', 1)[-1]}={v}"
                                 for k, v in p.values.items()) for p in points}
    meta = {"scenario": base.name, "replications": n, "seed": seed if seed is not None
            else base.run.seed, "outcome": outcome, "fixed_parameters": fixed_parameters}
    path = write_sweep(table, front, points, out, labels, OUTCOMES[outcome][3], meta, xlsx)
    out_console.print(sweep_table_view(front, labels, OUTCOMES[outcome][3]))
    out_console.print(f"results: {path}/  ({results[points[0].label].wall_seconds:.1f} s)")


@app.command("check-published")
def check_published(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")] = Path(
        "scenarios/baseline.yaml"),
    replications: Annotated[int | None, typer.Option(
        "--replications", "-r", min=1, max=100_000,
        help="number of replications [default: the scenario's]")] = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = None,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="where to write the table (.md and .csv)")] = Path(
        "docs/baseline_vs_published"),
    area: Annotated[str, typer.Option(help="published figures to compare with")] =
        "west_sussex",
) -> None:
    """Compare a scenario's simulated figures with the published ones; exit 1 if any
    figure with a tolerance falls outside it."""
    from sim.outputs.published import compare as compare_published
    from sim.outputs.published import load_published, to_markdown

    sc = _load(scenario)
    n = replications or sc.run.replications
    results, _ = _execute({sc.name: sc}, n, seed if seed is not None else sc.run.seed,
                          jobs or default_jobs(), False, None, n)
    table = compare_published(summarise(results[sc.name].annual), load_published(area))
    command = f"sim check-published {scenario} --replications {n} --out {out}"
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out.with_suffix(".csv"), index=False, float_format="%.4g")
    out.with_suffix(".md").write_text(to_markdown(
        table, f"{sc.name} against published figures ({area.replace('_', ' ').title()})",
        command))
    bad = table[table["within_tolerance"].eq(False)]
    checked = table["within_tolerance"].notna().sum()
    out_console.print(f"{checked - len(bad)} of {checked} figures within tolerance; "
                      f"table: {out.with_suffix('.md')}")
    for r in bad.itertuples():
        out_console.print(f"  outside: {r.metric} {r.fy}: published {r.published:g}, "
                          f"simulated {r.simulated:.4g} ({r.tolerance})")
    if len(bad):
        raise typer.Exit(code=1)


@app.command()
def init(
    la: Annotated[str | None, typer.Option("--la", help="the council, as published, e.g. "
                                           "'West Sussex'")] = None,
    year: Annotated[int | None, typer.Option(
        min=2014, max=2025, help="start on 1 April of this year, from that year's figures")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="scenario file to write [default: scenarios/<council>_<year>.yaml]")
    ] = None,
    calibrate: Annotated[bool, typer.Option(
        "--calibrate", help="then fit the unpublished rates to the first year's published "
                            "figures (writes a second file that extends the first)")] = False,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
    list_: Annotated[bool, typer.Option("--list", help="list the councils and stop")] = False,
) -> None:
    """Write a baseline scenario for any English council from its published figures."""
    from sim.data import dfe
    from sim.scenario.council import council_scenario

    if list_:
        for name in dfe.councils():
            out_console.print(name, highlight=False)
        return
    if la is None or year is None:
        fail("init needs --la NAME and --year YEAR (sim init --list shows the councils)")
    try:
        name = dfe.resolve(la)
        built = council_scenario(name, year)
    except (dfe.UnknownCouncil, ValueError) as e:
        fail(f"--la: {e}" if isinstance(e, dfe.UnknownCouncil) else str(e))
    slug = load_scenario_text_name(built.yaml)
    out = out or Path("scenarios") / f"{slug}.yaml"
    if out.exists() and not force:
        fail(f"--out: {out} exists; choose another file or add --force")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    tmp.write_text(built.yaml)
    try:
        load_scenario(tmp)
    except ScenarioError as e:  # pragma: no cover - a defect of init, not of the user
        tmp.unlink()
        fail(f"the scenario for {name} did not validate: {e}")
    tmp.replace(out)
    for note in built.notes:
        err_console.print(f"[yellow]fallback:[/] {note}", highlight=False)
    out_console.print(f"wrote {out}: {name} from 1 April {year}")
    if calibrate:
        _calibrate(out, year, out.with_name(out.stem + "_calibrated.yaml"), None, None, force)


def _calibrate(scenario: Path, year: int | None, out: Path | None, reps: int | None,
               jobs: int | None, force: bool) -> None:
    from sim.experiment.calibration import calibrate as fit_rates
    from sim.experiment.calibration import calibrated_yaml

    sc = _load(scenario)
    if sc.council is None:
        fail(f"{scenario}: council: the scenario does not say which council it represents "
             "(add `council: NAME`)")
    start = sc.run.start_date
    if year is not None and (start.year != year or (start.month, start.day) != (4, 1)):
        fail(f"--year: {scenario} starts on {start}, not 1 April {year}")
    out = out or scenario.with_name(scenario.stem + "_calibrated.yaml")
    if out.exists() and not force:
        fail(f"--out: {out} exists; choose another file or add --force")
    from sim.data import dfe

    try:
        council = dfe.resolve(sc.council)
    except dfe.UnknownCouncil as e:
        fail(f"{scenario}: council: {e}")
    with _progress("calibration rounds", 6) as update:
        fit = fit_rates(sc, council, start.year, reps=reps or 6, jobs=jobs or default_jobs(),
                        progress=update)
    rel = Path(scenario).resolve().relative_to(out.resolve().parent) \
        if Path(scenario).resolve().is_relative_to(out.resolve().parent) else \
        Path(scenario).resolve()
    out.write_text(calibrated_yaml(str(rel), fit, council, start.year))
    fit.table.to_csv(out.with_suffix(".fit.csv"), index=False, float_format="%.6g")
    for note in fit.notes:
        err_console.print(f"[yellow]note:[/] {note}")
    from rich.table import Table

    t = Table(title=f"{council}: first year after calibration", title_justify="left",
              box=None, header_style="bold")
    for c in ("indicator", "year", "published", "simulated", "5th-95th pct", "error"):
        t.add_column(c, justify="left" if c in ("indicator", "year") else "right")
    for r in fit.table.itertuples():
        unit = " pts" if r.error_unit == "points" else "%"
        t.add_row(r.indicator, r.fy, f"{r.published:,.4g}", f"{r.simulated:,.4g}",
                  f"{r.p05:,.4g}–{r.p95:,.4g}", f"{r.error:+.1f}{unit}")
    out_console.print(t)
    out_console.print(f"wrote {out} (and {out.with_suffix('.fit.csv').name})")


@app.command("calibrate")
def calibrate_cmd(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file (with `council:`)")],
    year: Annotated[int | None, typer.Option(help="the start year (1 April) to fit from")] =
        None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="calibrated scenario to write [default: <scenario>_calibrated.yaml]"
    )] = None,
    replications: Annotated[int | None, typer.Option(
        "--replications", "-r", min=2, max=1000,
        help="replications per round of the fit [default: 6]")] = None,
    jobs: JobsOpt = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Fit the rates that are not published (leaving, filling vacancies, agency cover,
    pathway shares, durations) so the first simulated year matches the published figures;
    write a scenario that extends the original with them, and the fit table."""
    _calibrate(scenario, year, out, replications, jobs, force)


@app.command()
def backtest(
    la: Annotated[str | None, typer.Option("--la", help="the council, as published")] = None,
    from_year: Annotated[int, typer.Option(
        "--from", min=2014, max=2024, help="start on 1 April of this year")] = 2019,
    years: Annotated[int, typer.Option(min=1, max=6, help="years to simulate ahead")] = 3,
    all_: Annotated[bool, typer.Option("--all", help="every council, and a league table")] =
        False,
    replications: Annotated[int, typer.Option("--replications", "-r", min=2, max=10_000)] = 20,
    seed: Annotated[int, typer.Option(min=0)] = 1,
    jobs: JobsOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="results directory [default: results/backtest_<council|all>_<year>]"
    )] = None,
    executor: ExecutorOpt = "process",
    address: AddressOpt = None,
    force: ForceOpt = False,
) -> None:
    """Start from a council's published state, simulate the following years with only what
    was known then, and compare with what was published (with the naive forecast beside)."""
    from sim.data import dfe
    from sim.experiment.backtest import INDICATORS, league_table, run_backtest
    from sim.outputs.files import atomically
    from sim.outputs.plots import backtest_figure
    from sim.outputs.published import league_markdown

    spec = _executor(executor, address)
    if from_year + years > 2025:
        fail(f"--years: published figures end in 2025; from {from_year} at most "
             f"{2025 - from_year} years")
    if all_ == (la is not None):
        fail("backtest needs either --la NAME or --all")
    if all_:
        councils = dfe.councils(str(from_year))
        label = "all"
    else:
        try:
            councils = [dfe.resolve(la)]
        except dfe.UnknownCouncil as e:
            fail(f"--la: {e}")
        label = councils[0].lower().replace(" ", "_")
    out = _output(out or Path("results") / f"backtest_{label}_{from_year}", force)
    jobs = jobs or default_jobs()
    err_console.print(f"back-test of {len(councils)} council(s) from {from_year}, {years} "
                      f"years, {replications} replications each, {_where(jobs, spec)}")
    with _progress("replications", len(councils) * (replications + 8)) as update:
        bt = run_backtest(councils, from_year, years, replications, seed, jobs, update,
                          executor=spec)
    if bt.table.empty:
        fail(f"{councils[0]}: {bt.skipped.get(councils[0], 'nothing to compare')}")
    league = league_table(bt.table)
    command = (f"sim backtest {'--all' if all_ else '--la ' + repr(councils[0])} --from "
               f"{from_year} --years {years} --replications {replications}")

    def fill(tmp: Path) -> None:
        bt.table.to_csv(tmp / "backtest.csv", index=False, float_format="%.6g")
        league.to_csv(tmp / "league_table.csv", index=False, float_format="%.4g")
        (tmp / "league_table.md").write_text(league_markdown(
            league, from_year, years, replications, bt.table.council.nunique(), bt.skipped,
            command, bt.wall_seconds))
        if not all_:
            hist = {m: {y: dfe.figure(councils[0], p, str(y), fallback=False).value
                        for y in range(from_year - 3, from_year + years + 1)}
                    for m, p, *_ in INDICATORS}
            backtest_figure(bt.table, councils[0], hist).savefig(tmp / "backtest.png")

    path = atomically(out, fill)
    from rich.table import Table

    t = Table(title=f"{'every council' if all_ else councils[0]}: error of the simulated "
              f"forecast against the naive forecast (median across councils)" if all_ else
              f"{councils[0]}: simulated against published", title_justify="left", box=None,
              header_style="bold")
    for c in ("indicator", "ahead", "error", "naive", "inside 90%"):
        t.add_column(c, justify="left" if c == "indicator" else "right")
    for r in league.itertuples():
        u = " pts" if r.unit == "points" else "%"
        t.add_row(r.indicator, str(r.years_ahead), f"{r.median_error:.1f}{u}",
                  f"{r.naive_median_error:.1f}{u}", f"{r.inside_90_pct:.0f}%")
    out_console.print(t)
    if bt.skipped:
        err_console.print(f"{len(bt.skipped)} council(s) skipped; see league_table.md")
    out_console.print(f"results: {path}/  ({bt.wall_seconds:.0f} s)")


def load_scenario_text_name(text: str) -> str:
    import yaml

    return str(yaml.safe_load(text)["name"])


COSTS_EXPLAINED = """\
How to read the gaps. The looked-after spend is priced per child-week from West Sussex's own
S251 figures: fostering and residential care at their weekly unit costs with England's
placement mix, and the rest of the £66.7m spread over the children looked after through the
year as other looked-after costs (S251's published unit cost of £1,585 a week divides the
spend by the children looked after on 31 March, which were more than the year's average).
So the looked-after gap is the gap in child-weeks: the model starts from the published 705
and ends near the published 806, but its path within the year differs from the real one.
Staff costs compare like with like: the published workforce (the mean of the 30 September
counts either side of the year) priced as the scenario prices it, every permanent worker at
the experienced salary. The simulated permanent cost is a little lower because some workers
are newly qualified, on a lower salary; the simulated agency cost is lower because the model
keeps fewer agency workers than the 95 West Sussex had by September 2020 (its agency rate
is within tolerance at September 2019 but does not follow the rise to 15.9% in 2020). The
S251 safeguarding line is shown for scale only: it also pays managers, support staff, legal
costs, services and overheads that the model does not cost.
"""


@app.command("check-costs")
def check_costs(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")] = Path(
        "scenarios/baseline.yaml"),
    replications: Annotated[int | None, typer.Option(
        "--replications", "-r", min=1, max=100_000)] = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = None,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="where to write the table (.md and .csv)")] = Path(
        "docs/baseline_costs_vs_published"),
    area: Annotated[str, typer.Option(help="published figures to compare with")] =
        "west_sussex",
    fy: Annotated[str, typer.Option(help="financial year to compare")] = "2019-20",
) -> None:
    """Compare a scenario's simulated spending with the S251 outturn and with the cost the
    published workforce implies."""
    from sim.outputs.published import compare_costs, costs_markdown, load_published_costs

    sc = _load(scenario)
    n = replications or sc.run.replications
    results, _ = _execute({sc.name: sc}, n, seed if seed is not None else sc.run.seed,
                          jobs or default_jobs(), False, None, n)
    res = results[sc.name]
    table = compare_costs(res.budget_summary(), summarise(res.annual), sc,
                          load_published_costs(area), fy)
    command = f"sim check-costs {scenario} --replications {n} --out {out}"
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out.with_suffix(".csv"), index=False, float_format="%.6g")
    out.with_suffix(".md").write_text(costs_markdown(
        table, f"{sc.name}: spending in {fy} against published figures "
        f"({area.replace('_', ' ').title()})", command, COSTS_EXPLAINED))
    for r in table.itertuples():
        d = "" if r.difference_pct != r.difference_pct else f" ({r.difference_pct:+.1f}%)"
        out_console.print(f"{r.item}: published {r.published:,.1f}, simulated "
                          f"{r.simulated:,.1f}{d}")
    out_console.print(f"table: {out.with_suffix('.md')}")


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    show: Annotated[bool, typer.Option(
        "--show", help="also print the scenario as resolved (after extends), as YAML")] = False,
) -> None:
    """Check a scenario without running it.

    The checks `sim run` makes before it starts; one line: ok, or the error (status 2).

    With --show, the resolved scenario (after extends) follows, as YAML."""
    import yaml

    from sim.experiment.guards import referrals_per_replication

    sc = _load(scenario)
    reps = sc.run.replications
    _guard({sc.name: sc}, reps, default_jobs(), scenario)  # as run does, with its defaults
    summary = (f"ok: {scenario}: {sc.name}, {sc.run.horizon_years:g} years from "
               f"{sc.run.start_date}, {reps} replication{'s' if reps != 1 else ''}, about "
               f"{referrals_per_replication(sc):,.0f} referrals a replication")
    if not show:
        typer.echo(summary)
        return
    # the summary as a comment, so what is printed is the resolved scenario, as YAML
    text = yaml.safe_dump(sc.model_dump(mode="json"), sort_keys=False, allow_unicode=True,
                          width=100)
    typer.echo(f"# {summary}\n{text}", nl=False)


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="write it to this file [default: print it]")] = None,
) -> None:
    """Print the JSON Schema of scenario files.

    For an editor's YAML language server: completion, help and errors as you type.

    docs/scenario.schema.json is a copy (sim schema --out docs/scenario.schema.json)."""
    import json

    from sim.scenario.json_schema import scenario_json_schema

    text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        fail(f"--out: cannot write {out} ({e.strerror or e})")
    err_console.print(f"wrote {out}", highlight=False)


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt  # a kill (SIGTERM) stops a run as Ctrl-C does: work is saved


def main() -> None:
    """The ``sim`` command. Errors in the user's input are reported by the commands (one
    line, status 2); anything else is a bug in sim: one line, the traceback in a file
    (or on the terminal with SIM_DEBUG=1), status 70."""
    import signal
    import tempfile
    import traceback

    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except Exception as e:  # the last resort: reported in full, to a file
        if os.environ.get("SIM_DEBUG"):
            raise
        fd, log = tempfile.mkstemp(prefix="sim-crash-", suffix=".txt")
        with os.fdopen(fd, "w") as f:
            traceback.print_exc(file=f)
        err_console.print(f"[bold red]internal error:[/] {type(e).__name__}: {e}. This is a "
                          f"bug in sim, not in your input; the details are in {log}",
                          highlight=False, soft_wrap=True)
        sys.exit(70)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
