"""Commands that check a scenario's simulated figures against the published ones:
``check-published`` (the figures with tolerances) and ``check-costs`` (spending).

Each writes its table (``comparison.md`` and ``.csv``) into a results directory like every
other command: by default under ``results/``, an earlier one replaced only with --force.
The committed tables in ``docs/`` are refreshed only when asked, with ``--out docs/...
--force``."""

from __future__ import annotations

import shlex
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import (
    ForceOpt,
    JobsOpt,
    SeedOpt,
    execute,
    fail,
    guard_run,
    out_console,
    out_name,
    read_scenario,
    results_dir,
    write_failed,
)
from sim.data import dfe
from sim.experiment.runner import default_jobs
from sim.model.calendar import Calendar
from sim.outputs.console import cost_lines, tolerance_lines
from sim.outputs.files import atomically
from sim.outputs.published import compare as compare_published
from sim.outputs.published import (
    compare_costs,
    costs_markdown,
    load_published,
    to_markdown,
)
from sim.outputs.published_costs import MissingFigure, costs_note, published_costs
from sim.outputs.tables import summarise

TABLE = "comparison"
"""The table's name in the results directory: ``comparison.md`` and ``comparison.csv``."""


def _command(name: str, scenario: Path, n: int, out: Path | None, force: bool,
             extra: str = "") -> str:
    """The command that writes the same table, for the page to say how to regenerate it."""
    where = f" --out {shlex.quote(str(out))}" if out is not None else ""
    return (f"sim {name} {shlex.quote(str(scenario))} --replications {n}{where}{extra}"
            f"{' --force' if force else ''}")


def check_published(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")] = Path(
        "scenarios/baseline.yaml"),
    replications: Annotated[int | None, typer.Option(
        "--replications", "-r", min=1, max=100_000,
        help="number of replications [default: the scenario's]")] = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="results directory for the table (comparison.md and .csv) "
                            "[default: results/<scenario>_vs_published]")] = None,
    force: ForceOpt = False,
    area: Annotated[str, typer.Option(help="published figures to compare with")] =
        "west_sussex",
) -> None:
    """Compare a scenario's simulated figures with the published ones; exit 1 if any
    figure with a tolerance falls outside it."""
    sc = read_scenario(scenario)
    areas = sorted(f.name.removesuffix("_published.csv") for f in
                   resources.files("sim").joinpath("data").iterdir()
                   if f.name.endswith("_published.csv"))
    if area not in areas:
        fail(f"--area: no published figures with tolerances for {area!r} (allowed: "
             f"{', '.join(areas)}; `sim check-costs --area` takes any council)")
    published = load_published(area)
    n = replications or sc.run.replications
    command = _command("check-published", scenario, n, out, force)
    out = out or Path("results") / f"{sc.name}_vs_published"
    out_name(out)
    guard_run({sc.name: sc}, n, jobs or default_jobs(), scenario)
    out = results_dir(out, force)
    results, _ = execute({sc.name: sc}, n, seed if seed is not None else sc.run.seed,
                         jobs or default_jobs(), False, None, n)
    table = compare_published(summarise(results[sc.name].annual), published)

    def fill(tmp: Path) -> None:
        table.to_csv(tmp / f"{TABLE}.csv", index=False, float_format="%.4g")
        (tmp / f"{TABLE}.md").write_text(to_markdown(
            table, f"{sc.name} against published figures ({area.replace('_', ' ').title()})",
            command))

    try:
        path = atomically(out, fill, "check-published")
    except OSError as e:
        write_failed(e, out, "the simulation is not kept")
    for line in tolerance_lines(table, path / f"{TABLE}.md"):
        out_console.print(line, highlight=False, soft_wrap=True)
    if table["within_tolerance"].eq(False).any():
        raise typer.Exit(code=1)


def check_costs(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")] = Path(
        "scenarios/baseline.yaml"),
    replications: Annotated[int | None, typer.Option(
        "--replications", "-r", min=1, max=100_000)] = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="results directory for the table (comparison.md and .csv) "
                            "[default: results/<scenario>_costs_vs_published]")] = None,
    force: ForceOpt = False,
    area: Annotated[str | None, typer.Option(
        help="the council whose published figures to compare with [default: the "
             "scenario's council]")] = None,
    fy: Annotated[str | None, typer.Option(
        help="financial year to compare [default: the first whole one of the run]")] = None,
) -> None:
    """Compare a scenario's simulated spending with the S251 outturn and with the cost the
    published workforce implies."""
    sc = read_scenario(scenario)
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
    chosen = [f" --{k} {shlex.quote(v)}" for k, v in (("area", area), ("fy", fy)) if v]
    command = _command("check-costs", scenario, n, out, force, "".join(chosen))
    out = out or Path("results") / f"{sc.name}_costs_vs_published"
    out_name(out)
    guard_run({sc.name: sc}, n, jobs or default_jobs(), scenario)
    out = results_dir(out, force)
    results, _ = execute({sc.name: sc}, n, seed if seed is not None else sc.run.seed,
                         jobs or default_jobs(), False, None, n)
    res = results[sc.name]
    summary = summarise(res.annual)
    table = compare_costs(res.budget_summary(), summary, sc, published, year)

    def fill(tmp: Path) -> None:
        table.to_csv(tmp / f"{TABLE}.csv", index=False, float_format="%.6g")
        (tmp / f"{TABLE}.md").write_text(costs_markdown(
            table, f"{sc.name}: spending in {year} against published figures ({council})",
            command, costs_note(council, year, published, table, summary)))

    try:
        path = atomically(out, fill, "check-costs")
    except OSError as e:
        write_failed(e, out, "the simulation is not kept")
    for line in cost_lines(table):
        out_console.print(line, highlight=False, soft_wrap=True)
    out_console.print(f"table: {path / f'{TABLE}.md'}", highlight=False, soft_wrap=True)


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
