"""Commands that run scenarios and write their results: ``run`` (one scenario), ``compare``
(several, on common random numbers) and ``sweep`` (a grid of budget options)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import (
    AddressOpt,
    ExecutorOpt,
    FixedOpt,
    ForceOpt,
    JobsOpt,
    MaxRepsOpt,
    PrecisionOpt,
    ReplicationsOpt,
    ReportOpt,
    ResumeOpt,
    SeedOpt,
    XlsxOpt,
    command_line,
    err_console,
    execute,
    fail,
    fail_all,
    guard_run,
    out_console,
    parse_executor,
    parse_replications,
    read_scenario,
    results_dir,
    show,
    where,
)
from sim.cli.saving import (
    open_checkpoints,
    refuse_unfinished,
    report_damaged,
    stopping_early,
    writing,
)
from sim.experiment.runner import default_jobs
from sim.experiment.sweep import grid, parse_set
from sim.model.calendar import Calendar
from sim.model.measures import HEADLINE_METRICS
from sim.outputs.assumptions import chain_sources, scenario_yaml
from sim.outputs.comparison import Comparison
from sim.outputs.console import option_labels
from sim.outputs.files import (
    names_a_directory,
    write_comparison,
    write_results,
    write_sweep,
)
from sim.outputs.finance import OUTCOMES
from sim.outputs.report import (
    LABELS,
    budget_table,
    cost_difference_table,
    difference_table,
    headline_table,
    sweep_table_view,
)
from sim.outputs.sweep import frontier, sweep_table
from sim.outputs.tables import summarise
from sim.scenario import Scenario, ScenarioError


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
    report: ReportOpt = False,
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
    spec = parse_executor(executor, address)
    sc = read_scenario(scenario)
    reps = parse_replications(replications, sc.run.replications, precision)
    jobs = jobs or default_jobs()
    out = out or Path("results") / sc.name
    unfinished = refuse_unfinished(out, force, resume)
    # finishing an unfinished run may replace what is in --out: it was started with --force
    out = results_dir(out, force or (resume and unfinished))
    seed = seed if seed is not None else sc.run.seed
    guard_run({sc.name: sc}, reps or max_replications, jobs, scenario, spec)
    cks = open_checkpoints(out, {sc.name: sc}, seed, fixed_parameters, force, resume)
    how = "auto" if reps is None else str(reps)
    err_console.print(f"[bold]{sc.name}[/]: {how} replications {where(jobs, spec)}")
    with stopping_early(cks, out):
        results, note = execute({sc.name: sc}, reps, seed, jobs, fixed_parameters,
                                 precision, max_replications, spec, cks, check)
    report_damaged(cks)
    res = results[sc.name]
    res.extra["command"] = command_line()
    with writing(cks, out):
        path = write_results(res, out, xlsx, report,
                             yaml_text=scenario_yaml(sc, chain_sources(scenario)))
    n = len(res.replications)
    show(headline_table(
        summarise(res.annual),
        f"{sc.name}: mean ± half-width of its 95% confidence interval, {n} replications",
    ))
    show(budget_table(res.budget_summary(),
                                   f"{sc.name}: spending by line, £m cash (mean)"))
    if note:
        out_console.print(note)
    out_console.print(f"results: {path}/  ({res.wall_seconds:.1f} s)")


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
    report: ReportOpt = False,
    executor: ExecutorOpt = "process",
    address: AddressOpt = None,
    force: ForceOpt = False,
    resume: ResumeOpt = False,
) -> None:
    """Compare scenarios on common random numbers: paired differences from the first, with
    95% intervals, and which uncertain effects drive them.

    Each replication is saved as it finishes: after Ctrl-C or a crash, the same command
    with --resume finishes the comparison."""
    if len(scenarios) < 2:
        fail("compare needs at least two scenario files: the base, then the others")
    spec = parse_executor(executor, address)
    loaded: dict[str, Scenario] = {}
    for path in scenarios:
        if path.stem in loaded:
            fail(f"{path}: two scenarios are named {path.stem!r}; rename one file")
        if not names_a_directory(path.stem):
            fail(f"{path}: the file's name names its results directory; use letters, digits, "
                 "'_', '.' or '-', and not the name of a results file")
        loaded[path.stem] = read_scenario(path)
    base = next(iter(loaded.values()))
    reps = parse_replications(replications, base.run.replications, precision)
    if drivers_fy is not None:
        cal = Calendar(base.run.start_date, base.run.horizon_years)
        years = sorted({fy for _, fy, _ in cal.fy_ends()} |
                       {fy for _, fy, _, _ in cal.workforce_snapshots()})
        if drivers_fy not in years:
            fail(f"--drivers-fy: {drivers_fy!r} is not a year of the run (allowed: "
                 f"{', '.join(years)})")
    jobs = jobs or default_jobs()
    names = list(loaded)
    guard_run(loaded, reps or max_replications, jobs,
              {name: str(path) for name, path in zip(loaded, scenarios, strict=True)}, spec)
    out = out or Path("results") / f"{names[0]}_vs_{'_'.join(names[1:])}"
    unfinished = refuse_unfinished(out, force, resume)
    out = results_dir(out, force or (resume and unfinished))
    seed = seed if seed is not None else base.run.seed
    cks = open_checkpoints(out, loaded, seed, fixed_parameters, force, resume)
    how = "auto" if reps is None else str(reps)
    err_console.print(f"comparing {', '.join(names)}: {how} replications each, "
                      f"{where(jobs, spec)}")
    with stopping_early(cks, out):
        results, note = execute(loaded, reps, seed, jobs, fixed_parameters, precision,
                                max_replications, spec, cks)
    report_damaged(cks)
    comp = Comparison(results)
    texts = {name: scenario_yaml(loaded[name], chain_sources(path))
             for name, path in zip(names, scenarios, strict=True)}
    with writing(cks, out):
        path = write_comparison(comp, out, LABELS, list(HEADLINE_METRICS), drivers_fy, note,
                                xlsx, report, command_line(), yaml_texts=texts)
    for name in names[1:]:
        show(difference_table(comp.table, name, names[0]))
        out_console.print()
        show(cost_difference_table(comp.costs, comp.cost_effectiveness, name, names[0]))
        out_console.print()
    for line in (note, comp.drivers_note):
        if line:
            out_console.print(line)
    out_console.print(f"{comp.replications} replications each; results: {path}/  "
                      f"({results[names[0]].wall_seconds:.1f} s)")


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
    report: ReportOpt = False,
    executor: ExecutorOpt = "process",
    address: AddressOpt = None,
    force: ForceOpt = False,
    resume: ResumeOpt = False,
) -> None:
    """Run a grid of budget options on common random numbers: outcomes and costs of each,
    and the options that are not dominated.

    Each replication is saved as it finishes: after Ctrl-C or a crash, the same command
    with --resume finishes the sweep."""
    spec = parse_executor(executor, address)
    if outcome not in OUTCOMES:
        fail(f"--outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
    base = read_scenario(scenario)
    try:
        points = grid(base, [parse_set(x) for x in sets])
    except ScenarioError as e:
        fail_all(e.lines())
    n = replications or base.run.replications
    jobs = jobs or default_jobs()
    guard_run({p.label: p.scenario for p in points}, n, jobs,
              {p.label: f"{scenario} with " + ", ".join(f"{k}={v}" for k, v in p.values.items())
               for p in points}, spec)
    out = out or Path("results") / f"{base.name}_sweep"
    unfinished = refuse_unfinished(out, force, resume)
    out = results_dir(out, force or (resume and unfinished))
    seed = seed if seed is not None else base.run.seed
    options = {p.label: p.scenario for p in points}
    cks = open_checkpoints(out, options, seed, fixed_parameters, force, resume)
    err_console.print(f"{base.name}: {len(points)} options × {n} replications "
                      f"{where(jobs, spec)}")
    with stopping_early(cks, out):
        results, _ = execute(options, n, seed, jobs, fixed_parameters, None, n, spec, cks)
    report_damaged(cks)
    values = {p.label: p.values for p in points}
    table = sweep_table(results, values, base.costs.discount_rate_pct)
    front = frontier(table, outcome)
    labels = option_labels(points)
    meta = {"scenario": base.name, "replications": n, "seed": seed, "outcome": outcome,
            "fixed_parameters": fixed_parameters, "command": command_line(),
            "council": base.council}
    with writing(cks, out):
        path = write_sweep(table, front, points, out, labels, OUTCOMES[outcome][3], meta,
                           xlsx, report, scenario=base,
                           yaml_text=scenario_yaml(base, chain_sources(scenario)))
    show(sweep_table_view(front, labels, OUTCOMES[outcome][3]))
    out_console.print(f"results: {path}/  ({results[points[0].label].wall_seconds:.1f} s)")
