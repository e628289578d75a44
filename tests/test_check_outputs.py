"""Commands that write tables the repository commits (``check-published``, ``check-costs``)
write under ``results/`` by default, like ``run``; ``docs/`` changes only when asked
(``--out docs/... --force``), and the committed tables are sim's to replace."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sim.outputs.ownership import MANIFEST, is_sim_results

from .conftest import ROOT, SCENARIOS
from .test_cli import sim

DOCS = ROOT / "docs"
COMMITTED = {"check-published": DOCS / "baseline_vs_published",
             "check-costs": DOCS / "baseline_costs_vs_published"}


def _digest(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(d.rglob("*")):
        h.update(str(p.relative_to(d)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.yaml"
    p.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: tiny\n"
                 "run: {horizon_years: 1.1, replications: 1}\n")
    return p


@pytest.mark.parametrize("command", sorted(COMMITTED))
def test_committed_tables_are_sims_to_replace(command: str) -> None:
    """``--out docs/... --force`` is accepted: every entry is listed in the marker."""
    d = COMMITTED[command]
    assert is_sim_results(d), f"{d} lacks a marker listing every entry"
    assert json.loads((d / MANIFEST).read_text())["kind"] == command
    page = (d / "comparison.md").read_text()
    assert f"--out docs/{d.name} --force`" in page  # how to regenerate, as the README says


@pytest.mark.parametrize("command", sorted(COMMITTED))
def test_default_writes_under_results_not_docs(command: str, tiny: Path,
                                               tmp_path: Path) -> None:
    before = {c: _digest(d) for c, d in COMMITTED.items()}
    r = sim(command, str(tiny), "--jobs", "1", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr  # 1: a figure outside its tolerance
    name = "tiny_vs_published" if command == "check-published" else \
        "tiny_costs_vs_published"
    out = tmp_path / "results" / name
    assert (out / "comparison.md").is_file() and (out / "comparison.csv").is_file()
    assert is_sim_results(out)
    assert not (tmp_path / "docs").exists()
    assert {c: _digest(d) for c, d in COMMITTED.items()} == before
    # a second run is refused before it simulates anything, and --force replaces
    again = sim(command, str(tiny), "--jobs", "1", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    forced = sim(command, str(tiny), "--jobs", "1", "--force", "--out", str(out),
                 cwd=tmp_path)
    assert forced.returncode in (0, 1), forced.stderr
    assert f"--out {out} --force`" in (out / "comparison.md").read_text()


def test_a_directory_of_the_users_is_never_replaced(tiny: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    r = sim("check-published", str(tiny), "--out", str(mine), "--force", cwd=tmp_path)
    assert r.returncode == 2 and "did not write" in r.stderr
    assert (mine / "notes.txt").read_text() == "mine"


def test_tools_write_under_results_by_default() -> None:
    """The tools that write committed tables default to results/ (docs/ only with --out)."""
    for tool in ("three_plus_check.py", "baseline_coverage.py"):
        text = (ROOT / "tools" / tool).read_text()
        assert 'default=Path("results")' in text and '"--force"' in text, tool
        assert 'ROOT / "docs"' not in text, tool


def test_check_files_refuses_to_replace_without_force(tmp_path: Path) -> None:
    from sim.outputs.files import check_files
    from sim.outputs.ownership import OutputError

    table = tmp_path / "new" / "table.md"
    check_files([table], force=False)  # nothing there: fine, and its directory is made
    assert table.parent.is_dir()
    table.write_text("x")
    with pytest.raises(OutputError, match="--force"):
        check_files([table], force=False)
    check_files([table], force=True)
