"""sim init for every council and year with a published state: the costs it writes say
their units in plain words, lie in the range councils published that year or warn, and a
council created or abolished about then, or a tiny one, gets a scenario with its fallbacks
said (or a one-line reason why not)."""

from __future__ import annotations

import functools
import re
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.data import dfe
from sim.periods import fy_ending
from sim.scenario import Scenario
from sim.scenario.council import Built, council_scenario
from sim.scenario.council_costs import PLACEMENT_MIX

from .test_cli import sim as cli

WEEKS = 365.25 / 7
STATE = ["referrals", "cin_31mar", "cla_31mar", "inpost_fte"]  # a council's published state
FIRST_YEAR = 2017  # England's workforce census (csww) starts at 30 September 2017
LAST_YEAR = 2025


def council_years() -> list[tuple[str, int]]:
    """Every council and year from FIRST_YEAR with a published figure of its own for its
    state (children in need, looked after, referrals, or the workforce: so Cumberland 2023,
    whose workforce was counted in its first September), among councils that ever
    published referrals (not the joint children's trusts, which publish a workforce only)."""
    t = dfe.table()
    t = t[(t.level == "la") & t.value.notna()]
    councils = set(t.loc[t.measure == "referrals", "area"])
    s = t[t.measure.isin(STATE) & t.area.isin(councils)]
    return sorted({(a, int(p)) for a, p in zip(s.area, s.period, strict=True)
                   if FIRST_YEAR <= int(p) <= LAST_YEAR})


@functools.cache
def built(council: str, year: int) -> Built:
    return council_scenario(council, year)


