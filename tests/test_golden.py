"""Golden files: a short run's ``annual.csv`` and ``budget.csv`` must come out exactly as
committed in ``tests/golden/``.

The model is deterministic (a replication is a pure function of scenario, replication and
seed) and the files are written by the same code as ``sim run`` (``run_many`` then
``write_results``), so the comparison is of exact text, except that a number with a
fraction need only agree to 12 significant digits: numpy's sums take different vectorised
paths on different processors (AVX2, AVX-512) and so differ in the last bit, which is not
a change of result. Any real change, however small, fails here. When a change of
results is intended, rewrite the files with

    python tools/regenerate_golden.py

which prints what moved, and say in the commit why the results moved.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.experiment.runner import run_many
from sim.outputs.files import write_results
from sim.scenario import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"

# what the golden runs are: small (a few seconds in all) but with every financial-year
# boundary, both budget terms, drawn uncertain effects and an intervention switching on
SCENARIOS = ("baseline", "retention_and_ipeh_cuts")
HORIZON_YEARS = 2
REPLICATIONS = 2
SEED = 20190401
FILES = ("annual.csv", "budget.csv")

REL_TOL = 1e-12  # a float's last bits depend on the processor's vectorised sums


def _field_same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return "." in a + b and math.isclose(x, y, rel_tol=REL_TOL, abs_tol=1e-9)


def same_line(a: str, b: str) -> bool:
    """Two lines of CSV agree: the same text, or numbers with a fraction that agree to 12
    significant digits."""
    fa, fb = a.split(","), b.split(",")
    return len(fa) == len(fb) and all(_field_same(x, y) for x, y in zip(fa, fb, strict=True))


REGENERATE = (
    "If this change of results is intended, run `python tools/regenerate_golden.py` (it "
    "prints which metrics moved and by how much), commit tests/golden/ and say in the "
    "commit message why the results moved. If it is not intended, a change meant to keep "
    "results byte-identical has changed them."
)


def produce(name: str, out: Path) -> Path:
    """Run the golden scenario ``name`` as ``sim run`` would (serially, in this process) and
    write its result files into ``out`` (which must not exist yet); returns ``out``."""
    s = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    s = with_overrides(s, {"run.horizon_years": HORIZON_YEARS})
    results = run_many({s.name: s}, REPLICATIONS, SEED, jobs=1)[s.name]
    return write_results(results, out)


@pytest.mark.parametrize("name", SCENARIOS)
def test_results_match_the_golden_files(name: str, tmp_path: Path) -> None:
    out = produce(name, tmp_path / name)
    for file in FILES:
        want = (GOLDEN / name / file).read_text()
        got = (out / file).read_text()
        old, new = want.splitlines(), got.splitlines()
        differ = [i for i, (a, b) in enumerate(zip(old, new, strict=False))
                  if not same_line(a, b)]
        if differ or len(old) != len(new):
            first = (f"first difference at line {differ[0] + 1}:\n  golden: {old[differ[0]]}\n"
                     f"  now:    {new[differ[0]]}" if differ else "")
            pytest.fail(
                f"{name}/{file} differs from tests/golden/{name}/{file}: "
                f"{len(differ)} of {len(old)} lines changed, {len(new) - len(old):+d} lines. "
                f"{first}\n{REGENERATE}", pytrace=False)


def test_the_comparison_is_exact_but_for_the_last_bits() -> None:
    """A float's last bits may differ; anything more, or any text or count, may not."""
    assert same_line("0,2019-20,placements,45570489.41423383",
                     "0,2019-20,placements,45570489.41423384")
    assert not same_line("0,2019-20,placements,45570489.41423383",
                         "0,2019-20,placements,45570489.41433383")
    assert not same_line("0,2019-20,staff,12", "0,2019-20,staff,13")
    assert not same_line("0,2019-20,staff,12", "0,2019-21,staff,12")
    assert not same_line("0,2019-20,staff,12", "0,2019-20,staff,12,1")


def test_golden_files_are_small_and_complete() -> None:
    """The files exist for every golden run and stay small enough to read in a diff."""
    total = 0
    for name in SCENARIOS:
        for file in FILES:
            path = GOLDEN / name / file
            assert path.is_file(), f"{path} is missing; {REGENERATE}"
            total += path.stat().st_size
    assert total < 200_000
