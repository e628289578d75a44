"""Commands that check a scenario's simulated figures against the published ones:
``check-published`` (the figures with tolerances) and ``check-costs`` (spending)."""

from __future__ import annotations

import shlex
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import (
    JobsOpt,
    SeedOpt,
    execute,
    fail,
    guard_run,
    out_console,
    out_name,
    read_scenario,
    write_failed,
)
from sim.data import dfe
from sim.experiment.runner import default_jobs
from sim.model.calendar import Calendar
from sim.outputs.console import cost_lines, tolerance_lines
from sim.outputs.published import compare as compare_published
from sim.outputs.published import (
    compare_costs,
    costs_markdown,
    load_published,
    to_markdown,
)
from sim.outputs.published_costs import MissingFigure, costs_note, published_costs
from sim.outputs.tables import summarise


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
    sc = read_scenario(scenario)
    out_name(out, len(".csv"))
    areas = sorted(f.name.removesuffix("_published.csv") for f in
                   resources.files("sim").joinpath("data").iterdir()
                   if f.name.endswith("_published.csv"))
    if area not in areas:
        fail(f"--area: no published figures with tolerances for {area!r} (allowed: "
             f"{', '.join(areas)}; `sim check-costs --area` takes any council)")
    published = load_published(area)
    n = replications or sc.run.replications
    jobs = jobs or default_jobs()
    guard_run({sc.name: sc}, n, jobs, scenario)
    results, _ = execute({sc.name: sc}, n, seed if seed is not None else sc.run.seed, jobs,
                         False, None, n)
    table = compare_published(summarise(results[sc.name].annual), published)
    command = f"sim check-published {scenario} --replications {n} --out {out}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out.with_suffix(".csv"), index=False, float_format="%.4g")
        out.with_suffix(".md").write_text(to_markdown(
            table, f"{sc.name} against published figures ({area.replace('_', ' ').title()})",
            command))
    except OSError as e:
        write_failed(e, out.with_suffix(".md"), "the simulation is not kept")
    for line in tolerance_lines(table, out.with_suffix(".md")):
        out_console.print(line)
    if table["within_tolerance"].eq(False).any():
        raise typer.Exit(code=1)


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
    area: Annotated[str | None, typer.Option(
        help="the council whose published figures to compare with [default: the "
             "scenario's council]")] = None,
    fy: Annotated[str | None, typer.Option(
        help="financial year to compare [default: the first whole one of the run]")] = None,
) -> None:
    """Compare a scenario's simulated spending with the S251 outturn and with the cost the
    published workforce implies."""
    sc = read_scenario(scenario)
    out_name(out, len(".csv"))
    if area is None and sc.council is None:
        fail(f"{scenario}: council: the scenario does not say which council it represents "
             "(add `council: NAME`, or give --area)")
    try:  # 'west_sussex', as the option was first written, is West Sussex
        council = dfe.resolve((area or sc.council or "").replace("_", " "))
    except dfe.UnknownCouncil as e:
        fail(f"--area: {e}" if area is not None else f"{scenario}: council: {e}")
    years = [label for _, label, whole in
             Calendar(sc.run.start_date, sc.run.horizon_years).fy_ends() if whole]
    if not years:
        fail(f"{scenario}: run.horizon_years: {sc.run.horizon_years:g} years from "
             f"{sc.run.start_date} cover no whole financial year to compare")
    if fy is not None and fy not in years:
        fail(f"--fy: {fy!r} is not a whole financial year of the run (allowed: "
             f"{', '.join(years)})")
    year = fy or years[0]
    try:
        published = published_costs(council, year)
    except MissingFigure as e:
        fail(f"{e}; {_with_figures(council, years)}")
    n = replications or sc.run.replications
    jobs = jobs or default_jobs()
    guard_run({sc.name: sc}, n, jobs, scenario)
    results, _ = execute({sc.name: sc}, n, seed if seed is not None else sc.run.seed, jobs,
                         False, None, n)
    res = results[sc.name]
    summary = summarise(res.annual)
    table = compare_costs(res.budget_summary(), summary, sc, published, year)
    chosen = [f" --{k} {shlex.quote(v)}" for k, v in (("area", area), ("fy", fy)) if v]
    command = f"sim check-costs {scenario} --replications {n} --out {out}{''.join(chosen)}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out.with_suffix(".csv"), index=False, float_format="%.6g")
        out.with_suffix(".md").write_text(costs_markdown(
            table, f"{sc.name}: spending in {year} against published figures ({council})",
            command, costs_note(council, year, published, table, summary)))
    except OSError as e:
        write_failed(e, out.with_suffix(".md"), "the simulation is not kept")
    for line in cost_lines(table):
        out_console.print(line)
    out_console.print(f"table: {out.with_suffix('.md')}")


def _with_figures(council: str, years: list[str]) -> str:
    """The whole years of the run for which the council's spending is published."""
    ok = []
    for y in years:
        try:
            published_costs(council, y)
        except MissingFigure:
            continue
        ok.append(y)
    return (f"years of the run with figures: {', '.join(ok)}" if ok else
            "no whole year of the run has them: start the run in a year with published "
            "spending")
