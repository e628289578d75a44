"""Golden files: a short run's ``annual.csv`` and ``budget.csv`` must come out exactly as
committed in ``tests/golden/``.

The model is deterministic (a replication is a pure function of scenario, replication and
seed) and the files are written by the same code as ``sim run`` (``run_many`` then
``write_results``), so the comparison is of exact text: any change of a result, however
small, fails here. When a change of results is intended, rewrite the files with

    python tools/regenerate_golden.py

which prints what moved, and say in the commit why the results moved.
"""

from __future__ import annotations

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
        if got != want:
            old, new = want.splitlines(), got.splitlines()
            differ = [i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b]
            first = (f"first difference at line {differ[0] + 1}:\n  golden: {old[differ[0]]}\n"
                     f"  now:    {new[differ[0]]}" if differ else "")
            pytest.fail(
                f"{name}/{file} differs from tests/golden/{name}/{file}: "
                f"{len(differ)} of {len(old)} lines changed, {len(new) - len(old):+d} lines. "
                f"{first}\n{REGENERATE}", pytrace=False)


def test_golden_files_are_small_and_complete() -> None:
    """The files exist for every golden run and stay small enough to read in a diff."""
    total = 0
    for name in SCENARIOS:
        for file in FILES:
            path = GOLDEN / name / file
            assert path.is_file(), f"{path} is missing; {REGENERATE}"
            total += path.stat().st_size
    assert total < 200_000
