"""Every code a reader might see has plain words (sim/outputs/labels.py)."""

from __future__ import annotations

import pytest

from sim.model.costs import LINES
from sim.model.measures import ANNUAL_METRICS, WEEKLY_METRICS
from sim.outputs import labels


def test_every_measure_series_and_budget_line_has_words() -> None:
    assert labels.MISSING == []
    for code in (*ANNUAL_METRICS, *WEEKLY_METRICS, *LINES):
        words = labels.label(code)
        assert "_" not in words and words[0].isupper(), code


@pytest.mark.parametrize(("code", "diff", "words"), [
    ("cla_31mar", 3.2, "3.2 more children looked after at 31 March"),
    ("cla_31mar", -12.4, "12 fewer children looked after at 31 March"),
    ("turnover_rate", -1.24, "turnover 1.2 points lower"),
    ("caseload_per_fte", 0.04, "caseload up by 0.04"),
])
def test_a_difference_in_words(code: str, diff: float, words: str) -> None:
    assert labels.describe_change(code, diff) == words


@pytest.mark.parametrize(("x", "text"), [(4_870_000, "£4.9m"), (-20_150_000, "−£20.1m"),
                                         (250_400, "£250k"), (830.2, "£830")])
def test_money_for_a_reader(x: float, text: str) -> None:
    assert labels.money(x) == text


def test_dated_changes_are_named_as_a_planner_says_them():
    import datetime as dt

    from sim.outputs.labels import option_name

    d = dt.date(2021, 4, 1)
    assert option_name({
        "interventions.hires": [{"date": d, "number": 30, "cost_per_hire": 8000,
                                 "label": "international recruits"}],
        "interventions.establishment_changes": [{"date": d, "role": "case_holding",
                                                 "change": 20}],
        "interventions.cap_changes": [{"date": d, "worker_type": "experienced", "cap": 18}],
        "interventions.overflow_changes": [{"date": "2021-04-01", "overflow": dict.fromkeys(
            ("assessment", "cin", "cp", "cla"), 1.0)}],
        "interventions.agency_changes": [{"date": d, "cover_share": 0.3, "additional": 10}],
        "interventions.early_help.changes": [{"start": d, "annual_change": -3e6}],
    }) == ("30 international recruits from 1 April 2021 at £8,000 each; +20 case-holding "
           "posts from 1 April 2021; experienced caseload cap 18 from 1 April 2021; a hard "
           "caseload cap from 1 April 2021; agency cover of 30% of vacancies; 10 agency staff "
           "beyond cover from 1 April 2021; early help −£3.0m a year from 1 April 2021")
