"""``sim report``: the report of a results directory, as one HTML file (and a PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import err_console, fail, out_console
from sim.outputs.report_html import ReportError, write_report
from sim.outputs.saved import NotResults


def report(
    directory: Annotated[Path, typer.Argument(
        help="results directory written by sim run, compare or sweep")],
    pdf: Annotated[bool, typer.Option(
        "--pdf", help="also write report.pdf, the report printed to A4")] = False,
) -> None:
    """Write report.html into a results directory: the findings in plain English, the
    differences and money with their uncertainty, charts, assumptions and sources, in one
    self-contained file that opens anywhere (no network, no script)."""
    try:
        paths = write_report(directory, pdf)
    except NotResults as e:
        fail(f"{directory}: {e}" if str(directory) not in str(e) else str(e))
    except ReportError as e:
        err_console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    except OSError as e:
        err_console.print(f"[bold red]error:[/] cannot write the report in {directory}: {e}",
                          highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    for p in paths:
        out_console.print(f"report: {p}")
