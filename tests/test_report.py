"""The report (sim report, --report): its words from the numbers, its structure, and how it
looks in a real browser (Debian's Chromium, driven by Playwright)."""

from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment.runner import run_many
from sim.model.costs import LINES
from sim.model.measures import ANNUAL_METRICS, WEEKLY_METRICS
from sim.outputs import narrative
from sim.outputs.comparison import Comparison
from sim.outputs.files import write_comparison, write_results
from sim.outputs.narrative import Difference
from sim.outputs.report_html import REPORT, write_report
from sim.outputs.saved import load_comparison

from .conftest import SCENARIOS, variant
from .test_cli import sim

SECTIONS = ("headline", "scenarios", "differences", "money", "drivers", "assumptions",
            "limits", "reproduce")


class Page(HTMLParser):
    """What a reader sees: visible text (not styles, not the reproducing commands), images
    with their alt text, section ids and table captions."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.sections: list[str] = []
        self.tables = 0
        self.captions = 0
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("style", "pre", "script"):
            self._skip += 1
        if tag == "img":
            self.images.append(a)
        if tag == "section" and a.get("id"):
            self.sections.append(str(a["id"]))
        self.tables += tag == "table"
        self.captions += tag == "caption"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "pre", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def read(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text())
    return p


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A comparison of the baseline and the retention scenario over a year and a bit (one
    whole financial year), 4 replications, written as `sim compare --report` writes it."""
    from sim.scenario import load_scenario

    base = variant(load_scenario(SCENARIOS / "baseline.yaml"), run__horizon_years=1.2)
    ret = variant(load_scenario(SCENARIOS / "retention.yaml"), run__horizon_years=1.2)
    results = run_many({"baseline": base, "retention": ret}, 4, base.run.seed, 2)
    out = tmp_path_factory.mktemp("report") / "cmp"
    write_comparison(Comparison(results), out, {}, ["referrals"], report=True,
                     command="sim compare baseline.yaml retention.yaml -r 4")
    return out


@pytest.mark.slow  # a comparison written with its report: 10-20 s
def test_a_comparison_report_has_every_part_and_no_code_names(compared: Path) -> None:
    page = read(compared / REPORT)
    assert page.sections == list(SECTIONS)
    assert page.images and all(i.get("alt") and len(str(i["alt"])) > 30 for i in page.images)
    assert all(str(i["src"]).startswith("data:image/png;base64,") for i in page.images)
    assert page.tables >= 3 and page.captions == page.tables
    text = " ".join(page.text)
    codes = [c for c in (*ANNUAL_METRICS, *WEEKLY_METRICS, *LINES) if "_" in c]
    assert not [c for c in codes if c in text]
    assert not re.search(r"\bnan\b|\d e[+-]\d|\d\.\d+e[+-]?\d", text)
    assert "sim compare baseline.yaml retention.yaml -r 4" in (compared / REPORT).read_text()


@pytest.mark.slow  # a comparison written with its report: 10-20 s
def test_the_report_is_self_contained(compared: Path) -> None:
    html = (compared / REPORT).read_text()
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", html)  # no file or address
    assert "<script" not in html and "http://" not in html.split("<main>")[0]


