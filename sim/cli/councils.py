"""Commands about councils and the published figures: ``init`` (a scenario for any English
council), ``calibrate`` (fit the rates that are not published) and ``backtest`` (simulate
from a past year and compare with what was published)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml

from sim.cli.common import (
    AddressOpt,
    ExecutorOpt,
    ForceOpt,
    JobsOpt,
    err_console,
    fail,
    out_console,
    parse_executor,
    progress_bar,
    read_scenario,
    results_dir,
    show,
    where,
)
from sim.data import dfe
from sim.experiment.runner import default_jobs
from sim.outputs.console import backtest_table, calibration_table
from sim.outputs.files import atomically
from sim.outputs.published import league_markdown
from sim.scenario import ScenarioError, load_scenario


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
        err_console.print(f"[yellow]fallback:[/] {note}", highlight=False, soft_wrap=True)
    for warning in built.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    out_console.print(f"wrote {out}: {name} from 1 April {year}")
    if calibrate:
        _calibrate(out, year, out.with_name(out.stem + "_calibrated.yaml"), None, None, force)


def _calibrate(scenario: Path, year: int | None, out: Path | None, reps: int | None,
               jobs: int | None, force: bool) -> None:
    """What `sim calibrate` does, and `sim init --calibrate` after writing the scenario."""
    from sim.experiment.calibration import calibrate as fit_rates
    from sim.experiment.calibration import calibrated_yaml

    sc = read_scenario(scenario)
    if sc.council is None:
        fail(f"{scenario}: council: the scenario does not say which council it represents "
             "(add `council: NAME`)")
    start = sc.run.start_date
    if year is not None and (start.year != year or (start.month, start.day) != (4, 1)):
        fail(f"--year: {scenario} starts on {start}, not 1 April {year}")
    out = out or scenario.with_name(scenario.stem + "_calibrated.yaml")
    if out.exists() and not force:
        fail(f"--out: {out} exists; choose another file or add --force")
    try:
        council = dfe.resolve(sc.council)
    except dfe.UnknownCouncil as e:
        fail(f"{scenario}: council: {e}")
    with progress_bar("calibration rounds", 6) as update:
        fit = fit_rates(sc, council, start.year, reps=reps or 6, jobs=jobs or default_jobs(),
                        progress=update)
    rel = Path(scenario).resolve().relative_to(out.resolve().parent) \
        if Path(scenario).resolve().is_relative_to(out.resolve().parent) else \
        Path(scenario).resolve()
    out.write_text(calibrated_yaml(str(rel), fit, council, start.year))
    fit.table.to_csv(out.with_suffix(".fit.csv"), index=False, float_format="%.6g")
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
) -> None:
    """Fit the rates that are not published (leaving, filling vacancies, agency cover,
    pathway shares, durations) so the first simulated year matches the published figures;
    write a scenario that extends the original with them, and the fit table."""
    _calibrate(scenario, year, out, replications, jobs, force)


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
    from sim.experiment.backtest import (
        CENTRAL_REPLICATIONS,
        INDICATORS,
        league_table,
        run_backtest,
        runs_per_council,
    )
    from sim.outputs.plots import Source, backtest_chart  # matplotlib: slow to import

    spec = parse_executor(executor, address)
    if from_year + years > 2025:
        fail(f"--years: published figures end in 2025; from {from_year} at most "
             f"{2025 - from_year} years")
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
    out = results_dir(out or Path("results") / f"backtest_{label}_{from_year}", force)
    jobs = jobs or default_jobs()
    each = runs_per_council(replications)
    err_console.print(f"back-test of {len(councils)} council(s) from {from_year}, {years} "
                      f"years, {each} replications each ({replications} drawing the "
                      f"uncertain effects, {CENTRAL_REPLICATIONS} at their central values), "
                      f"{where(jobs, spec)}", highlight=False, soft_wrap=True)
    with progress_bar("replications", len(councils) * each) as update:
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
            backtest_chart(bt.table, councils[0], hist,
                           Source(councils[0], replications, seed)).save(tmp / "backtest.png")

    path = atomically(out, fill, "backtest")
    show(backtest_table(league, None if all_ else councils[0]))
    if bt.skipped:
        err_console.print(f"{len(bt.skipped)} council(s) skipped; see league_table.md")
    out_console.print(f"results: {path}/  ({bt.wall_seconds:.0f} s)")
