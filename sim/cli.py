"""The ``sim`` command line. It only parses options, calls the experiment layer and the
outputs, and reports; errors in what the user gave are one line and exit status 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from sim.experiment.runner import default_jobs, run_replications
from sim.model.measures import HEADLINE_METRICS
from sim.outputs.files import write_results
from sim.outputs.tables import summarise
from sim.scenario import ScenarioError, load_scenario

app = typer.Typer(
    help="Simulate a council's children's social care service.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True)

LABELS = {
    "referrals": "Referrals",
    "cla_31mar": "CLA at 31 Mar",
    "unallocated_mean": "Unallocated, mean",
    "worker_changes_per_child": "SW changes/child",
    "inpost_fte": "In post, 30 Sep",
    "turnover_rate": "Turnover %",
    "vacancy_rate": "Vacancy %",
    "agency_rate": "Agency %",
    "caseload_per_fte": "Caseload, 30 Sep",
}


@app.callback()
def _root() -> None:
    """Simulate a council's children's social care service: referrals, cases, social
    workers and allocation. Start with `sim run scenarios/baseline.yaml`."""


def fail(message: str) -> None:
    """Report a problem with the user's input in one line and exit with status 2."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def _decimals(x: float) -> int:
    x = abs(x)
    return 0 if x >= 100 else 1 if x >= 1 else 2


def _fmt(x: float, decimals: int | None = None) -> str:
    if pd.isna(x):
        return "–"
    d = _decimals(x) if decimals is None else decimals
    return f"{x:,.{d}f}"


def headline_table(summary: pd.DataFrame, title: str) -> Table:
    """Headline measures by financial year: the mean and the half-width of its 95% interval."""
    table = Table(title=title, title_justify="left", header_style="bold", box=None,
                  pad_edge=False, padding=(0, 0, 0, 1))
    fys = sorted(summary["fy"].unique())
    table.add_column("measure", no_wrap=True)
    for fy in fys:
        table.add_column(fy, justify="right", no_wrap=True)
    for metric in HEADLINE_METRICS:
        rows = summary[summary["metric"] == metric].set_index("fy")
        cells = []
        for fy in fys:
            if fy in rows.index and not pd.isna(rows.loc[fy, "mean"]):
                r = rows.loc[fy]
                half = r["ci_high"] - r["mean"]
                d = _decimals(r["mean"])
                ci = "" if pd.isna(half) else f" [dim]±{half:.{d}f}[/]"
                cells.append(_fmt(r["mean"], d) + ci)
            else:
                cells.append("[dim]–[/]")
        table.add_row(LABELS.get(metric, metric), *cells)
    return table


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    replications: Annotated[int | None, typer.Option(
        "--replications", "-r", min=1, max=100_000,
        help="number of replications [default: the scenario's]")] = None,
    seed: Annotated[int | None, typer.Option(
        min=0, help="base seed [default: the scenario's]")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, max=1024,
        help="parallel processes [default: all cores]")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="results directory [default: results/<scenario name>]")] = None,
) -> None:
    """Run a scenario's replications and write tables, plots and a summary."""
    try:
        sc = load_scenario(scenario)
    except ScenarioError as e:
        fail(str(e))
    n = replications or sc.run.replications
    jobs = jobs or default_jobs()
    out = out or Path("results") / sc.name
    err_console.print(f"[bold]{sc.name}[/]: {n} replications on {min(jobs, n)} process(es)")
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                  transient=False) as bar:
        task = bar.add_task("replications", total=n)
        results = run_replications(sc, n, seed, jobs,
                                   progress=lambda done, total: bar.update(task, completed=done))
    path = write_results(results, out)
    out_console.print(headline_table(
        summarise(results.annual),
        f"{sc.name}: mean ± half-width of its 95% confidence interval, {n} replications",
    ))
    out_console.print(f"results: {path}/  ({results.wall_seconds:.1f} s)")


@app.command("check-published")
def check_published(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")] = Path(
        "scenarios/baseline.yaml"),
    replications: Annotated[int | None, typer.Option(
        "--replications", "-r", min=1, max=100_000,
        help="number of replications [default: the scenario's]")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="base seed")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, max=1024)] = None,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="where to write the table (.md and .csv)")] = Path(
        "docs/baseline_vs_published"),
    area: Annotated[str, typer.Option(help="published figures to compare with")] =
        "west_sussex",
) -> None:
    """Compare a scenario's simulated figures with the published ones; exit 1 if any
    figure with a tolerance falls outside it."""
    from sim.outputs.published import compare, load_published, to_markdown

    try:
        sc = load_scenario(scenario)
    except ScenarioError as e:
        fail(str(e))
    n = replications or sc.run.replications
    results = run_replications(sc, n, seed, jobs)
    table = compare(summarise(results.annual), load_published(area))
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


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
