"""Commands about councils and the published figures: ``init`` (a scenario for any English
council), ``calibrate`` (fit the rates that are not published) and ``backtest`` (simulate
from a past year and compare with what was published)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Annotated

import typer
import yaml

from sim.cli.common import (
    AddressOpt,
    ExecutorOpt,
    ForceOpt,
    JobsOpt,
    ResumeOpt,
    err_console,
    fail,
    guard_run,
    out_console,
    parse_executor,
    progress_bar,
    read_scenario,
    results_dir,
    show,
    where,
)
from sim.cli.saving import (
    open_checkpoints,
    refuse_unfinished,
    report_damaged,
    saving_root,
    stopping_early,
    writing,
)
from sim.data import dfe
from sim.experiment.checkpoint import Checkpoint, identity_digest
from sim.experiment.runner import default_jobs
from sim.outputs.console import backtest_table, calibration_table
from sim.outputs.files import (
    backtest_command,
    checkpoint_dir,
    write_backtest,
    write_calibration,
    write_scenario_file,
)
from sim.outputs.ownership import OutputError, acquire
from sim.scenario import Scenario, ScenarioError


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
    slug = str(yaml.safe_load(built.yaml)["name"])
    out = out or Path("scenarios") / f"{slug}.yaml"
    try:
        _check_file(out, force)
        write_scenario_file(built.yaml, out)
    except ScenarioError as e:  # pragma: no cover - a defect of init, not of the user
        fail(f"the scenario for {name} did not validate: {e}")
    except OSError as e:
        _cannot_write(out, e)
    for note in built.notes:
        err_console.print(f"[yellow]fallback:[/] {note}", highlight=False, soft_wrap=True)
    for warning in built.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    out_console.print(f"wrote {out}: {name} from 1 April {year}")
    if calibrate:
        _calibrate(out, year, out.with_name(out.stem + "_calibrated.yaml"), None, None, force)


def _check_file(out: Path, force: bool) -> None:
    """Refuse an --out that is a directory, or a file that exists without --force."""
    if out.is_dir():
        fail(f"--out: {out} is a directory; give the name of the file to write in it, "
             f"e.g. {out / 'scenario.yaml'}")
    if out.exists() and not force:
        fail(f"--out: {out} exists; choose another file or add --force")


def _cannot_write(out: Path, e: OSError) -> None:
    """One line for a file that could not be written: status 2 for a name too long, else 1
    (a full disk, no permission)."""
    fail(f"--out: cannot write {out} ({e.strerror or e}); "
         + ("choose a shorter name" if e.errno == errno.ENAMETOOLONG else
            "fix the cause and run the same command again"),
         2 if e.errno == errno.ENAMETOOLONG else 1)


def _calibrate(scenario: Path, year: int | None, out: Path | None, reps: int | None,
               jobs: int | None, force: bool, resume: bool = False) -> None:
    """What `sim calibrate` does, and `sim init --calibrate` after writing the scenario."""
    from sim.experiment.calibration import calibrate as fit_rates

    sc = read_scenario(scenario)
    if sc.council is None:
        fail(f"{scenario}: council: the scenario does not say which council it represents "
             "(add `council: NAME`)")
    start = sc.run.start_date
    if year is not None and (start.year != year or (start.month, start.day) != (4, 1)):
        fail(f"--year: {scenario} starts on {start}, not 1 April {year}")
    out = out or scenario.with_name(scenario.stem + "_calibrated.yaml")
    try:
        # finishing an unfinished fit may replace its file (a failed last write left it)
        _check_file(out, force or (resume and checkpoint_dir(out).is_dir()))
    except OSError as e:
        _cannot_write(out, e)
    try:
        council = dfe.resolve(sc.council)
    except dfe.UnknownCouncil as e:
        fail(f"{scenario}: council: {e}")
    jobs = jobs or default_jobs()
    # the rounds run reps (6) at a time, over 1.6 years; the final fit 20 over the run
    guard_run({sc.name: sc}, max(reps or 6, 20), jobs, scenario)
    try:
        acquire(out)  # one fit into a file at a time (released when the command ends)
    except OutputError as e:
        fail(f"--out: {e}")
    refuse_unfinished(out, force, resume)
    saved = saving_root(out, resume)
    if resume and saved.exists():
        err_console.print(f"resuming: the fit's rounds saved in {saved} are read back",
                          soft_wrap=True)
    cks: dict[str, Checkpoint] = {}

    def save_to(s: Scenario, fixed: bool) -> Checkpoint:
        d = saved / identity_digest(s, s.run.seed, fixed)
        cks[d.name] = Checkpoint.reuse(d, s, s.run.seed, fixed)
        return cks[d.name]

    with stopping_early(cks, out), progress_bar("calibration rounds", 6) as update:
        fit = fit_rates(sc, council, start.year, reps=reps or 6, jobs=jobs,
                        progress=update, save_to=save_to)
    with writing(cks, out):
        write_calibration(fit, scenario, out, council, start.year)
    for note in fit.notes:
        err_console.print(f"[yellow]note:[/] {note}")
    show(calibration_table(council, fit.table))
    out_console.print(f"wrote {out} (and {out.with_suffix('.fit.csv').name})")


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
    resume: ResumeOpt = False,
) -> None:
    """Fit the rates that are not published (leaving, filling vacancies, agency cover,
    pathway shares, durations) so the first simulated year matches the published figures;
    write a scenario that extends the original with them, and the fit table.

    Each replication is saved as it finishes: after Ctrl-C or a crash, the same command
    with --resume finishes the fit."""
    _calibrate(scenario, year, out, replications, jobs, force, resume)


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
    resume: ResumeOpt = False,
) -> None:
    """Start from a council's published state, simulate the following years with only what
    was known then, and compare with what was published (with the naive forecast beside).

    Each replication is saved as it finishes: after Ctrl-C or a crash, the same command
    with --resume finishes the back-test."""
    from sim.experiment.backtest import (
        CENTRAL_REPLICATIONS,
        LAST_PUBLISHED,
        backtest_scenarios,
        league_table,
        run_backtest,
        runs_per_council,
    )

    spec = parse_executor(executor, address)
    if from_year + years > LAST_PUBLISHED:
        fail(f"--years: published figures end in {LAST_PUBLISHED}; from {from_year} at most "
             f"{LAST_PUBLISHED - from_year} years")
    if all_ and la is None:
        councils = dfe.councils(str(from_year))
        label = "all"
    elif la is not None and not all_:
        try:
            councils = [dfe.resolve(la)]
        except dfe.UnknownCouncil as e:
            fail(f"--la: {e}")
        label = councils[0].lower().replace(" ", "_")
    else:
        fail("backtest needs either --la NAME or --all")
    out = out or Path("results") / f"backtest_{label}_{from_year}"
    unfinished = refuse_unfinished(out, force, resume)
    out = results_dir(out, force or (resume and unfinished))
    cks: dict[str, Checkpoint] = {}

    def save_to(runs: dict[str, tuple[Scenario, bool]]) -> dict[str, Checkpoint]:
        cks.update(open_checkpoints(out, {k: s for k, (s, _) in runs.items()}, seed,
                                    {k: f for k, (_, f) in runs.items()}, force, resume))
        return cks

    jobs = jobs or default_jobs()
    each = runs_per_council(replications)
    prepared = backtest_scenarios(councils, from_year, years)
    guard_run(prepared[0], each, jobs, {c: c for c in prepared[0]}, spec, paired=False)
    err_console.print(f"back-test of {len(councils)} council(s) from {from_year}, {years} "
                      f"years, {each} replications each ({replications} drawing the "
                      f"uncertain effects, {CENTRAL_REPLICATIONS} at their central values), "
                      f"{where(jobs, spec)}", highlight=False, soft_wrap=True)
    with stopping_early(cks, out), \
            progress_bar("replications", len(councils) * each) as update:
        bt = run_backtest(councils, from_year, years, replications, seed, jobs, update,
                          executor=spec, prepared=prepared, save_to=save_to)
    report_damaged(cks)
    if bt.table.empty:
        fail(f"{councils[0]}: {bt.skipped.get(councils[0], 'nothing to compare')}")
    league = league_table(bt.table)
    one = None if all_ else councils[0]
    with writing(cks, out):
        path = write_backtest(bt, out, one, from_year, years, seed,
                              backtest_command(one, from_year, years, replications))
    show(backtest_table(league, None if all_ else councils[0]))
    if bt.skipped:
        err_console.print(f"{len(bt.skipped)} council(s) skipped; see league_table.md")
    out_console.print(f"results: {path}/  ({bt.wall_seconds:.0f} s)")
