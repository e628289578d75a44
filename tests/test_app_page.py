"""The app's page, run by Streamlit's own test harness (``AppTest``): choose a baseline, see
its state and outlook, move a lever, run, and see the headline, the tables and a chart;
errors in one line; two sessions (two browser tabs) each with their own results.

The runs are tiny (a year of a service a sixth of West Sussex's, 2 replications, in this
process) through the app's test hook ``SIM_APP_OVERRIDES``."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from .test_app_jobs import TINY

# whole page flows through Streamlit's harness, about 20 s: with the slow set (make test, CI)
pytestmark = pytest.mark.slow

PAGE = str(Path(__file__).resolve().parents[1] / "sim" / "app" / "page.py")
RUN = "FormSubmitter:levers-Run with these levers"


@pytest.fixture(autouse=True)
def tiny(monkeypatch):
    monkeypatch.setenv("SIM_APP_OVERRIDES", json.dumps(TINY))
    monkeypatch.setenv("SIM_APP_JOBS", "1")


def _job(at: AppTest, key: str):
    value = at.session_state[key]
    return value.job if hasattr(value, "job") else value


def settle(at: AppTest, key: str, timeout: float = 120) -> AppTest:
    """Wait for the session's run to finish, as the page's progress poll does, then draw
    the page."""
    t0 = time.monotonic()
    while not _job(at, key).finished:
        assert time.monotonic() - t0 < timeout
        time.sleep(0.05)
    return at.run()


def open_page(kind: str = "A shipped scenario") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["replications"] = 2
    at.session_state["source_kind"] = kind
    at.run()
    assert not at.exception, at.exception
    return at


def run_levers(at: AppTest, **values: object) -> AppTest:
    for key, value in values.items():
        widget = at.date_input(key=key) if isinstance(value, dt.date) else \
            at.number_input(key=key)
        widget.set_value(value)
    return at.button(key=RUN).click().run()


def texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def test_choose_see_the_outlook_move_a_lever_and_see_what_changes_in_two_tabs():
    one, two = open_page(), open_page()  # two browser tabs: two sessions
    assert one.dataframe[0].value.iloc[0, 1] == "1,500"  # referrals (the test's)
    settle(one, "outlook")
    assert any(t.startswith("In West Sussex, in 2019-20 the model expects")
               for t in texts(one))
    assert len(one.get("image")) == 1  # the outlook's chart
    run_levers(one, retention_m=2.5)
    run_levers(two, retention_m=8.0)
    settle(one, "started")
    settle(two, "started")
    assert not one.error and not one.exception
    heads = [next(t for t in texts(at) if t.startswith("Your changes, against Baseline. "
                                                      "Over 2019-20 it costs"))
             for at in (one, two)]
    assert heads[0] != heads[1]  # each tab its own results
    spent = [at.session_state["started"].job.comparison.results["your_changes"].scenario
             .interventions.retention.annual_spend for at in (one, two)]
    assert spent == [2.5e6, 8e6]
    firsts = [d.value.columns[0] for d in one.dataframe]
    diffs = one.dataframe[firsts.index("Measure")].value  # the differences
    assert list(diffs.iloc[0, :2]) == ["Changes of social worker", "over the run"]
    assert re.fullmatch(r"[−+]?[0-9,]+(\.[0-9]+)?", diffs.iloc[0, 2])
    money = one.dataframe[firsts.index("Extra cost over the run")].value
    assert list(money.iloc[:, 0]) == ["In cash", "In real terms (first year's prices)",
                                      "Present value"]
    assert len(one.get("image")) == 4  # the outlook's chart and the comparison's three
    labels = [b.label for b in one.get("download_button")]
    assert labels == ["Download the scenario (YAML)"]  # the files are prepared on request
    assert "retention:\n    annual_spend: 2500000.0" in one.session_state["started"].yaml
    # a lever the schema refuses: one line, and the last results are not shown as its own
    run_levers(one, retention_m=1.0, retention_end=dt.date(2018, 1, 1))
    assert [e.value for e in one.error] == [
        "levers: interventions.retention.end: must be after start (2019-04-01) (found "
        "2018-01-01)"]
    assert "started" not in one.session_state


def test_recruits_hired_at_once_are_in_the_run_and_its_file():
    at = open_page()
    at.checkbox(key="recruits_on").check()
    run_levers(at, recruits_number=12, recruits_date=dt.date(2019, 10, 1),
               recruits_cost=7500.0)
    settle(at, "started")
    assert not at.error and not at.exception
    alt = at.session_state["started"].job.comparison.results["your_changes"].scenario
    [hire] = alt.interventions.hires
    assert (hire.number, hire.date, hire.cost_per_hire) == (12, dt.date(2019, 10, 1), 7500.0)
    assert "12 recruits from 1 October 2019 at £7,500 each" in alt.description
    assert "hires:" in at.session_state["started"].yaml


def test_a_council_for_a_year():
    at = open_page("Any English council")
    at.sidebar.selectbox(key="council").set_value("Rutland").run()
    assert "Rutland from 1 April 2019" in next(c.value for c in at.caption)
    first = at.session_state["outlook"]
    at.sidebar.selectbox(key="year").set_value(2021).run()
    assert "Rutland from 1 April 2021" in next(c.value for c in at.caption)
    assert first.cancelled and at.session_state["outlook"] is not first
    at.session_state["outlook"].cancel()  # nothing more to see


@pytest.mark.slow
def test_the_files_to_download_are_prepared_on_request():
    at = open_page()
    settle(run_levers(at, retention_m=2.5), "started")
    at.button(key="prepare").click().run()
    settle(at, "files")
    assert not at.error
    assert [b.label for b in at.get("download_button")] == [
        "Download the scenario (YAML)", "Results (zip)", "Report (HTML)", "Workbook (Excel)"]


def test_an_upload_that_reaches_for_the_disk_is_one_line_in_the_page():
    at = open_page("Upload a scenario file")
    at.get("file_uploader")[0].set_value(("plan.yaml", b"extends: /etc/passwd\n",
                                          "application/x-yaml")).run()
    assert [e.value for e in at.error] == [
        "plan.yaml:1: extends: an uploaded scenario may extend only a shipped scenario, by "
        "its file name (found '/etc/passwd'; allowed: baseline.yaml, ipeh_cuts.yaml, "
        "retention.yaml, retention_and_ipeh_cuts.yaml)"]
    assert "outlook" not in at.session_state  # nothing ran


def test_importing_the_page_draws_nothing():
    """pytest's doctest collection imports every module of sim: an import that drew the
    page left its form open, and every page drawn later in that process failed with "Forms
    cannot be nested in other forms"."""
    import importlib

    import sim.app.page

    importlib.reload(sim.app.page)
    at = open_page()
    assert not at.exception, at.exception
