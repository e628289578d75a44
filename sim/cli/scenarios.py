"""Commands about scenario files themselves: ``validate`` (check one without running it)
and ``schema`` (the JSON Schema of the format, for editors)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml

from sim.cli.common import err_console, fail, guard_run, read_scenario
from sim.experiment.guards import referrals_per_replication
from sim.experiment.runner import default_jobs
from sim.scenario.json_schema import scenario_json_schema


def validate(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    show: Annotated[bool, typer.Option(
        "--show", help="also print the scenario as resolved (after extends), as YAML")] = False,
) -> None:
    """Check a scenario without running it.

    The checks `sim run` makes before it starts; one line: ok, or a line for each problem
    found, up to 20, each naming the file, the field and what is allowed (status 2).

    With --show, the resolved scenario (after extends) follows, as YAML."""
    sc = read_scenario(scenario)
    reps = sc.run.replications
    guard_run({sc.name: sc}, reps, default_jobs(), scenario)  # as run does, with its defaults
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


def schema(
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="write it to this file [default: print it]")] = None,
) -> None:
    """Print the JSON Schema of scenario files.

    For an editor's YAML language server: completion, help and errors as you type.

    docs/scenario.schema.json is a copy (sim schema --out docs/scenario.schema.json)."""
    text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        fail(f"--out: cannot write {out} ({e.strerror or e})")
    err_console.print(f"wrote {out}", highlight=False)
