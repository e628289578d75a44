"""What the app hands over: the results zip (as `sim compare --xlsx --report` writes them,
with both scenario files), the report and the workbook, for a council built as `sim init`
builds it (its uncertain effects include gammas, which the report's words must handle)."""

from __future__ import annotations

import io
import zipfile

import pytest

from sim.app.downloads import build_downloads
from sim.app.jobs import BASELINE
from sim.app.levers import apply, changes, levers_from
from sim.app.scenario_file import scenario_yaml
from sim.app.sources import adjusted, from_council
from sim.experiment.runner import run_many
from sim.outputs.comparison import Comparison
from sim.outputs.report_sections import distribution_words

from .test_app_jobs import TINY


@pytest.mark.parametrize(("dist", "words"), [
    ({"dist": "gamma", "mean": 0.1, "sd": 0.02}, "around 0.1 (standard deviation 0.02)"),
    ({"dist": "exponential", "mean": 460}, "mean 460"),
    ({"dist": "weibull", "shape": 1.5, "scale": 3}, "shape 1.5, scale 3"),
    ({"dist": "fixed", "value": 2}, "value 2"),
])
def test_every_distribution_in_words(dist, words):
    assert distribution_words(dist) == words


@pytest.mark.slow
def test_the_downloads_of_a_councils_comparison():
    src = adjusted(from_council("West Sussex", 2019), TINY)
    lv = levers_from(src.scenario, 2).with_(retention_annual=2.5e6)
    alt = apply(lv, src.scenario, "your_changes")
    text = scenario_yaml(src.file_name, changes(lv, src.scenario), "your_changes", "words")
    res = run_many({BASELINE: src.scenario, "your_changes": alt}, 2, 1, 1)
    d = build_downloads(Comparison(res), src, text, "your_changes")
    names = set(zipfile.ZipFile(io.BytesIO(d.results_zip)).namelist())
    assert {"results/report.html", "results/comparison.xlsx", "results/comparison.csv",
            "results/west_sussex_2019.yaml", "results/your_changes.yaml",
            "results/baseline/annual.csv", "results/your_changes/annual.csv"} <= names
    assert d.report_html.startswith(b"<!DOCTYPE html>") or b"<html" in d.report_html[:200]
    assert b"Your changes, against Baseline" in d.report_html
    assert d.workbook[:2] == b"PK"  # an xlsx is a zip
