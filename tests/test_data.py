"""The published figures shipped with sim: complete, suppressed values missing (never
zero), fallbacks that say what they did, and names that resolve."""

from __future__ import annotations

import math

import pytest

from sim.data import dfe


def test_every_council_with_its_figures() -> None:
    councils = dfe.councils("2019")
    assert 145 <= len(councils) <= 155
    t = dfe.table()
    assert set(t.level) == {"la", "region", "england"}
    assert set(t.measure) <= set(dfe.measures().index)
    ws = {m: dfe.figure("West Sussex", m, "2019").value for m in
          ("referrals", "cla_31mar", "inpost_fte", "caseload_per_fte", "agency_rate")}
    assert ws == {"referrals": 9490, "cla_31mar": 705, "inpost_fte": 494.5,
                  "caseload_per_fte": 16.8, "agency_rate": 13.3}
    assert dfe.figure("West Sussex", "looked_after_spend", "2019-20").value == 66714979


def test_suppressed_values_are_missing_not_zero() -> None:
    # d5 West Sussex 2013: the 1-2 year and 2 year+ bands are published as "c"
    f = dfe.figure("West Sussex", "cp_1_2y_pct", "2013", fallback=False)
    assert math.isnan(f.value)
    for code in ("c", "x", "z", "u", "-", "low", " c "):
        assert math.isnan(dfe.parse_value(code)), code
    assert dfe.parse_value("0") == 0 and dfe.parse_value("1,234.5") == 1234.5
    assert dfe.table().value.isna().sum() > 100  # suppression is common


def test_fallback_to_region_scales_counts_by_population() -> None:
    # a council with a suppressed count falls back to its region, scaled by children
    t = dfe.table()
    missing = t[(t.level == "la") & (t.measure == "cla_31mar") & t.value.isna()]
    area, period = missing.iloc[0].area, missing.iloc[0].period
    f = dfe.figure(area, "cla_31mar", period)
    if not math.isnan(f.value):
        assert f.fallback and "scaled by child population" in f.note
    rate = dfe.figure("West Sussex", "turnover_rate", "2019")
    assert not rate.fallback and "csww_indicators" in rate.note


def test_unknown_council_lists_the_closest() -> None:
    with pytest.raises(dfe.UnknownCouncil, match="did you mean 'West Sussex'"):
        dfe.resolve("West Susex")
    assert dfe.resolve("west sussex") == "West Sussex"
