"""sim evidence: the estimator recovers known effects from a synthetic panel with confounding,
the committed report and ranges match the shipped data, and every uncertain effect of the
shipped scenarios takes its range from a row of docs/evidence.md."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.data import dfe
from sim.data.sources import effect_ranges, studies
from sim.evidence.effects import lagged
from sim.evidence.estimators import ordinary_least_squares, two_way_fixed_effects
from sim.evidence.panel import panel_year
from sim.model.uncertainty import draw_parameters
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))


def synthetic_panel(seed: int, beta: float, councils: int = 150, years: int = 9,
                    confounding: float = 1.0) -> pd.DataFrame:
    """y = council effect + year shock + beta * x + noise, where x shares the council effect
    and the year shock (so a pooled regression is biased) and is persistent over time."""
    rng = np.random.default_rng(seed)
    council = rng.normal(0, 1, councils)
    year = rng.normal(0, 1, years)
    x = (confounding * council[:, None] + confounding * year[None, :]
         + rng.normal(0, 0.5, (councils, years)))
    y = 2 * council[:, None] + 1.5 * year[None, :] + beta * x + rng.normal(0, 0.5, x.shape)
    idx = pd.MultiIndex.from_product([[f"c{i}" for i in range(councils)],
                                      range(2017, 2017 + years)], names=["council", "year"])
    return pd.DataFrame({"x": x.ravel(), "y": y.ravel()}, index=idx)


def test_two_way_fixed_effects_recover_a_known_effect_despite_confounding():
    d = synthetic_panel(seed=1, beta=0.3)
    est = two_way_fixed_effects(d, "y", "x")
    assert est.ci_low < 0.3 < est.ci_high
    assert est.ci_high - est.ci_low < 0.2  # and it says something
    assert est.n_councils == 150 and est.years == "2017-2025"
    # the same data pooled, without the fixed effects, are far off: the confounding is real
    pooled = ordinary_least_squares(d.reset_index(drop=True), "y", "x")
    assert pooled.ci_low > 0.3 + 0.3


# 200 synthetic panels, about 20 s: with the slow set (make test, CI)
@pytest.mark.slow
def test_intervals_cover_the_true_effect_about_95_times_in_100():
    covered = [two_way_fixed_effects(synthetic_panel(s, beta=-0.2, councils=60), "y", "x")
               for s in range(60)]
    share = np.mean([e.ci_low < -0.2 < e.ci_high for e in covered])
    assert 0.85 <= share <= 1.0


def test_no_effect_is_found_where_there_is_none():
    est = two_way_fixed_effects(synthetic_panel(seed=7, beta=0.0), "y", "x")
    assert est.ci_low < 0 < est.ci_high


def test_councils_seen_once_add_nothing_and_are_not_counted():
    d = synthetic_panel(seed=2, beta=0.3, councils=20)
    lone = pd.DataFrame({"x": [1.0], "y": [5.0]},
                        index=pd.MultiIndex.from_tuples([("lone", 2020)], names=d.index.names))
    assert two_way_fixed_effects(pd.concat([d, lone]), "y", "x").n_councils == 20


def test_lagged_reads_the_exposure_of_years_before_and_leaves_gaps_missing():
    idx = pd.MultiIndex.from_tuples([("a", 2018), ("a", 2019), ("a", 2021), ("b", 2019)],
                                    names=["council", "year"])
    p = pd.DataFrame({"x": [1.0, 2.0, 4.0, 9.0]}, index=idx)
    assert lagged(p, "x", 1).tolist()[:2] == [pytest.approx(np.nan, nan_ok=True), 1.0]
    assert np.isnan(lagged(p, "x", 1).loc[("a", 2021)])  # 2020 is missing: no guess
    assert lagged(p, "x", -2).loc[("a", 2019)] == 4.0     # a lead: two years after


def test_periods_are_filed_under_the_financial_year_they_fall_in():
    assert panel_year("2019-20", "fy") == 2020          # S251 outturn
    assert panel_year("2020", "march") == 2020          # year to 31 March 2020
    assert panel_year("2019", "september") == 2020      # 30 September 2019 is in 2019-20


def test_suppressed_figures_are_missing_never_zero():
    t = dfe.table()
    three = t[(t.measure == "three_plus_sw_pct") & (t.level == "la")]
    source = pd.read_csv(ROOT / "sim" / "data" / "dfe_published.csv.gz", dtype=str,
                         keep_default_na=False)
    shipped = source[(source.measure == "three_plus_sw_pct") & (source.level == "la")]
    # four councils' shares are published as 'c' (suppressed): shipped empty, read as missing
    assert (shipped.value == "").sum() == three.value.isna().sum() >= 1
    assert dfe.figure("West Sussex", "three_plus_sw_pct", "2024").value == 20
    assert dfe.figure("West Sussex", "assessment_timeliness_pct", "2019").value == 85.4


# --- the committed report, and the scenarios that rest on it ------------------------------

@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    from sim.evidence import estimate_evidence
    from sim.outputs.evidence import write_evidence

    out = tmp_path_factory.mktemp("evidence")
    ev = estimate_evidence()
    write_evidence(out, ev.panel, ev.estimates, ev.ranges, studies())
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name, committed", [
    ("evidence.md", "docs/evidence.md"), ("evidence.csv", "docs/evidence.csv"),
    ("effect_ranges.yaml", "sim/data/effect_ranges.yaml")])
def test_committed_evidence_matches_the_shipped_data(written, name, committed):
    assert (written / name).read_text() == (ROOT / committed).read_text(), \
        f"{committed} is out of date with sim/data: run `make evidence`"


@pytest.mark.slow
def test_the_report_has_every_effect_the_scenarios_and_issue_name(written):
    est = pd.read_csv(written / "evidence.csv")
    assert list(est.columns[:10]) == ["effect", "outcome", "exposure", "unit", "estimate",
                                     "ci_low", "ci_high", "n_councils", "years", "method"]
    for e in ("early_help_spend__referrals", "early_help_spend__cp_starts",
              "early_help_spend__cla_starts", "workload__caseload",
              "workload__not_in_need_share", "workload__assessment_timeliness",
              "workload__agency_fte", "workload__establishment", "caseload__turnover",
              "agency_rate__three_plus_workers", "turnover__three_plus_workers"):
        rows = est[est.effect == e]
        assert rows.headline.any(), e
        assert (written / "evidence" / f"{e}.png").stat().st_size > 10_000
    from PIL import Image  # a panel per outcome: the effect with two outcomes is twice as tall

    def height(name: str) -> int:
        with Image.open(written / "evidence" / f"{name}.png") as im:
            return im.size[1]

    assert height("workload__establishment") == 2 * height("workload__caseload")
    lags = est[(est.effect == "early_help_spend__referrals")
               & (est.method == "two-way fixed effects")].lag_years
    assert sorted(lags) == [0, 1, 2]
    assert (est.ci_low <= est.estimate).all() and (est.estimate <= est.ci_high).all()
    assert {"placebo: spending two years later", "long difference", "without small councils",
            "without 2020-21"} <= set(est.method)


def _comment_of(path: Path, dotted: str) -> str:
    """The comment on a parameter's line in a scenario file, and the comment lines just
    above it: the line of each part of the dotted path is looked for after the last."""
    lines = path.read_text().splitlines()
    i = -1
    for part in dotted.split("."):
        i = next((j for j in range(i + 1, len(lines))
                  if re.match(rf"\s*{re.escape(part)}:", lines[j])), -1)
        if i < 0:
            return ""
    above = []
    j = i - 1
    while j >= 0 and lines[j].strip().startswith("#"):
        above.insert(0, lines[j])
        j -= 1
    return "\n".join([*above, lines[i]])


def test_every_uncertain_effect_of_the_shipped_scenarios_cites_a_row_of_the_evidence():
    doc = (ROOT / "docs" / "evidence.md").read_text()
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', doc))
    ranges = effect_ranges()
    seen = set()
    for path in SCENARIOS:
        sc = load_scenario(path)
        _, drawn = draw_parameters(sc, seed=1, replication=0)
        for dotted in drawn:
            seen.add(dotted)
            assert dotted in ranges, f"{dotted} has no range in sim/data/effect_ranges.yaml"
            row = ranges[dotted]["row"]
            assert row in anchors, f"{row} is not a row of docs/evidence.md"
            text = _comment_of(ROOT / "scenarios" / "baseline.yaml", dotted)
            assert f"evidence: {row}" in text, f"baseline.yaml: {dotted} does not cite {row}"
    assert seen == set(ranges)


def test_the_shipped_scenarios_use_the_evidence_ranges():
    raw = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text())
    for dotted, r in effect_ranges().items():
        node = raw
        for part in dotted.split("."):
            node = node[part]
        assert node == r["dist"], f"baseline.yaml: {dotted} is {node}, evidence says {r['dist']}"


def test_sim_init_writes_the_evidence_ranges_with_their_rows():
    from sim.scenario.council import council_scenario

    text = council_scenario("Barnsley", 2019).yaml
    for r in effect_ranges().values():
        assert f"evidence: {r['row']}" in text
    raw = yaml.safe_load(text)
    assert raw["interventions"]["retention"]["hazard_ratio"] == \
        effect_ranges()["interventions.retention.hazard_ratio"]["dist"]


def test_nothing_cites_the_domain_brief_and_every_cited_source_is_listed():
    ids = set(studies())
    for path in [*SCENARIOS, ROOT / "sim" / "scenario" / "council.py"]:
        text = path.read_text()
        assert "DOMAIN" not in text, path
        for cited in re.findall(r"source: ([a-z0-9_]+)", text):
            assert cited in ids, f"{path.name}: source {cited} is not in sim/data/studies.yaml"
    doc = (ROOT / "docs" / "evidence.md").read_text()
    for sid in ids:
        assert f'<a id="{sid}"></a>' in doc


def test_studies_say_whether_each_was_verified():
    for s in studies().values():
        assert {"id", "kind", "citation", "verified", "finding", "used_for"} <= set(s), s["id"]
        assert isinstance(s["verified"], bool)


@pytest.mark.slow
def test_sim_evidence_writes_its_results_and_replaces_only_its_own(tmp_path):
    from .test_cli import sim

    out = tmp_path / "ev"
    r = sim("evidence", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert {"evidence.md", "evidence.csv", "effect_ranges.yaml", "evidence.json",
            "evidence"} <= {p.name for p in out.iterdir()}
    again = sim("evidence", "--out", str(out), cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    refused = sim("evidence", "--out", str(mine), "--force", cwd=tmp_path)
    assert refused.returncode == 2 and "did not write" in refused.stderr
    assert (mine / "notes.txt").read_text() == "keep me"


def test_the_figures_slope_is_the_estimate_back_on_its_own_scale():
    """A figure draws the slope as estimated: ``slope_from_reported`` undoes
    ``Effect.scale`` for every effect (per 10% more workload, elasticities, plain slopes)."""
    import math

    from sim.evidence.effects import EFFECTS
    from sim.outputs.evidence import slope_from_reported

    for e in EFFECTS:
        for c in (0.3, -0.1):
            assert math.isclose(slope_from_reported(e, e.scale(c)), c, rel_tol=1e-9), e.name
