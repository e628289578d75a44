"""The workbooks a finance business partner opens (``--xlsx``): Summary first, plain words
in every header and row label, safe unique sheet names, wide tables whose totals add up,
native charts, options named by their values, and every input with its source. They must
open in LibreOffice without repair."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

import sim
from sim.experiment.runner import run_many
from sim.experiment.sweep import grid, parse_set
from sim.outputs.assumptions import assumptions, chain_sources, scenario_yaml, yaml_sources
from sim.outputs.comparison import Comparison
from sim.outputs.excel import comparison_workbook, run_workbook, sweep_workbook
from sim.outputs.files import write_results
from sim.outputs.narrative import headline, run_headline, sweep_headline
from sim.outputs.sweep import frontier, option_names, sweep_table
from sim.outputs.xlsx_writer import safe_sheet_names

from .conftest import SCENARIOS

CODE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")  # snake_case: a name from the code
# two names that share their first 31 characters once a sheet's prefix is added
LONG = ("west_sussex_retention_option", "west_sussex_retention_option1")


@pytest.fixture(scope="module")
def runs():
    """No retention spend and £2.5m a year over two years, two replications: one set of
    runs serves as a comparison (under long names that collide), a sweep and a run."""
    base = sim.load_scenario(SCENARIOS / "baseline.yaml", {"run.horizon_years": 2})
    points = grid(base, [parse_set("interventions.retention.annual_spend=0,2500000")])
    results = run_many({p.label: p.scenario for p in points}, 2, base.run.seed, jobs=1)
    return base, points, results


@pytest.fixture(scope="module")
def books(runs, tmp_path_factory) -> dict[str, Path]:
    """The three workbooks, built as ``sim compare``, ``run`` and ``sweep`` build them
    (without the rest of their results, for speed)."""
    base, points, results = runs
    out = tmp_path_factory.mktemp("books")
    sources = chain_sources(SCENARIOS / "baseline.yaml")
    comp = Comparison(dict(zip(LONG, results.values(), strict=True)))
    comparison_workbook(out / "comparison.xlsx", comp, headline(comp),
                        {k: scenario_yaml(r.scenario, sources) for k, r in comp.results.items()})
    run = results["p1"]
    run_workbook(out / "results.xlsx", run,
                 run_headline(run.summary(), run.budget_summary(), "West Sussex"),
                 scenario_yaml(run.scenario))
    table = sweep_table(results, {p.label: p.values for p in points},
                        base.costs.discount_rate_pct)
    front = frontier(table)
    options = option_names(points)
    label = "changes of social worker"
    sweep_workbook(out / "sweep.xlsx", table, front, options, label,
                   sweep_headline(front, options, label), base,
                   scenario_yaml(base, sources), list(points[0].values))
    return {"comparison": out / "comparison.xlsx", "run": out / "results.xlsx",
            "sweep": out / "sweep.xlsx"}


def header_rows(ws: Worksheet) -> list[int]:
    """Rows of table headers (white bold text on a filled cell in column A)."""
    return [c.row for c in ws["A"] if c.fill is not None and c.fill.fgColor is not None
            and c.fill.fgColor.rgb == "001F4E78"]


def visible_labels(ws: Worksheet) -> list[str]:
    """Every header and every row label (column A), but for the analysts' code column."""
    out = []
    for r in header_rows(ws):
        out += [str(c.value) for c in ws[r] if c.value is not None]
    out += [str(c.value) for c in ws["A"] if isinstance(c.value, str)]
    return [t for t in out if not t.startswith("Code (")]


@pytest.mark.parametrize("kind", ["comparison", "run", "sweep"])
def test_summary_first_then_assumptions_and_glossary(books, kind: str) -> None:
    wb = load_workbook(books[kind])
    assert wb.sheetnames[0] == "Summary"
    assert wb.sheetnames[-2:] == ["Assumptions", "Glossary"]
    summary = [c.value for c in wb["Summary"]["A"] if isinstance(c.value, str)]
    # the headline in sentences, then the key table
    assert sum(s.endswith(".") and " " in s for s in summary) >= 3


