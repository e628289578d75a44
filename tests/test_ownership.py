"""Issue 17's cases about what sim may touch (1, 2, 6, 8 and 11), each reproduced in a
sandbox with HOME redirected: ``--force`` replaces only a directory of sim's own results,
paths are resolved before any guard, one run writes a directory at a time, and what a
killed run left is cleared at the next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.outputs.files import atomically
from sim.outputs.ownership import (
    MANIFEST,
    PARTIAL_MARK,
    OutputError,
    check_destination,
    is_sim_results,
    lock_path,
)

from .conftest import SCENARIOS
from .test_cli import sim

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp/home/work`` as the working directory, with HOME at ``tmp/home``, and a small
    scenario ``tiny.yaml`` in it."""
    home = tmp_path / "home"
    work = home / "work"
    work.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    (work / "tiny.yaml").write_text(
        f"extends: {SCENARIOS / 'retention.yaml'}\nname: tiny\n"
        "run: {horizon_years: 1, replications: 1}\n")
    return work


def hold_lock(out: Path) -> subprocess.Popen:
    """Another process, holding the lock on writing ``out`` (for a minute at most) once
    this returns; kill it to drop the lock."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from sim.outputs.ownership import acquire; acquire(Path(sys.argv[1])); "
         "print('held', flush=True); time.sleep(60)", str(out)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def run(work: Path, *args: str) -> subprocess.CompletedProcess:
    return sim("run", "tiny.yaml", "--jobs", "1", *args, cwd=work)


# ------------------------------------------- 1. --force replaces only a directory of sim's


def test_1_force_leaves_a_users_directory_alone_whatever_it_holds(sandbox: Path) -> None:
    proj = sandbox / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "run.json").write_text("{}")  # the only marker checked before
    (proj / "src" / "code.py").write_text("print('mine')\n")
    r = run(sandbox, "--out", "proj", "--force")
    assert r.returncode == 2
    assert "holds files that sim did not write" in r.stderr and r.stderr.count("\n") == 1
    assert (proj / "src" / "code.py").read_text() == "print('mine')\n"
    assert sorted(p.name for p in sandbox.iterdir()) == ["proj", "tiny.yaml"]


def test_1_a_file_added_to_sims_results_keeps_them_from_being_replaced(sandbox: Path
                                                                      ) -> None:
    assert run(sandbox, "--out", "res").returncode == 0
    assert is_sim_results(sandbox / "res")
    (sandbox / "res" / "notes.txt").write_text("my notes")
    r = run(sandbox, "--out", "res", "--force")
    assert r.returncode == 2 and "notes.txt" in r.stderr
    assert (sandbox / "res" / "notes.txt").read_text() == "my notes"


def test_1_sims_own_results_are_replaced_with_force(sandbox: Path) -> None:
    assert run(sandbox, "--out", "res").returncode == 0
    first = json.loads((sandbox / "res" / MANIFEST).read_text())
    assert first["kind"] == "run" and "annual.csv" in first["entries"]
    r = run(sandbox, "--out", "res")
    assert r.returncode == 2 and "--force" in r.stderr
    assert run(sandbox, "--out", "res", "--force").returncode == 0
    assert json.loads((sandbox / "res" / MANIFEST).read_text())["id"] != first["id"]
    assert sorted(p.name for p in sandbox.iterdir()) == ["res", "tiny.yaml"]


# --------------------------------------------- 2. paths resolved before any guard


def test_2_the_home_directory_reached_by_dots_is_refused(sandbox: Path) -> None:
    home = sandbox.parent
    (home / "run.json").write_text("{}")
    r = run(sandbox, "--out", "../../home", "--force")
    assert r.returncode == 2 and "the home directory" in r.stderr
    assert sorted(p.name for p in home.iterdir()) == ["run.json", "work"]
    assert sorted(p.name for p in home.parent.iterdir()) == ["home"]


@pytest.mark.parametrize("out", ["..", ".", "~", "/", "../work/.."])
def test_2_the_working_directory_or_above_is_refused_before_simulating(
        sandbox: Path, out: str) -> None:
    t0 = time.monotonic()
    r = run(sandbox, "--out", out, "--force")
    assert r.returncode == 2 and "working directory, the home directory or above" in r.stderr
    assert time.monotonic() - t0 < 5  # refused before the run, not at the rename after it


def test_2_a_file_is_not_a_results_directory(sandbox: Path) -> None:
    (sandbox / "f").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        check_destination(sandbox / "f")


# ------------------------------------------------- 6. sweep and back-test results replaced


@pytest.mark.parametrize("kind", ["sweep", "backtest", "evidence", "comparison"])
def test_6_results_of_every_kind_are_replaced_with_their_own_kind(tmp_path: Path,
                                                                  kind: str) -> None:
    def fill(n: int):
        def _fill(d: Path) -> None:
            (d / "sub").mkdir()
            (d / "sub" / "a.csv").write_text(str(n))
            (d / "table.csv").write_text(str(n))
        return _fill

    out = atomically(tmp_path / "out", fill(1), kind)
    assert json.loads((out / MANIFEST).read_text())["kind"] == kind
    atomically(tmp_path / "out", fill(2), kind)  # was "holds files that sim did not write"
    assert (out / "sub" / "a.csv").read_text() == "2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no lock, no leftovers


@pytest.mark.slow
def test_6_a_sweep_is_replaced_with_force(sandbox: Path) -> None:
    args = ("sweep", "tiny.yaml", "--set", "interventions.retention.annual_spend=0,1000000",
            "--replications", "1", "--jobs", "1", "--out", "sw")
    first = sim(*args, cwd=sandbox)
    assert first.returncode == 0, first.stderr
    again = sim(*args, "--force", cwd=sandbox)
    assert again.returncode == 0, again.stderr
    assert is_sim_results(sandbox / "sw")


# ---------------------------------------- 8. what a killed run left is cleared next time


def test_8_a_killed_runs_temporary_directory_is_removed_at_the_next_run(sandbox: Path
                                                                        ) -> None:
    results = sandbox / "results"
    left = results / ".tiny.abc12345.partial"
    left.mkdir(parents=True)
    (left / PARTIAL_MARK).touch()
    (left / "annual.csv").write_text("half")
    users = results / ".tiny.mine.partial"  # not marked as sim's: kept
    users.mkdir()
    r = run(sandbox)
    assert r.returncode == 0, r.stderr
    assert "removed" in r.stderr and ".tiny.abc12345.partial" in r.stderr
    assert not left.exists() and users.is_dir()
    assert sorted(p.name for p in results.iterdir()) == [".tiny.mine.partial", "tiny"]


# ------------------------------------------------------- 11. a lock, and symlinks kept


def test_11_a_second_run_into_the_same_directory_is_refused(sandbox: Path) -> None:
    out = sandbox / "res"
    holder = hold_lock(out)
    try:
        r = run(sandbox, "--out", "res")
        assert r.returncode == 2
        assert f"being written by another sim run (process {holder.pid})" in r.stderr
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
    # the kernel dropped the lock with the process: the next run goes ahead
    assert run(sandbox, "--out", "res").returncode == 0
    assert not lock_path(out).exists()


@pytest.mark.slow  # in make test, not in the quick set (a minute)
def test_11_a_symlinked_out_is_written_through_and_kept(sandbox: Path) -> None:
    target = sandbox / "elsewhere" / "res"
    target.parent.mkdir()
    (sandbox / "link").symlink_to(target, target_is_directory=True)
    r = run(sandbox, "--out", "link")
    assert r.returncode == 0, r.stderr
    assert (sandbox / "link").is_symlink() and is_sim_results(target)
    assert run(sandbox, "--out", "link", "--force").returncode == 0
    assert (sandbox / "link").is_symlink() and is_sim_results(target)


# ------------------------------------------- found in review: names, the lock, races


def test_leftovers_are_claimed_by_exact_name_only(tmp_path: Path) -> None:
    """Clearing ``a``'s leftovers leaves ``a.b``'s temporary directory (a live run's), and a
    name with glob characters claims nothing of anyone else's."""
    from sim.outputs.ownership import clear_leftovers

    for name in (".a.b.abcd1234.partial", ".retention.zz9x8y7w.partial", ".a.abcd1234.partial"):
        (tmp_path / name).mkdir()
        (tmp_path / name / PARTIAL_MARK).touch()
    assert [p.name for p in clear_leftovers(tmp_path / "a")] == [".a.abcd1234.partial"]
    assert clear_leftovers(tmp_path / "*") == [] and clear_leftovers(tmp_path / "r*") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [".a.b.abcd1234.partial",
                                                        ".retention.zz9x8y7w.partial"]


@pytest.mark.parametrize("what", ["symlink", "a file with words"])
def test_the_lock_never_writes_through_a_link_or_over_a_users_file(tmp_path: Path,
                                                                  what: str) -> None:
    from sim.outputs.ownership import acquire

    thesis = tmp_path / "thesis.txt"
    thesis.write_text("chapter one " * 10)
    lock = lock_path(tmp_path / "out")
    if what == "symlink":
        lock.symlink_to(thesis)
    else:
        lock.write_text("chapter one " * 10)
    with pytest.raises(OutputError, match="in the way of sim's lock"):
        acquire(tmp_path / "out")
    assert thesis.read_text() == "chapter one " * 10
    assert lock.is_symlink() or lock.read_text() == "chapter one " * 10


def test_a_file_added_while_sim_writes_is_kept_and_nothing_replaced(tmp_path: Path) -> None:
    out = atomically(tmp_path / "out", lambda d: (d / "a.csv").write_text("1"), "run")

    def fill(d: Path) -> None:
        (d / "a.csv").write_text("2")
        (out / "my_notes.txt").write_text("mine")  # the user, as sim writes

    with pytest.raises(OutputError, match="was changed while sim was writing"):
        atomically(out, fill, "run")
    assert (out / "my_notes.txt").read_text() == "mine" and (out / "a.csv").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_stopped_between_the_renames_the_earlier_results_are_put_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = atomically(tmp_path / "out", lambda d: (d / "a.csv").write_text("1"), "run")
    real, calls = Path.rename, []

    def rename(self: Path, target):  # type: ignore[no-untyped-def]
        calls.append(self)
        if len(calls) == 2:  # the new results into place
            raise KeyboardInterrupt
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        atomically(out, lambda d: (d / "a.csv").write_text("2"), "run")
    monkeypatch.undo()
    assert (out / "a.csv").read_text() == "1" and is_sim_results(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_saved_replications_in_the_way_are_not_sims_unless_laid_out_as_sims(
        sandbox: Path) -> None:
    """``.OUT.unfinished`` is trusted by its contents, not its name: a link or a directory
    of the user's there is refused, never emptied."""
    mine = sandbox / "mydata"
    (mine / "000").mkdir(parents=True)
    (mine / "000" / "notes.csv").write_text("keep")
    (sandbox / ".res.unfinished").symlink_to(mine, target_is_directory=True)
    for extra in ((), ("--force",), ("--resume", "--force")):
        r = run(sandbox, "--out", "res", *extra)
        assert r.returncode == 2 and "is in the way of sim's saved replications" in r.stderr
    assert (mine / "000" / "notes.csv").read_text() == "keep"


def test_calibrate_takes_the_lock_on_its_file(sandbox: Path) -> None:
    out = sandbox / "fit.yaml"
    holder = hold_lock(out)
    try:
        r = sim("calibrate", str(SCENARIOS / "baseline.yaml"), "--out", str(out),
                cwd=sandbox)
        assert r.returncode == 2 and "being written by another sim run" in r.stderr, r.stderr
    finally:
        holder.kill()
        holder.wait()


def test_what_sim_report_adds_at_any_depth_is_sims(tmp_path: Path) -> None:
    from sim.outputs.ownership import foreign_entries

    def fill(d: Path) -> None:
        (d / "a").mkdir()
        (d / "a" / "run.json").write_text("{}")

    out = atomically(tmp_path / "cmp", fill, "comparison")
    (out / "a" / "report.html").write_text("<html>")  # sim report cmp/a
    (out / ".report.html.x1y2z3w4.partial").write_text("<ht")  # a stopped sim report
    assert foreign_entries(out) == [] and is_sim_results(out)
    (out / "a" / "notes.html").write_text("mine")
    assert foreign_entries(out) == ["a/notes.html"]
