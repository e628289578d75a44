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
