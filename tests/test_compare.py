"""Comparisons: paired differences on common random numbers, drivers, sequential
replications, and the `sim compare` command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiment.replications import relative_half_widths, run_until_precise
from sim.outputs.comparison import CHANCE, COMPARISON_COLUMNS, drivers, unpaired_ci
from sim.outputs.files import COMPARISON_FILES, RESULT_FILES

from .conftest import SCENARIOS, variant

SHORT = {"run.horizon_years": 2}


@pytest.fixture(scope="module")
def comp():
    # one simulated year in this process: what these tests read does not need more, and
    # serial = process pool is tested in test_experiment.py
    return sim.compare(SCENARIOS / "baseline.yaml", SCENARIOS / "retention.yaml",
                       replications=2, jobs=1, overrides={"run.horizon_years": 1})


def test_table_shape_and_base_differences_are_zero(comp) -> None:
    t = comp.table
    assert list(t.columns) == COMPARISON_COLUMNS
    assert set(t.scenario) == {"baseline", "retention"}
    base = t[t.scenario == "baseline"]
    assert (base[["diff_mean", "diff_ci_low", "diff_ci_high"]] == 0).all().all()


def test_referrals_identical_in_every_replication(comp) -> None:
    d = comp.differences
    ref = d[(d.metric == "referrals") & (d.scenario == "retention")]
    assert len(ref) == 2 and (ref["diff"] == 0).all()  # 2 replications x 1 year


def test_parameter_draws_shared_and_visible(comp) -> None:
    a, b = (comp.results[k].parameters for k in ("baseline", "retention"))
    pd.testing.assert_frame_equal(a, b)
    assert a["replication"].nunique() == 2
    assert "interventions.retention.hazard_ratio" in set(a.parameter)


@pytest.mark.slow
def test_pairing_narrows_the_interval() -> None:
    """Common random numbers: the paired interval of a difference is far narrower than the
    interval two independent runs would give (here with the uncertain effects at their
    central values, so that the spread is chance alone)."""
    comp = sim.compare(SCENARIOS / "baseline.yaml", SCENARIOS / "retention.yaml",
                       replications=10, jobs=2, fixed_parameters=True, overrides=SHORT)
    d = comp.differences
    for metric in ("caseload_per_fte", "inpost_fte", "agency_rate"):
        c = d[(d.metric == metric) & (d.fy == "2020-21") & (d.scenario == "retention")]
        paired = comp.table.query(f"metric == '{metric}' and fy == '2020-21' "
                                  "and scenario == 'retention'").iloc[0]
        _, lo, hi = unpaired_ci(c["base_value"], c["value"])
        assert (paired.diff_ci_high - paired.diff_ci_low) < 0.6 * (hi - lo), metric


def test_drivers_find_the_parameter_that_matters() -> None:
    """Against a known answer: the difference depends on a, not on b."""
    rng = np.random.default_rng(0)
    n = 60
    a, b = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    y = 5 * a + rng.normal(0, 0.5, n)
    params = pd.DataFrame({"replication": np.tile(np.arange(n), 2),
                           "parameter": ["a"] * n + ["b"] * n, "value": np.r_[a, b]})
    diffs = pd.DataFrame({"replication": np.arange(n), "fy": "2020-21", "metric": "m",
                          "scenario": "alt", "diff": y})
    t = drivers(diffs, params, "alt", "m", "2020-21").set_index("parameter")
    assert t.loc["a", "share_explained"] > 0.7 and t.loc["a", "p_value"] < 1e-6
    assert t.loc["a", "spearman"] > 0.8 and t.loc["a", "srrc"] > 0
    assert t.loc["a", "diff_high_third"] > t.loc["a", "diff_low_third"]
    assert t.loc["b", "share_explained"] < 0.05 and t.loc["b", "p_value"] > 0.01
    assert t["share_explained"].sum() == pytest.approx(1.0)
    assert CHANCE in t.index


def test_no_uncertainty_no_drivers(short) -> None:
    comp = sim.compare(short, variant(short, name="more_posts",
                                      workforce__establishment__case_holding=320),
                       replications=2, jobs=1, fixed_parameters=True,
                       overrides={"run.horizon_years": 1})
    assert comp.drivers.empty
    p = comp.parameters
    assert (p.groupby("parameter")["value"].nunique() == 1).all()


@pytest.mark.slow
def test_sequential_replications_stop_when_precise(short) -> None:
    one = {"s": variant(short, run__horizon_years=1)}
    res, prec = run_until_precise(one, seed=3, jobs=1, target=0.2, lookahead=2,
                                  min_replications=3, max_replications=30)
    assert prec.reached_at is not None and prec.used == prec.reached_at + 2
    assert res["s"].replications == list(range(prec.used))
    cells: dict = {}
    a = res["s"].annual
    for row in a.itertuples():
        cells.setdefault((row.metric, row.fy), []).append(row.value)
    from sim.experiment.replications import PRECISION_METRICS
    watched = {k: v for k, v in cells.items() if k[0] in PRECISION_METRICS}
    assert max(r[3] for r in relative_half_widths({"s": watched})) <= 0.2
    # the same answer in parallel
    res2, prec2 = run_until_precise(one, seed=3, jobs=2, target=0.2, lookahead=2,
                                    min_replications=3, max_replications=30)
    assert prec2.used == prec.used
    pd.testing.assert_frame_equal(res["s"].annual, res2["s"].annual)


@pytest.mark.slow  # quick: test_sequential_replications_need_something_to_watch
def test_sequential_replications_respect_the_cap(short) -> None:
    one = {"s": variant(short, run__horizon_years=1)}
    _, prec = run_until_precise(one, seed=3, jobs=1, target=1e-6, max_replications=4,
                                min_replications=3)
    assert prec.reached_at is None and prec.used == 4
    assert "not reached within 4" in prec.describe()
    # met just before the cap, without the look-ahead to confirm it
    _, prec = run_until_precise(one, seed=3, jobs=1, target=0.5, lookahead=5,
                                max_replications=4, min_replications=3)
    assert prec.reached_at is None and prec.met_at == 3
    assert "not confirmed" in prec.describe()


def test_sequential_replications_need_something_to_watch(short) -> None:
    tiny = {"s": variant(short, run__horizon_years=0.4)}
    with pytest.raises(ValueError, match="nothing to watch"):
        run_until_precise(tiny, seed=3, jobs=1, max_replications=5)


@pytest.mark.slow
def test_drivers_need_enough_replications_and_correct_for_many_tests() -> None:
    """With too few replications, or a difference that is pure noise, no parameter is
    credited: Holm-adjusted p-values keep false alarms near the nominal 5%."""
    from sim.outputs.comparison import holm, min_replications

    assert min_replications(4) == 20 and min_replications(6) == 30
    assert list(holm([0.01, 0.04, 0.03])) == pytest.approx([0.03, 0.06, 0.06])
    rng = np.random.default_rng(1)
    false_alarms = 0
    for trial in range(100):
        n = 24
        params = pd.DataFrame({"replication": np.tile(np.arange(n), 4),
                               "parameter": np.repeat(list("abcd"), n),
                               "value": rng.uniform(size=4 * n)})
        diffs = pd.DataFrame({"replication": np.arange(n), "fy": "y", "metric": "m",
                              "scenario": "alt", "diff": rng.normal(size=n)})
        t = drivers(diffs, params, "alt", "m", "y")
        false_alarms += bool((t.p_value < 0.05).any())
        if trial == 0:
            assert drivers(diffs[diffs.replication < 15], params, "alt", "m", "y").empty
    assert false_alarms <= 12


def test_drivers_see_an_effect_uncertain_in_one_scenario_only(short) -> None:
    base = variant(short, run__horizon_years=1, interventions__retention__hazard_ratio=0.9)
    alt = variant(short, name="alt", run__horizon_years=1,
                  interventions__retention__annual_spend=2.5e6)
    comp = sim.compare(base, alt, replications=2, jobs=1)
    assert "interventions.retention.hazard_ratio" in set(comp.parameters.parameter)


from .test_cli import sim as cli  # noqa: E402 - the in-process runner of the CLI tests


@pytest.mark.slow
def test_compare_command_writes_everything(tmp_path: Path) -> None:
    for name, parent in (("base", "baseline"), ("alt", "ipeh_cuts")):
        (tmp_path / f"{name}.yaml").write_text(
            f"extends: {SCENARIOS / (parent + '.yaml')}\nrun: {{horizon_years: 1.1}}\n")
    r = cli("compare", "base.yaml", "alt.yaml", "-r", "40", "-j", "2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "results" / "base_vs_alt"
    names = {p.name for p in out.iterdir()}
    assert set(COMPARISON_FILES) <= names and "drivers_alt.png" in names
    for sub in ("base", "alt"):
        assert sorted(p.name for p in (out / sub).iterdir()) == sorted(RESULT_FILES)
    t = pd.read_csv(out / "comparison.csv")
    assert list(t.columns) == COMPARISON_COLUMNS
    assert "alt − base" in r.stdout and "Referrals" in r.stdout


@pytest.mark.parametrize("args, fragment", [
    (["compare", "one.yaml"], "at least two"),
    (["compare", "one.yaml", "late.yaml"], "must start on the same date"),
    (["compare", "one.yaml", "two.yaml", "--drivers-fy", "1999-00"], "not a year of the run"),
    (["compare", "one.yaml", "two.yaml", "--precision", "0.1"], "only with --replications auto"),
    (["compare", "one.yaml", "parameters.csv.yaml"], "names its results directory"),
    (["compare", "one.yaml", "sub/one.yaml"], "two scenarios are named 'one'"),
    (["compare", "one.yaml", "two.yaml", "-r", "lots"], "--replications"),
    (["run", "one.yaml", "-r", "0"], "--replications"),
])
def test_compare_bad_arguments(args, fragment, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for p in ("one.yaml", "two.yaml", "sub/one.yaml", "parameters.csv.yaml"):
        (tmp_path / p).write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\n")
    (tmp_path / "late.yaml").write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\n"
                                        "run: {start_date: 2020-04-01}\n")
    r = cli(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert fragment in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "results").exists()
