"""The ``sim`` command line. It only parses options, calls the experiment layer and the
outputs, and reports; errors in what the user gave are one line and exit status 2."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from sim.experiment.replications import run_until_precise
from sim.experiment.runner import default_jobs, run_many
from sim.model.measures import HEADLINE_METRICS
from sim.outputs.comparison import Comparison
from sim.outputs.files import OutputError, check_output_dir, write_comparison, write_results
from sim.outputs.report import LABELS, difference_table, headline_table
from sim.outputs.tables import summarise
from sim.scenario import Scenario, ScenarioError, load_scenario

app = typer.Typer(
    help="Simulate a council's children's social care service.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Simulate a council's children's social care service: referrals, cases, social
    workers and allocation. Start with `sim run scenarios/baseline.yaml`."""


def fail(message: str) -> None:
    """Report a problem with the user's input in one line and exit with status 2."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def _load(path: Path) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as e:
        fail(str(e))
        raise  # unreachable: fail() exits


def _output(out: Path) -> Path:
    """Check the results directory before any work, so a bad --out costs nothing."""
    try:
        check_output_dir(out)
    except OutputError as e:
        fail(f"--out: {e}")
    return out


@contextlib.contextmanager
def _progress(label: str, total: int) -> Iterator:
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err_console) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _replications(value: str | None, default: int) -> int | None:
    """An option that is a whole number of replications, or 'auto' (returns None)."""
    if value is None:
        return default
    if value.strip().lower() == "auto":
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
PrecisionOpt = Annotated[float, typer.Option(
    min=0.001, max=1.0,
    help="with -r auto: target half-width of the 95% intervals, relative to the mean")]
MaxRepsOpt = Annotated[int, typer.Option(
    "--max-replications", min=3, max=100_000, help="with -r auto: the most to run")]


def _execute(scenarios: dict[str, Scenario], reps: int | None, seed: int, jobs: int,
             fixed: bool, precision: float, max_reps: int) -> tuple[dict, str | None]:
    label = "replications" if len(scenarios) == 1 else \
        f"replications × {len(scenarios)} scenarios"
    if reps is None:
        with _progress(label + " (auto)", max_reps) as update:
            results, prec = run_until_precise(scenarios, seed, jobs, precision,
                                              max_replications=max_reps, progress=update,
                                              fixed_parameters=fixed)
        return results, prec.describe()
    with _progress(label, reps * len(scenarios)) as update:
        return run_many(scenarios, reps, seed, min(jobs, reps * len(scenarios)), update,
                        fixed), None


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="results directory [default: results/<scenario name>]")] = None,
    fixed_parameters: FixedOpt = False,
    precision: PrecisionOpt = 0.05,
    max_replications: MaxRepsOpt = 200,
) -> None:
    """Run a scenario's replications and write tables, plots and a summary."""
    sc = _load(scenario)
    reps = _replications(replications, sc.run.replications)
    jobs = jobs or default_jobs()
    out = _output(out or Path("results") / sc.name)
    how = "auto" if reps is None else str(reps)
    err_console.print(f"[bold]{sc.name}[/]: {how} replications on up to {jobs} process(es)")
    results, note = _execute({sc.name: sc}, reps, seed if seed is not None else sc.run.seed,
                             jobs, fixed_parameters, precision, max_replications)
    res = results[sc.name]
    path = write_results(res, out)
    n = len(res.replications)
    out_console.print(headline_table(
        summarise(res.annual),
        f"{sc.name}: mean ± half-width of its 95% confidence interval, {n} replications",
    ))
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
    precision: PrecisionOpt = 0.05,
    max_replications: MaxRepsOpt = 200,
    drivers_fy: Annotated[str | None, typer.Option(
        help="financial year for the drivers plots, e.g. 2021-22 [default: for each measure, "
             "the year its difference is clearest]")] = None,
) -> None:
    """Compare scenarios on common random numbers: paired differences from the first, with
    95% intervals, and which uncertain effects drive them."""
    if len(scenarios) < 2:
        fail("compare needs at least two scenario files: the base, then the others")
    loaded: dict[str, Scenario] = {}
    for path in scenarios:
        if path.stem in loaded:
            fail(f"{path}: two scenarios are named {path.stem!r}; rename one file")
        loaded[path.stem] = _load(path)
    base = next(iter(loaded.values()))
    reps = _replications(replications, base.run.replications)
    jobs = jobs or default_jobs()
    names = list(loaded)
    out = _output(out or Path("results") / f"{names[0]}_vs_{'_'.join(names[1:])}")
    how = "auto" if reps is None else str(reps)
    err_console.print(f"comparing {', '.join(names)}: {how} replications each, on up to "
                      f"{jobs} process(es)")
    results, note = _execute(loaded, reps, seed if seed is not None else base.run.seed, jobs,
                             fixed_parameters, precision, max_replications)
    comp = Comparison(results)
    if drivers_fy is not None and drivers_fy not in set(comp.table.fy):
        fail(f"--drivers-fy: {drivers_fy!r} is not a year of the run "
             f"(allowed: {', '.join(sorted(set(comp.table.fy)))})")
    path = write_comparison(comp, out, LABELS, list(HEADLINE_METRICS), drivers_fy, note)
    for name in names[1:]:
        out_console.print(difference_table(comp.table, name, names[0]))
        out_console.print()
    if note:
        out_console.print(note)
    out_console.print(f"{comp.replications} replications each; results: {path}/  "
                      f"({results[names[0]].wall_seconds:.1f} s)")


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
                          jobs or default_jobs(), False, 0.05, n)
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


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
