"""Nothing lost: replications saved as they finish, resumed after Ctrl-C or SIGKILL to the
same results as an uninterrupted run; damaged saves run again; results never overwritten
without --force; an unwritable place refused before any work."""

from __future__ import annotations

import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from sim.experiment.checkpoint import Checkpoint, CheckpointMismatch
from sim.experiment.runner import run_replications
from sim.outputs.files import checkpoint_dir

from .conftest import SCENARIOS, variant
from .test_cli import sim

TABLES = ("annual.csv", "summary.csv", "parameters.csv", "budget.csv", "budget_summary.csv",
          "weekly.parquet")


def write_tiny(directory: Path) -> Path:
    """The baseline over 1.3 years, 6 replications: about 0.3 s a replication."""
    p = directory / "tiny.yaml"
    p.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: tiny\n"
                 "run: {horizon_years: 1.3, replications: 6}\n")
    return p


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_tiny(tmp_path)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An uninterrupted run of the tiny scenario (6 replications)."""
    d = tmp_path_factory.mktemp("ref")
    r = sim("run", str(write_tiny(d)), "--jobs", "1", "--out", str(d / "ref"), cwd=d)
    assert r.returncode == 0, r.stderr
    return d / "ref"


def same_tables(a: Path, b: Path) -> None:
    for f in TABLES:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


# ------------------------------------------------------------------ the checkpoint itself


def test_saved_replications_read_back_exactly(short, tmp_path: Path) -> None:
    sc = variant(short, run__horizon_years=1.2)
    ck = Checkpoint.create(tmp_path / "ck", sc, 5, False)
    saved = run_replications(sc, 2, 5, 1, checkpoint=ck)
    plain = run_replications(sc, 2, 5, 1)
    again = run_replications(sc, 2, 5, 1, checkpoint=Checkpoint.resume(tmp_path / "ck", sc, 5,
                                                                          False))
    for r in (saved, again):
        assert r.annual.equals(plain.annual) and r.budget.equals(plain.budget)
        assert r.parameters.equals(plain.parameters) and r.totals.equals(plain.totals)
        assert (r.weekly_values == plain.weekly_values).all()
    assert ck.saved() == [0, 1]


@pytest.mark.parametrize("damage", [pytest.param(d, marks=pytest.mark.slow) if d != "truncate"
                                    else d for d in ("flip", "truncate", "garbage", "empty",
                                                     "renamed")])
def test_damaged_save_is_detected(short, tmp_path: Path, damage: str) -> None:
    sc = variant(short, run__horizon_years=1.2)
    ck = Checkpoint.create(tmp_path / "ck", sc, 5, False)
    run_replications(sc, 2, 5, 1, checkpoint=ck)
    p = ck.path(1)
    raw = bytearray(p.read_bytes())
    if damage == "flip":  # one bit of data in the largest array (not a header's date)
        with zipfile.ZipFile(p) as z:
            info = max(z.infolist(), key=lambda i: i.file_size)
        at = info.header_offset
        name_len, extra_len = struct.unpack("<HH", bytes(raw[at + 26:at + 30]))
        raw[at + 30 + name_len + extra_len + info.compress_size // 2] ^= 0x01
        p.write_bytes(bytes(raw))
    elif damage == "truncate":
        p.write_bytes(bytes(raw[: len(raw) // 3]))
    elif damage == "garbage":
        p.write_bytes(os.urandom(len(raw)))
    elif damage == "empty":
        p.write_bytes(b"")
    else:  # replication 0's file under replication 1's name
        shutil.copy(ck.path(0), p)
    ck = Checkpoint.resume(tmp_path / "ck", sc, 5, False)
    assert ck.load(1) is None and ck.load(0) is not None
    redone = run_replications(sc, 2, 5, 1, checkpoint=ck)
    assert ck.damaged == [1]
    assert redone.annual.equals(run_replications(sc, 2, 5, 1).annual)


def test_resume_refused_when_anything_changed(short, tmp_path: Path) -> None:
    sc = variant(short, run__horizon_years=1.2)
    Checkpoint.create(tmp_path / "ck", sc, 5, False)
    other = variant(sc, workforce__establishment__case_holding=400)
    with pytest.raises(CheckpointMismatch, match=r"workforce\.establishment\.case_holding"):
        Checkpoint.resume(tmp_path / "ck", other, 5, False)
    with pytest.raises(CheckpointMismatch, match="seed was 5 and is now 6"):
        Checkpoint.resume(tmp_path / "ck", sc, 6, False)
    with pytest.raises(CheckpointMismatch, match="fixed-parameters"):
        Checkpoint.resume(tmp_path / "ck", sc, 5, True)
    meta = tmp_path / "ck" / "run.json"
    saved = json.loads(meta.read_text())
    meta.write_text(json.dumps({**saved, "sim_version": "0.0.1"}))
    with pytest.raises(CheckpointMismatch, match=r"sim 0\.0\.1"):
        Checkpoint.resume(tmp_path / "ck", sc, 5, False)
    meta.write_text("{not json")
    with pytest.raises(CheckpointMismatch, match="unreadable"):
        Checkpoint.resume(tmp_path / "ck", sc, 5, False)


# ------------------------------------------------------------------ the command line


@pytest.mark.slow
def test_second_run_without_force_leaves_the_first_untouched(tiny: Path, tmp_path: Path,
                                                              reference: Path) -> None:
    out = tmp_path / "out"
    assert sim("run", str(tiny), "-j", "1", "--out", str(out), cwd=tmp_path).returncode == 0
    before = {f: (out / f).read_bytes() for f in os.listdir(out)}
    r = sim("run", str(tiny), "-j", "1", "-r", "2", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 2 and "--force" in r.stderr and r.stderr.count("\n") == 1
    assert {f: (out / f).read_bytes() for f in os.listdir(out)} == before
    same_tables(out, reference)
    r = sim("run", str(tiny), "-j", "1", "-r", "2", "--out", str(out), "--force", cwd=tmp_path)
    assert r.returncode == 0
    assert json.loads((out / "run.json").read_text())["replications"] == 2
    assert not checkpoint_dir(out).exists()  # cleared once complete


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_uninterrupted_results(tiny: Path, tmp_path: Path,
                                                              reference: Path) -> None:
    out = tmp_path / "out"
    saved = checkpoint_dir(out) / "replications"
    cmd = [sys.executable, "-m", "sim.cli", "run", str(tiny), "--jobs", "2", "--out", str(out)]
    p = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and p.poll() is None:
            if saved.is_dir() and len(list(saved.glob("r*.npz"))) >= 2:
                break
            time.sleep(0.05)
        assert p.poll() is None, "the run ended before it could be killed"
        os.killpg(p.pid, signal.SIGKILL)  # the run and its worker processes, at once
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    n_saved = len(list(saved.glob("r*.npz")))
    assert 2 <= n_saved < 6 and not out.exists()
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "--resume" in r.stderr  # not silently started again
    r = subprocess.run([*cmd, "--resume"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"resuming: {n_saved} replication(s)" in r.stderr
    same_tables(out, reference)
    assert not checkpoint_dir(out).exists()


@pytest.mark.slow
def test_ctrl_c_saves_what_finished_and_says_how_to_resume(tiny: Path, tmp_path: Path,
                                                           reference: Path) -> None:
    out = tmp_path / "out"
    saved = checkpoint_dir(out) / "replications"
    cmd = [sys.executable, "-m", "sim.cli", "run", str(tiny), "--jobs", "1", "--out", str(out)]
    # a pytest-xdist worker ignores SIGINT, and a child inherits that: restore the default,
    # so the run gets Ctrl-C as it would from a terminal
    p = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and p.poll() is None:
        if saved.is_dir() and len(list(saved.glob("r*.npz"))) >= 1:
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "Traceback" not in err and "--resume" in err
    assert not out.exists()
    r = subprocess.run([*cmd, "--resume"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    same_tables(out, reference)


def test_resume_with_a_changed_scenario_is_refused(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    ck = checkpoint_dir(out)
    from sim.scenario import load_scenario

    sc = load_scenario(tiny)
    Checkpoint.create(ck, sc, sc.run.seed, False)
    tiny.write_text(tiny.read_text().replace("horizon_years: 1.3", "horizon_years: 1.4"))
    r = sim("run", str(tiny), "-j", "1", "--out", str(out), "--resume", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "run.horizon_years (1.3 -> 1.4)" in r.stderr and "--force" in r.stderr
    assert not out.exists() and ck.exists()  # what was saved is kept


@pytest.mark.slow
def test_damaged_save_is_run_again_on_resume(tiny: Path, tmp_path: Path,
                                             reference: Path) -> None:
    out = tmp_path / "out"
    from sim.scenario import load_scenario

    sc = load_scenario(tiny)
    ck = Checkpoint.create(checkpoint_dir(out), sc, sc.run.seed, False)
    run_replications(sc, 3, jobs=1, checkpoint=ck)
    p = ck.path(1)
    p.write_bytes(p.read_bytes()[:-100])
    r = sim("run", str(tiny), "-j", "1", "--out", str(out), "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 saved replication(s) were damaged and were run again" in r.stderr
    same_tables(out, reference)


def _make_unwritable(d: Path) -> bool:
    """Make a directory unwritable, even for root where possible (chattr +i)."""
    d.chmod(0o555)
    probe = d / ".probe"
    try:
        probe.touch()
    except OSError:
        return True
    probe.unlink()
    ok = subprocess.run(["chattr", "+i", str(d)], capture_output=True).returncode == 0 \
        if shutil.which("chattr") else False
    return ok


def test_unwritable_place_refused_before_any_work(tiny: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    if not _make_unwritable(locked):
        pytest.skip("cannot make a directory unwritable here")
    try:
        r = sim("run", str(tiny), "-j", "1", "--out", str(locked / "out"), cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.count("\n") == 1
        assert "cannot write" in r.stderr and str(locked) in r.stderr
        assert "Traceback" not in r.stderr + r.stdout
        assert os.listdir(locked) == []
    finally:
        subprocess.run(["chattr", "-i", str(locked)], capture_output=True)
        locked.chmod(0o755)


@pytest.mark.slow
def test_failed_final_write_keeps_the_replications(tiny: Path, tmp_path: Path,
                                                   reference: Path, monkeypatch) -> None:
    """The disk fills up as the results are written: nothing half-written is left in
    --out, the replications are kept, and --resume finishes without running them again."""
    import sim.outputs.files as files

    out = tmp_path / "out"

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_weekly_parquet", full)
    r = sim("run", str(tiny), "-j", "1", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 1 and "no space left on device" in r.stderr
    assert "--resume" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
    assert len(list((checkpoint_dir(out) / "replications").glob("r*.npz"))) == 6
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
    monkeypatch.undo()
    r = sim("run", str(tiny), "-j", "1", "--out", str(out), "--resume", cwd=tmp_path)
    assert r.returncode == 0 and "resuming: 6 replication(s)" in r.stderr
    same_tables(out, reference)


def _rewrite(path: Path, **changes) -> None:
    import numpy as np

    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(changes)
    for k in [k for k, v in changes.items() if v is None]:
        del arrays[k]
    with open(path, "wb") as f:
        np.savez(f, **arrays)


@pytest.mark.slow  # the quick set keeps one damaged save (test_damaged_save_is_detected)
@pytest.mark.parametrize("change", ["narrow weekly", "float32 weekly", "short annual",
                                    "int annual", "no budget"])
def test_well_formed_but_wrong_saves_are_damage(short, tmp_path: Path, change: str) -> None:
    """A readable file that is not what a replication writes is not taken as data."""
    import numpy as np

    sc = variant(short, run__horizon_years=1.2)
    ck = Checkpoint.create(tmp_path / "ck", sc, 5, False)
    run_replications(sc, 2, 5, 1, checkpoint=ck)
    p = ck.path(1)
    with np.load(p) as z:
        w, av, af, am = z["weekly_values"], z["annual_value"], z["annual_fy"], z["annual_metric"]
    changes = {"narrow weekly": {"weekly_values": w[:, :5]},
               "float32 weekly": {"weekly_values": w.astype(np.float32)},
               "short annual": {"annual_value": av[:5], "annual_fy": af[:5],
                                "annual_metric": am[:5]},
               "int annual": {"annual_value": av.astype(np.int64)},
               "no budget": {"budget_fy": None, "budget_line": None, "budget_cost": None,
                             "budget_cost_real": None}}[change]
    _rewrite(p, **changes)
    assert ck.load(1) is None  # the run's own shape is known from replication 0 and 1
    ck2 = Checkpoint.resume(tmp_path / "ck", sc, 5, False)
    redone = run_replications(sc, 2, 5, 1, checkpoint=ck2)
    assert redone.annual.equals(run_replications(sc, 2, 5, 1).annual)


def test_resume_refused_when_the_code_changed(short, tmp_path: Path) -> None:
    sc = variant(short, run__horizon_years=1.2)
    Checkpoint.create(tmp_path / "ck", sc, 5, False)
    meta = tmp_path / "ck" / "run.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "code": "0123456789abcdef"}))
    with pytest.raises(CheckpointMismatch, match="code has changed"):
        Checkpoint.resume(tmp_path / "ck", sc, 5, False)
    meta.write_text("[1, 2, 3]")
    with pytest.raises(CheckpointMismatch, match="unreadable"):
        Checkpoint.resume(tmp_path / "ck", sc, 5, False)


def test_resume_with_force_starts_again_when_the_saved_run_differs(tiny: Path,
                                                                   tmp_path: Path) -> None:
    from sim.scenario import load_scenario

    out = tmp_path / "out"
    sc = load_scenario(tiny)
    Checkpoint.create(checkpoint_dir(out), sc, sc.run.seed + 1, False)
    r = sim("run", str(tiny), "-j", "1", "-r", "2", "--out", str(out), "--resume", "--force",
            cwd=tmp_path)
    assert r.returncode == 0 and "starting again" in r.stderr


def test_a_full_disk_while_saving_keeps_what_was_saved(tiny: Path, tmp_path: Path,
                                                       monkeypatch) -> None:
    out = tmp_path / "out"
    real = Checkpoint.save

    def save(self, result):
        if result.replication >= 2:
            raise OSError(28, "No space left on device")
        real(self, result)

    monkeypatch.setattr(Checkpoint, "save", save)
    r = sim("run", str(tiny), "-j", "1", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 1 and "No space left on device" in r.stderr
    assert "--resume" in r.stderr and "internal error" not in r.stderr
    assert len(list((checkpoint_dir(out) / "replications").glob("r*.npz"))) == 2


@pytest.mark.slow
def test_ctrl_c_while_writing_says_how_to_finish(tiny: Path, tmp_path: Path,
                                                 monkeypatch) -> None:
    import sim.outputs.files as files

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "write_weekly_parquet", interrupted)
    out = tmp_path / "out"
    r = sim("run", str(tiny), "-j", "1", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 130 and "--resume" in r.stderr and not out.exists()
    assert len(list((checkpoint_dir(out) / "replications").glob("r*.npz"))) == 6
