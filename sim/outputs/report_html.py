"""The report: one self-contained HTML file (every chart, style and word inline; no script,
no network), readable on a phone and printable to A4, with a PDF beside it on request.

``write_report(directory)`` reads what ``sim run``, ``sim compare`` or ``sim sweep`` wrote
there (``saved.py``), builds the sections (``report_content.py``) and writes
``report.html`` (and ``report.pdf`` with ``pdf=True``, by WeasyPrint) into the directory,
each written whole or not at all.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from sim import __version__
from sim.outputs.plots import Chart

REPORT, PDF = "report.html", "report.pdf"


class ReportError(Exception):
    """The report cannot be written; the message says why in one line."""


# ---------------------------------------------------------------------------- blocks
@dataclass
class Cell:
    text: str
    sub: str = ""  # smaller lines below, one per "\n": an interval, a range
    css: str = ""  # "clear" (bold: a clear difference), "text" (left-aligned words)

    @property
    def lines(self) -> list[str]:
        return self.sub.split("\n") if self.sub else []


@dataclass
class Row:
    label: str
    cells: list[Cell]
    total: bool = False


@dataclass
class Section:
    id: str
    title: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.blocks.append({"kind": "heading", "text": text})

    def text(self, text: str) -> None:
        self.blocks.append({"kind": "text", "text": text})

    def note(self, text: str) -> None:
        self.blocks.append({"kind": "note", "text": text})

    def callout(self, paragraphs: list[str]) -> None:
        self.blocks.append({"kind": "callout", "paragraphs": paragraphs})

    def bullets(self, items: list[str]) -> None:
        self.blocks.append({"kind": "list", "entries": items})

    def definitions(self, items: list[tuple[str, str]]) -> None:
        self.blocks.append({"kind": "definitions", "entries": items})

    def code(self, text: str) -> None:
        self.blocks.append({"kind": "code", "text": text})

    def sources(self, items: list[str]) -> None:
        """A numbered list of full citations (cited in the text as [1], [2]...)."""
        self.blocks.append({"kind": "sources", "entries": items})

    def table(self, caption: str, columns: list[str], rows: list[Row], note: str = "",
              words: bool = False) -> None:
        """A table with a caption; ``words``: its columns hold text, not numbers."""
        self.blocks.append({"kind": "table", "caption": caption, "columns": columns,
                            "rows": rows, "note": note, "words": words})

    def chart(self, chart: Chart, caption: str) -> None:
        """A chart inline as a PNG, with its alt text and a caption."""
        w, h = chart.figure.get_size_inches()
        self.blocks.append({
            "kind": "chart", "alt": chart.alt, "caption": caption,
            "src": "data:image/png;base64," + base64.b64encode(chart.png()).decode(),
            "width": round(w * 96), "height": round(h * 96)})


@dataclass
class Report:
    kicker: str  # "Comparison of scenarios", "Scenario run", "Sweep of options"
    title: str
    subtitle: str
    sections: list[Section]
    footer: str = ""


# ---------------------------------------------------------------------------- rendering
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sim.outputs", "templates"),
        autoescape=True, trim_blocks=False, lstrip_blocks=False,
        undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2")


def render(report: Report) -> str:
    """The report as one HTML document."""
    css = resources.files("sim.outputs").joinpath("report_style.css").read_text("utf-8")
    footer = report.footer or (f"Made by sim {__version__} on "
                               f"{dt.date.today().isoformat()}.")
    return _template().render(
        title=report.title, kicker=report.kicker, subtitle=report.subtitle,
        sections=report.sections, css=css, footer=footer, version=__version__)


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``path`` through a temporary file beside it, so nothing is half-written."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pdf_bytes(html: str) -> bytes:
    """The report printed to A4 by WeasyPrint (which needs the Pango library)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as e:  # OSError: Pango is missing
        raise ReportError("--pdf needs WeasyPrint and the Pango library (on Debian: "
                          f"apt-get install libpango-1.0-0 libpangoft2-1.0-0): {e}") from e
    return HTML(string=html).write_pdf()


def write_report(directory: Path, pdf: bool = False) -> list[Path]:
    """Write ``report.html`` (and ``report.pdf``) into a results directory of sim's."""
    from sim.outputs.report_content import build

    d = Path(directory)
    html = render(build(d))
    written = [d / REPORT]
    if pdf:  # made before anything is written, so a failure leaves no half a report
        data = pdf_bytes(html)
    _write_whole(d / REPORT, html.encode("utf-8"))
    if pdf:
        _write_whole(d / PDF, data)
        written.append(d / PDF)
    return written