@pytest.mark.parametrize("kind", ["comparison", "run", "sweep"])
def test_no_code_names_in_headers_or_row_labels(books, kind: str) -> None:
    wb = load_workbook(books[kind])
    found = {ws.title: sorted({m for t in visible_labels(ws) for m in CODE.findall(t)})
             for ws in wb.worksheets}
    found = {k: v for k, v in found.items() if v}
    assert not found, f"code names a reader sees: {found}"
    assert not any(CODE.search(name) for name in wb.sheetnames)


def test_sheet_names_are_short_safe_and_unique(books) -> None:
    names = load_workbook(books["comparison"]).sheetnames
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names), names
    assert len({n.lower() for n in names}) == len(names)
    # the second is cut shorter to be numbered: Excel's own way with a repeated name
    assert sum(n.startswith("Budget West sussex retenti") for n in names) == 2


def test_safe_sheet_names() -> None:
    names = safe_sheet_names(["Budget: [a]/b*?\\c", "x" * 40, "x" * 40, "X" * 31, "'q'"])
    assert names[0] == "Budget a b c"
    assert names[1] == "x" * 31 and names[2] == "x" * 27 + " (2)"
    assert names[3] == "X" * 27 + " (3)"  # Excel compares sheet names ignoring case
    assert names[4] == "q"


def test_cash_profile_is_a_native_chart(books) -> None:
    wb = load_workbook(books["comparison"])
    for title in ("Cost differences", "Costs by scenario"):
        assert wb[title]._charts, f"no chart on {title}"
    assert load_workbook(books["run"])["Budget"]._charts


def _year_columns(header: list) -> list[int]:
    return [i for i, v in enumerate(header) if isinstance(v, str)
            and re.fullmatch(r"\d{4}-\d{2}", v)]


@pytest.mark.parametrize(("kind", "sheet"), [("comparison", "Cost differences"),
                                             ("comparison", "Budget West sussex retention"),
                                             ("run", "Budget")])
def test_whole_run_total_is_the_sum_of_the_years(books, kind: str, sheet: str) -> None:
    wb = load_workbook(books[kind])
    ws = wb[next(n for n in wb.sheetnames if n.startswith(sheet))]
    checked = 0
    for r in header_rows(ws):
        header = [c.value for c in ws[r]]
        total = next((i for i, v in enumerate(header) if isinstance(v, str)
                      and v.endswith("-year total")), None)
        if total is None:
            continue
        assert header[total] == "Two-year total"
        years = _year_columns(header)
        assert years == list(range(1, 3))
        row = r + 1
        while ws.cell(row=row, column=1).value:
            cells = [c.value for c in ws[row]]
            assert cells[total] == pytest.approx(sum(cells[i] for i in years), rel=1e-9,
                                                 abs=1e-6)
            checked += 1
            row += 1
    assert checked >= 3


def test_sweep_rows_name_the_option_by_its_values(books) -> None:
    ws = load_workbook(books["sweep"])["Summary"]
    options = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert "No retention payments" in options
    assert "Retention £2.5m a year (£5.0m over the scheme)" in options
    assert not any(re.fullmatch(r"p\d+", str(o)) for o in options)
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "frontier" in text and "dominated" in text


def test_assumptions_give_every_commented_number_its_source() -> None:
    text = (SCENARIOS / "baseline.yaml").read_text()
    t = assumptions(sim.load_scenario(SCENARIOS / "baseline.yaml"), text).set_index("path")
    assert list(t.columns) == ["label", "value", "description", "source"]
    src = t.source
    assert src["demand.referrals_per_year"] == "c1 2019: referrals in the year to 31 March 2019"
    assert src["workforce.caps.experienced"].startswith("source: crawley_observer")
    assert src["demand.trend_pct_per_year"].startswith("no trend of its own")  # block above
    assert src["demand.level.walk_sd"].startswith("c1 referrals 2013-2019")  # one-line mapping
    assert src["costs.salary.newly_qualified"] == "assumption: bottom of the social worker scale"
    assert "model's default" in src["measurement.census_cases_per_case"]  # not in the file
    # every key the file comments has that comment as (the start of) its source
    own = {k: v for k, v in yaml_sources(text).items() if v}
    missing = [k for k, v in own.items() if k in src.index and not src[k].startswith(v)]
    assert not missing
    assert len(own) > 60
    assert t.loc["interventions.early_help.elasticity", "value"] == \
        "triangular: 0 to 0.101, most likely 0.027"
    assert t.loc["demand.referrals_per_year", "value"] == 9490
    assert t.loc["demand.referrals_per_year", "description"].startswith("referrals in the 12")
    assert not any("_" in label for label in t.label)