@pytest.mark.slow  # a comparison written with its report: 10-20 s
def test_sim_report_rewrites_the_report_of_a_results_directory(compared: Path,
                                                               tmp_path: Path) -> None:
    copy = tmp_path / "cmp"
    shutil.copytree(compared, copy)
    (copy / REPORT).unlink()
    r = sim("report", str(copy), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (copy / REPORT).read_text() == (compared / REPORT).read_text().replace(
        str(compared), str(copy))
    (tmp_path / "mine").mkdir()
    r = sim("report", str(tmp_path / "mine"), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "no results" in r.stderr
    assert list((tmp_path / "mine").iterdir()) == []


@pytest.mark.slow  # a comparison written with its report: 10-20 s
def test_a_run_report(tmp_path: Path) -> None:
    from sim.scenario import load_scenario

    s = variant(load_scenario(SCENARIOS / "retention.yaml"), run__horizon_years=1.2)
    res = run_many({"r": s}, 2, s.run.seed, 2)["r"]
    write_results(res, tmp_path / "run", report=True)
    page = read(tmp_path / "run" / REPORT)
    assert page.sections == ["headline", "scenario", "outlook", "money", "assumptions",
                             "limits", "reproduce"]
    assert all(i.get("alt") for i in page.images)
    text = " ".join(page.text)
    assert "In West Sussex, in 2019-20 the model expects" in text


@pytest.mark.slow  # a comparison written with its report: 10-20 s
def test_the_report_loads_what_compare_wrote(compared: Path) -> None:
    comp, meta = load_comparison(compared)
    written = pd.read_csv(compared / "comparison.csv", dtype={"fy": str})
    pd.testing.assert_frame_equal(comp.table.reset_index(drop=True), written,
                                  check_dtype=False)
    assert meta["command"].startswith("sim compare")


# -------------------------------------------------------------------------- the words
def diff(mean: float, lo: float, hi: float, metric: str = "cla_31mar",
         base: float = 800.0) -> Difference:
    return Difference("alt", metric, "2023-24", mean, lo, hi, lo - 5, hi + 5, base)


def test_an_interval_that_includes_zero_is_no_clear_difference() -> None:
    assert not diff(-3.0, -7.0, 1.0).clear
    assert diff(-3.0, -5.0, -1.0).clear and diff(3.0, 1.0, 5.0).clear


def test_a_clear_difference_is_material_from_one_percent_or_half_a_point() -> None:
    assert diff(-9.0, -12.0, -6.0).material  # 9 of 800
    assert not diff(-7.0, -9.0, -5.0).material  # under 8
    assert diff(0.6, 0.2, 1.0, "turnover_rate", 15.0).material
    assert not diff(0.4, 0.2, 0.6, "turnover_rate", 15.0).material


def test_a_difference_in_words_with_its_interval() -> None:
    assert diff(-12.4, -20.0, -4.6).words() == (
        "12 fewer children looked after at 31 March in 2023-24 (95% interval −20 to −5)")


@pytest.mark.slow  # a comparison written with its report: 10-20 s
def test_the_headline_says_no_clear_difference_where_the_interval_includes_zero(
        compared: Path) -> None:
    comp, _ = load_comparison(compared)
    [para] = narrative.headline(comp)
    diffs = narrative.key_differences(comp, "retention")
    unclear = [d for d in diffs if not d.clear]
    assert unclear, "the test needs a measure with no clear difference"
    assert "No clear difference in" in para
    tail = para.split("No clear difference in", 1)[1]
    for d in unclear:
        assert narrative.labels.measure(d.metric).noun in tail
    for d in diffs:
        if d.clear and d.material:
            assert d.words() in para


def test_cost_sentence_without_a_clear_difference() -> None:
    c = {t: narrative.CostDifference("alt", t, 1e5, -2e5, 4e5, -5e5, 7e5)
         for t in ("cash", "real", "pv")}
    assert narrative.cost_sentence(c, "2019-20").startswith(
        "Over 2019-20 there is no clear difference in total cost")


# ------------------------------------------------------------------------ in a browser
def chromium() -> str | None:
    path = shutil.which("chromium")
    if path is None and os.environ.get("CI"):
        pytest.fail("Chromium is missing in CI (tools/system_deps.sh installs it)")
    return path


@pytest.mark.slow  # a browser start each (make test runs it, CI too)
@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_in_chromium(compared: Path, tmp_path: Path, width: int) -> None:
    """No console errors, no requests beyond the file itself, nothing wider than the
    screen (wide tables scroll inside their own box), every chart drawn."""
    exe = chromium()
    if exe is None:
        pytest.skip("Chromium is not installed (tools/system_deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto((compared / REPORT).as_uri())
        page.wait_for_load_state("load")
        assert errors == []
        assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        drawn = page.evaluate("[...document.images].every(i => i.complete && "
                              "i.naturalWidth > 0)")
        assert drawn
        assert page.locator("h2").count() == len(SECTIONS) + 1  # and "Contents"
        page.screenshot(path=str(tmp_path / f"report_{width}.png"), full_page=True)
        browser.close()


# ---------------------------------------------------------------------- accessibility
def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_pass_wcag_aa() -> None:
    """Every pair of text and background colour the style sheet uses has a contrast of at
    least 4.5:1 (WCAG 2 AA for normal text)."""
    from importlib import resources

    css = resources.files("sim.outputs").joinpath("report_style.css").read_text()
    var = dict(re.findall(r"--(\w+):\s*(#[0-9a-fA-F]{6})", css))
    white = "#ffffff"
    pairs = [(var["ink"], white), (var["muted"], white), (var["ink"], var["tint"]),
             (var["muted"], var["tint"]), (white, var["head"]), (var["head"], white),
             (var["clear"], white), ("#0b57d0", white), (var["ink"], "#f4f4f4")]
    assert min(contrast(a, b) for a, b in pairs) >= 4.5
    assert contrast("#777777", white) < 4.5  # the check can fail


def test_a_sweep_option_in_words() -> None:
    """One sentence per option after the first, the same in the report and the workbook:
    its cost, what it avoids with its interval, or no clear difference."""
    front = pd.DataFrame({
        "point": ["p0", "p1", "p2"], "extra_cost": [0.0, 5e6, 6e6],
        "extra_cost_ci_low": [0.0, 4.6e6, 5.5e6], "extra_cost_ci_high": [0.0, 5.4e6, 6.5e6],
        "avoided": [0.0, 1282.0, 40.0], "avoided_ci_low": [0.0, 688.0, -30.0],
        "avoided_ci_high": [0.0, 1877.0, 110.0], "on_frontier": [True, True, False]})
    names = {"p0": "No retention payments", "p1": "Retention £2.5m a year",
             "p2": "Retention £3.0m a year"}
    one, two = narrative.sweep_headline(front, names, "changes of social worker")
    assert one.startswith("Retention £2.5m a year costs +£5.0m against No retention payments")
    assert "avoids 1,282 changes of social worker (95% interval 688 to 1,877)" in one
    assert "(on the frontier)" in one
    assert "no clear difference in changes of social worker" in two
    assert "dominated by another option" in two


@pytest.mark.slow  # WeasyPrint lays out every page
def test_the_report_prints_to_a4_pages(compared: Path, tmp_path: Path) -> None:
    """--pdf: the same report as A4 pages (WeasyPrint), written beside report.html."""
    copy = tmp_path / "cmp"
    shutil.copytree(compared, copy)
    written = write_report(copy, pdf=True)
    assert [p.name for p in written] == [REPORT, "report.pdf"]
    pdf = (copy / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    from weasyprint import HTML

    pages = HTML(filename=str(copy / REPORT)).render().pages
    assert len(pages) >= 4  # sections, tables and charts over several pages
    a4 = (210 / 25.4 * 96, 297 / 25.4 * 96)  # CSS pixels (the style sheet asks for A4)
    assert all(abs(pg.width - a4[0]) < 1 and abs(pg.height - a4[1]) < 1 for pg in pages)
