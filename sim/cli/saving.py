"""Saving each replication as it finishes, for every command that simulates into a results
directory (run, compare, sweep), and what the user is told when a run stops early.

A run of one scenario saves into ``.OUT.unfinished/``; a run of several (a comparison, a
sweep's options) into ``.OUT.unfinished/000/``, ``001/``... in the order given, each a
``Checkpoint`` that knows its scenario, so a resume with anything changed is refused."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator, Mapping
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import typer

from sim.cli.common import err_console, fail, out_name, write_failed
from sim.experiment.checkpoint import Checkpoint, CheckpointMismatch
from sim.model.invariants import InvariantError
from sim.outputs.files import checkpoint_dir
from sim.scenario import Scenario


def refuse_unfinished(out: Path, force: bool, resume: bool) -> bool:
    """Refuse to start afresh over an unfinished run without --resume or --force (its
    replications would be lost); whether one is there."""
    out_name(out)  # before any use of the name: a name too long is refused in one line
    saved = checkpoint_dir(out)
    if (saved.exists() or saved.is_symlink()) and not saved_by_sim(saved):
        fail(f"--out: {saved} is in the way of sim's saved replications and is not sim's; "
             "move it, or choose another --out")
    if saved.exists() and not (force or resume):
        n = len(list(saved.rglob("r*.npz")))
        fail(f"--out: an unfinished run for {out} is saved in {saved} ({n} replications); "
             "add --resume to finish it, or --force to start again")
    return saved.exists()


def saved_by_sim(d: Path) -> bool:
    """Whether ``d`` holds nothing but saved replications, as sim lays them out: a run
    (``run.json``, ``replications/``) or runs of several scenarios in subdirectories
    (``000``..., or a calibration's identity digests). Anything else — a symbolic link, a
    file, a directory of the user's — is never removed or written into."""
    if d.is_symlink() or not d.is_dir():
        return False
    for p in d.iterdir():
        if p.name.startswith(".") and p.name.endswith(".tmp") and p.is_file():
            continue  # a save under way when the run was stopped
        if p.name == "run.json" and p.is_file() and not p.is_symlink():
            continue
        if p.name == "replications" and p.is_dir() and not p.is_symlink():
            if all(q.is_file() and not q.is_symlink() for q in p.iterdir()):
                continue
            return False
        if re.fullmatch(r"[0-9]{3}|[0-9a-f]{16}", p.name) and saved_by_sim(p):
            continue
        return False
    return True


def _open(directory: Path, sc: Scenario, seed: int, fixed: bool, force: bool,
          resume: bool) -> tuple[Checkpoint, bool]:
    """A checkpoint for ``sc`` in ``directory``; whether it holds a resumed run."""
    if resume and directory.exists():
        try:
            return Checkpoint.resume(directory, sc, seed, fixed), True
        except CheckpointMismatch as e:
            if not force:
                fail(f"--resume: {e}")
            err_console.print("the saved run does not match (--force): starting again",
                              soft_wrap=True)
    return Checkpoint.create(directory, sc, seed, fixed), False


def saving_root(out: Path, resume: bool) -> Path:
    """Where a run into ``out`` saves its replications: emptied unless resuming (call
    ``refuse_unfinished`` first, which makes sure what is there is sim's)."""
    root = checkpoint_dir(out)
    if root.exists() and not resume:
        shutil.rmtree(root)  # sim's own save of a run the user chose to start again
    return root


def open_checkpoints(out: Path, scenarios: dict[str, Scenario], seed: int,
                     fixed: bool | Mapping[str, bool], force: bool, resume: bool
                     ) -> dict[str, Checkpoint]:
    """Where this run saves each replication as it finishes, by scenario: new, or with
    --resume what an interrupted run of the same scenarios saved. ``fixed``: whether the
    uncertain effects are at their central values, for all or by scenario."""
    root = saving_root(out, resume)
    single = len(scenarios) == 1
    cks: dict[str, Checkpoint] = {}
    resumed = 0
    try:
        for i, (name, sc) in enumerate(scenarios.items()):
            central = fixed if isinstance(fixed, bool) else fixed[name]
            ck, again = _open(root if single else root / f"{i:03d}", sc, seed, central, force,
                              resume)
            cks[name] = ck
            resumed += len(ck.saved()) if again else 0
    except OSError as e:
        fail(f"--out: cannot write in {root.parent} ({e.strerror or e})")
    if resume:
        err_console.print(f"resuming: {resumed} replication(s) saved in {root}" if resumed
                          else "nothing saved to resume: starting from the first replication",
                          soft_wrap=True)
    return cks


def n_saved(cks: dict[str, Checkpoint]) -> int:
    return sum(len(ck.saved()) for ck in cks.values())


@contextlib.contextmanager
def stopping_early(cks: dict[str, Checkpoint], out: Path) -> Iterator[None]:
    """Run the replications; if they stop early (Ctrl-C, a kill, a full disk, a broken
    invariant), say in one line what is saved and how to finish."""
    where = checkpoint_dir(out)
    try:
        yield
    except InvariantError as e:
        err_console.print(f"[bold red]invariant broken:[/] {e}; the replications finished "
                          f"before are saved in {where}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=3) from None
    except OSError as e:  # saving a replication failed (a full disk, say)
        err_console.print(f"[bold red]error:[/] cannot save a replication in {where}: {e}; "
                          f"the {n_saved(cks)} saved so far are kept: fix the cause and run "
                          "the same command with --resume", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    except BrokenProcessPool:
        fail(f"a worker process died (killed, perhaps for lack of memory?); the "
             f"{n_saved(cks)} finished replication(s) are saved in {where}: run the same "
             "command with --resume (with fewer --jobs if memory is short)", 1)
    except KeyboardInterrupt:
        err_console.print(f"interrupted: {n_saved(cks)} finished replication(s) are saved "
                          f"in {where}; the same command with --resume finishes the run",
                          highlight=False, soft_wrap=True)
        raise typer.Exit(code=130) from None


@contextlib.contextmanager
def writing(cks: dict[str, Checkpoint], out: Path) -> Iterator[None]:
    """Write the results; if that fails or is interrupted, say that the replications are
    kept and how to write them. The saved replications go once the results are written."""
    where = checkpoint_dir(out)
    try:
        yield
    except KeyboardInterrupt:
        err_console.print(f"interrupted while writing the results: all {n_saved(cks)} "
                          f"replications are saved in {where}; the same command with "
                          "--resume writes them", highlight=False, soft_wrap=True)
        raise typer.Exit(code=130) from None
    except OSError as e:
        write_failed(e, out, f"the finished replications are kept in {where}",
                     "run the same command with --resume")
    shutil.rmtree(where, ignore_errors=True)


def report_damaged(cks: dict[str, Checkpoint]) -> None:
    damaged = sum(len(ck.damaged) for ck in cks.values())
    if damaged:
        err_console.print(f"{damaged} saved replication(s) were damaged and were run again",
                          soft_wrap=True)