def test_results_keep_the_scenario_with_its_sources(runs, tmp_path: Path) -> None:
    """``scenario.yaml`` in a results directory reruns the same scenario and keeps the
    sources of a file that extends another (list items' comments too)."""
    path = SCENARIOS / "retention_and_ipeh_cuts.yaml"
    s = sim.load_scenario(path)
    (tmp_path / "scenario.yaml").write_text(scenario_yaml(s, chain_sources(path)))
    again = sim.load_scenario(tmp_path / "scenario.yaml")
    assert again.model_dump() == s.model_dump()
    t = assumptions(again, (tmp_path / "scenario.yaml").read_text()).set_index("path")
    assert t.source["interventions.retention.annual_spend"].startswith(
        "source: wscc_ofsted_response_2019")
    assert "unison_west_sussex_ipeh_cut_2019" in t.source["interventions.early_help.changes"]
    assert t.source["demand.referrals_per_year"].startswith("c1 2019")  # from baseline.yaml

    _, _, results = runs
    out = write_results(results["p0"], tmp_path / "run")
    kept = sim.load_scenario(out / "scenario.yaml")
    assert kept.model_dump() == results["p0"].scenario.model_dump()


def test_assumptions_sheet_has_each_scenarios_values_and_sources(books) -> None:
    ws = load_workbook(books["comparison"])["Assumptions"]
    r = header_rows(ws)[0]
    header = [c.value for c in ws[r]]
    assert header[:3] == ["Input", "Value: West sussex retention option",
                          "Value: West sussex retention option1"]
    src = header.index("Source")
    rows = {ws.cell(row=i, column=1).value: ws.cell(row=i, column=src + 1).value
            for i in range(r + 1, ws.max_row + 1)}
    assert rows["Demand: referrals per year"].startswith("c1 2019")
    # the retention spend differs between the two, and is shaded
    shaded = [c for c in ws[r + 1:ws.max_row] for c in c if c.fill.fgColor.rgb == "00FFF2CC"]
    assert any(c.value == 2500000 for c in shaded)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
def test_workbooks_open_in_libreoffice(books, tmp_path: Path) -> None:
    """LibreOffice converts each workbook without a repair: what a reader without Excel
    sees. CI installs LibreOffice (tools/system_deps.sh), so there a missing one fails."""
    exe = soffice()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed: run tools/system_deps.sh")
        pytest.skip("LibreOffice (soffice) is not installed")
    files = [str(p) for p in books.values()]

    def convert(to: str, how: str = "") -> None:
        # its own profile: a user's running LibreOffice or a stale lock cannot interfere
        r = subprocess.run([exe, f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                            "--headless", "--norestore", "--convert-to", to + how, "--outdir",
                            str(tmp_path / to), *files], capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr
        assert "repair" not in (r.stdout + r.stderr).lower()
        for p in books.values():
            out = tmp_path / to / f"{p.stem}.{to}"
            assert out.is_file() and out.stat().st_size > 500, r.stdout + r.stderr

    convert("pdf")  # every sheet, charts too
    # the first sheet as LibreOffice reads it (comma-separated, UTF-8): the Summary, with
    # its numbers
    convert("csv", ":Text - txt - csv (StarCalc):44,34,76")
    for p in books.values():
        first = (tmp_path / "csv" / f"{p.stem}.csv").read_text()
        assert "95% interval" in first and "£" in first
        assert re.search(r"\d,\d{3}", first)


def test_option_names_read_as_words(runs) -> None:
    from sim.outputs.labels import option_name

    _, points, _ = runs
    assert option_names(points) == {
        "p0": "No retention payments",
        "p1": "Retention £2.5m a year (£5.0m over the scheme)"}
    assert option_name({"workforce.recruitment.fill_probability": 0.3,
                        "interventions.early_help.base_budget": 20e6}) == \
        "recruitment fill probability 0.3; Early help £20.0m a year"