def load(b: Built) -> dict:
    return yaml.load(b.yaml, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# ---- the costs' comments: plain words, the units of the field

def cost_lines(text: str) -> dict[str, str]:
    """The cost lines of a scenario's text: field -> comment."""
    out, inside = {}, False
    for ln in text.splitlines():
        if not ln.startswith(" "):
            inside = ln.startswith("costs:")
        field = ln.split(":", 1)[0].strip()
        if (inside or field == "base_budget") and "#" in ln:
            out[field] = ln.split("#", 1)[1]
    return out


POUNDS = re.compile(r"(-?)£([\d,]+(?:\.\d+)?)(m?) (?:a|per) (child-week|week|year)")


@pytest.mark.parametrize("council, year", [
    ("West Sussex", 2019), ("Leicester", 2019), ("Cumberland", 2023),
    ("Isles of Scilly", 2023)])
def test_cost_comments_say_their_units(council: str, year: int) -> None:
    """A weekly field's comment gives its value as £ a week or a child-week, never a total of
    millions a week; a yearly budget says a year; every £ a week said is a plausible price."""
    b = built(council, year)
    lines, costs = cost_lines(b.yaml), load(b)["costs"]
    assert "per child-week" not in b.yaml
    for field in ("agency_weekly", "weekly", "looked_after_other_weekly"):
        assert re.search(r"a (child-)?week", lines[field]), (field, lines[field])
    other = costs["looked_after_other_weekly"]
    assert lines["looked_after_other_weekly"].strip().startswith(f"£{other:,} a child-week")
    for kind, price in costs["placements"]["weekly"].items():
        assert f"{kind} £{price:,}" in lines["weekly"], (kind, lines["weekly"])
    assert re.search(r"£[\d.,]+m? a year", lines["base_budget"])
    said = [m for v in lines.values() for m in POUNDS.findall(v)]
    assert said
    for _sign, amount, million, unit in said:
        if unit in ("week", "child-week"):
            assert not million and float(amount.replace(",", "")) < 50_000, (amount, unit)


# ---- the costs against councils' published unit costs

def published(measure: str, fy: str) -> tuple[float, float]:
    v = dfe.by_council(measure)[fy].dropna().to_numpy()
    lo, hi = np.percentile(v, [1, 99])
    return float(lo), float(hi)


def england_other_share(fy: str, year: int) -> float:
    e = lambda m, p=fy: dfe.figure("England", m, p, fallback=False).value  # noqa: E731
    pcw = e("looked_after_spend") / ((e("cla_31mar", str(year - 1)) + e("cla_31mar", str(year)))
                                     / 2 * WEEKS)
    placed = (PLACEMENT_MIX["foster"] * e("fostering_weekly") + PLACEMENT_MIX["residential"]
              * e("residential_weekly") + PLACEMENT_MIX["other"] * 800)
    return 1 - placed / pcw


def unwarned(council: str, year: int) -> list[str]:
    """The unit costs the scenario writes that lie outside the published range without a
    warning (on the terminal's list and in the field's comment)."""
    b, fy = built(council, year), fy_ending(year)
    costs, lines = load(b)["costs"], cost_lines(b.yaml)
    weekly, mix = costs["placements"]["weekly"], costs["placements"]["mix"]
    other = costs["looked_after_other_weekly"]
    total = sum(mix[k] * weekly[k] for k in mix) + other
    lo_lac, hi_lac = published("looked_after_weekly", fy)
    checks = [("placements.weekly.foster", weekly["foster"], published("fostering_weekly", fy),
               "weekly"),
              ("placements.weekly.residential", weekly["residential"],
               published("residential_weekly", fy), "weekly"),
              ("cost a child-week", total, (lo_lac, hi_lac), "looked_after_other_weekly"),
              ("looked_after_other_weekly", other,
               (england_other_share(fy, year) * lo_lac, hi_lac), "looked_after_other_weekly")]
    bad = []
    for name, value, (lo, hi), line in checks:
        # written values are rounded to £1 (the mix to 4 places): a pound's grace
        if lo - 1 <= value <= hi + 1:
            continue
        if not (any(w.startswith(f"costs.{name}") for w in b.warnings)
                and "WARNING" in lines[line] and f"costs.{name}" in b.yaml):
            bad.append(f"{council} {year} {name}: {value:,.0f} outside {lo:,.0f}-{hi:,.0f}")
    return bad


SAMPLE = [("Leicester", 2019), ("East Riding of Yorkshire", 2023), ("Isles of Scilly", 2023),
          ("Kensington and Chelsea", 2019), ("West Sussex", 2019), ("Cumberland", 2023),
          ("City of London", 2023), ("Merton", 2023)]


@pytest.mark.parametrize("council, year", SAMPLE)
def test_costs_outside_the_published_range_warn(council: str, year: int) -> None:
    assert unwarned(council, year) == []


def test_the_sample_has_costs_in_and_out_of_range() -> None:
    """The sample above tests the warning: some of it is outside the range (and warns), some
    inside (and does not)."""
    warned = {c for c in SAMPLE if built(*c).warnings}
    assert ("Leicester", 2019) in warned and ("West Sussex", 2019) not in warned
    assert any("RescareFinance" in w for w in built("Leicester", 2019).warnings)


@pytest.mark.slow
def test_every_council_s_costs_in_the_published_range_or_warned() -> None:
    bad = [b for c, y in council_years() for b in unwarned(c, y)]
    assert bad == []


def test_a_mix_that_overshoots_gives_way_and_keeps_the_published_spend() -> None:
    """England's mix at Leicester's prices (£8,505 a week in children's homes) cost more than
    it spent a child-week in 2018-19, so other costs came out at £0. Now its other costs are
    England's share of its spend, fewer of its children are in children's homes, and the
    scenario's looked-after cost a child-week is its published spend a child-week."""
    fig = lambda m, p: dfe.figure("Leicester", m, p, fallback=False).value  # noqa: E731
    pcw = fig("looked_after_spend", "2018-19") / ((fig("cla_31mar", "2018")
                                                  + fig("cla_31mar", "2019")) / 2 * WEEKS)
    costs = load(built("Leicester", 2019))["costs"]
    mix, weekly = costs["placements"]["mix"], costs["placements"]["weekly"]
    other = costs["looked_after_other_weekly"]
    assert mix["residential"] < PLACEMENT_MIX["residential"] and sum(mix.values()) == \
        pytest.approx(1, abs=1e-4)
    assert other == pytest.approx(england_other_share("2018-19", 2019) * pcw, abs=1)
    assert sum(mix[k] * weekly[k] for k in mix) + other == pytest.approx(pcw, abs=2)
    # where England's mix fits, it stays, and other costs are what is left of the spend
    ws = load(built("West Sussex", 2019))["costs"]
    assert ws["placements"]["mix"] == PLACEMENT_MIX and ws["looked_after_other_weekly"] == 549


# ---- every council and year with a published state

@pytest.mark.parametrize("council, year", [
    ("Cumberland", 2023), ("Westmorland and Furness", 2023), ("Barnsley", 2017),
    ("Isles of Scilly", 2019), ("Isles of Scilly", 2023), ("Bournemouth", 2019),
    ("North Yorkshire", 2024), ("Kingston upon Thames", 2025)])
def test_new_old_and_tiny_councils_initialise(council: str, year: int) -> None:
    """Councils created (Cumberland, 2023) or abolished (Bournemouth, 2019), the smallest
    (the Isles of Scilly: no child protection or care starts some years) and the first year
    of the workforce census (2017) get a valid scenario, each fallback said in the file."""
    b = built(council, year)
    Scenario.model_validate(load(b))
    if council != "Barnsley":
        assert b.notes and all(f"#   {n}" in b.yaml for n in b.notes)
        assert "fallback" in b.yaml


def test_init_says_why_it_cannot_in_one_line(tmp_path: Path) -> None:
    """Before 2017 no workforce is published for any council: one line, exit 2."""
    r = cli("init", "--la", "Barnsley", "--year", "2016", "--out", "b.yaml", cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "inpost_fte is not published for 2016" in r.stderr and "Traceback" not in r.stderr


def test_init_warns_on_the_terminal_and_in_the_file(tmp_path: Path) -> None:
    r = cli("init", "--la", "Leicester", "--year", "2019", "--out", "l.yaml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    warned = [ln for ln in r.stderr.splitlines() if ln.startswith("warning:")]
    assert warned == [f"warning: {w}" for w in built("Leicester", 2019).warnings]
    text = (tmp_path / "l.yaml").read_text()
    assert "# Warnings" in text and "WARNING" in text


@pytest.mark.slow
def test_every_council_year_with_a_published_state_initialises() -> None:
    """Every council, every year from 2017 it published its state for: about 1,390
    scenarios built and validated (no simulation) in about a minute."""
    start, failed = time.perf_counter(), []
    pairs = council_years()
    for council, year in pairs:
        try:
            Scenario.model_validate(load(built(council, year)))
        except Exception as e:  # every failure is listed
            failed.append(f"{council} {year}: {type(e).__name__}: {e}")
    assert len(pairs) > 1300 and failed == []
    assert time.perf_counter() - start < 600


def test_a_spending_total_falls_back_scaled_by_the_year_s_children() -> None:
    """S251 totals are counts by financial year: Cumberland's 2022-23 spend (it began in
    April 2023) is the North West's scaled by child population, of mid-2023 (the nearest
    published for it); a council with no population of its boundaries (Bournemouth) has its
    region's scaled by referrals."""
    f = dfe.figure("Cumberland", "looked_after_spend", "2022-23")
    pop = dfe.figure("Cumberland", "population_0_17", "2023", fallback=False).value
    nw = dfe.figure("North West", "population_0_17", "2023", fallback=False).value
    spend = dfe.figure("North West", "looked_after_spend", "2022-23", fallback=False).value
    assert f.value == pytest.approx(spend * pop / nw) and "mid-2023" in f.note
    b = dfe.figure("Bournemouth", "inpost_fte", "2019")
    refs = [dfe.figure(a, "referrals", "2019", fallback=False).value
            for a in ("Bournemouth", "South West")]
    sw = dfe.figure("South West", "inpost_fte", "2019", fallback=False).value
    assert b.value == pytest.approx(sw * refs[0] / refs[1]) and "scaled by referrals" in b.note
