"""Which directories are sim's to replace, and one writer at a time.

Every results directory sim writes carries a manifest, ``.sim-results.json``: the run's
identity and every path sim wrote in it. ``--force`` replaces a directory only when the
manifest is there and lists everything the directory holds, so a directory a user made (or
added a file to) is never moved or deleted, whatever files it holds. Destinations are
resolved (symlinks and ``..``) before any check. A lock file beside the destination,
``.NAME.lock``, keeps two runs from writing one directory; the kernel drops it when its
process ends, however it ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

from sim import __version__

MANIFEST = ".sim-results.json"
PARTIAL_MARK = ".sim-partial"  # in a temporary directory sim is filling
# what sim may add to a finished results directory (sim report)
ADDED_LATER = ("report.html", "report.pdf")


class OutputError(Exception):
    """The results cannot be written where asked; the message says why in one line."""


def resolved(out: Path | str) -> Path:
    """``out`` with ``~``, symlinks and ``..`` resolved, as every check must see it."""
    return Path(out).expanduser().resolve()


def _entries(d: Path) -> list[str]:
    """Every path under ``d`` (files and directories), relative, sorted."""
    found = []
    for root, dirs, files in os.walk(d):
        rel = Path(root).relative_to(d)
        found += [str(rel / n) for n in dirs + files]
    return sorted(p for p in found if p != MANIFEST)


def write_manifest(d: Path, kind: str) -> None:
    """Record that sim wrote everything now in ``d`` (call when it is complete)."""
    meta = {"written_by": "sim", "sim_version": __version__, "kind": kind,
            "id": uuid.uuid4().hex, "written": dt.datetime.now(dt.UTC).isoformat(
                timespec="seconds"), "entries": _entries(d)}
    (d / MANIFEST).write_text(json.dumps(meta, indent=1) + "\n")


def read_manifest(d: Path) -> dict | None:
    """The manifest of a directory sim wrote, or None."""
    try:
        meta = json.loads((d / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("written_by") == "sim" else None


def foreign_entries(d: Path) -> list[str]:
    """What ``d`` holds that sim's manifest does not list (everything, with no manifest)."""
    meta = read_manifest(d)
    if meta is None:
        return _entries(d)
    listed = set(meta.get("entries", []))
    return [p for p in _entries(d) if p not in listed and not _added_by_sim(Path(p).name)]


def _added_by_sim(name: str) -> bool:
    """What ``sim report`` writes into results, at any depth (a comparison's scenario has
    its own report), or leaves there if it is stopped as it writes."""
    return name in ADDED_LATER or any(
        re.fullmatch(rf"\.{re.escape(a)}\.[A-Za-z0-9_]{{8}}\.partial", name)
        for a in ADDED_LATER)


def is_sim_results(d: Path) -> bool:
    """Whether ``d`` is a results directory sim wrote, holding nothing else."""
    return d.is_dir() and read_manifest(d) is not None and not foreign_entries(d)


SIBLING_ROOM = 20  # what sim adds to a destination's name beside it: .NAME.abcd1234.partial


def check_name(out: Path | str, room: int = SIBLING_ROOM) -> None:
    """Refuse in one line a destination whose name (or path) is too long for the file
    system, with ``room`` for what sim adds to it (``.NAME.unfinished``, ``.NAME.lock``)."""
    out = Path(out).expanduser().absolute()
    name_max, path_max = 255, 4096
    for top in out.parents:
        with contextlib.suppress(OSError, ValueError):
            if top.is_dir():
                name_max = os.pathconf(top, "PC_NAME_MAX")
                path_max = os.pathconf(top, "PC_PATH_MAX")
                break
    for part in out.parts:
        if len(os.fsencode(part)) + room > name_max:
            raise OutputError(f"the name {part[:30]}... is {len(part)} characters long; this "
                              f"file system allows {name_max - room} here: choose a shorter "
                              "--out")
    if len(os.fsencode(str(out))) + room > path_max:
        raise OutputError(f"the path is {len(str(out))} characters long; this file system "
                          f"allows {path_max - room}: choose a shorter --out")


def check_destination(out: Path | str) -> Path:
    """The resolved destination, refused in one line if it is not sim's to write: a file,
    a directory of the user's (or one sim wrote that now holds anything else), the
    working directory, the home directory or anything above them, a name too long."""
    check_name(out)
    out = resolved(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a results directory")
    cwd, home = Path.cwd().resolve(), Path.home().resolve()
    if out in (cwd, home) or out in cwd.parents or out in home.parents or out.parent == out:
        raise OutputError(f"{out} is the working directory, the home directory or above "
                          "them; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not is_sim_results(out):
        extra = foreign_entries(out)
        what = ("holds files that sim did not write" if read_manifest(out) is None else
                f"holds {len(extra)} file(s) that sim did not write ({extra[0]})")
        raise OutputError(f"{out} exists and {what}; sim replaces only a directory of its "
                          "own results: choose another --out")
    return out


def leftover_kind(out: Path, p: Path) -> str | None:
    """``partial`` or ``old`` if ``p`` is, by its exact name, a sibling sim made while
    writing ``out`` (``.NAME.XXXXXXXX.partial``, ``.NAME.old-PID``), else None. Exact names,
    not a glob: ``out`` named ``a`` must not claim ``a.b``'s, nor ``*`` everyone's."""
    name = re.escape(out.name)
    if re.fullmatch(rf"\.{name}\.[A-Za-z0-9_]{{8}}\.partial", p.name):
        return "partial"
    if re.fullmatch(rf"\.{name}\.old-[0-9]+", p.name):
        return "old"
    return None


def clear_leftovers(out: Path) -> list[Path]:
    """Remove what an earlier writer of ``out`` left when it was killed: temporary
    directories sim was filling (marked as sim's) and results it was replacing. Call
    holding the lock, so no live writer owns them. The paths removed."""
    gone = []
    for p in out.parent.iterdir():
        kind = leftover_kind(out, p)
        if kind is None or p.is_symlink() or not p.is_dir():
            continue
        # a partial is sim's while it is marked, and once its manifest is written
        if (kind == "partial" and ((p / PARTIAL_MARK).is_file() or is_sim_results(p))) or \
                (kind == "old" and is_sim_results(p)):
            shutil.rmtree(p, ignore_errors=True)
            gone.append(p)
    return gone


_HELD: dict[Path, tuple[int, int]] = {}  # destination: (descriptor, times taken)


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


def acquire(out: Path) -> None:
    """Take the lock on writing ``out`` (again, if this process holds it), or refuse in
    one line if another run holds it."""
    out = resolved(out)
    if out in _HELD:
        fd, n = _HELD[out]
        _HELD[out] = (fd, n + 1)
        return
    path = lock_path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    while True:
        # never through a symlink, and only a regular file: a lock's name may be a user's
        in_the_way = OutputError(f"{path} is in the way of sim's lock on {out} and is not "
                                 "sim's; move it, or choose another --out")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as e:
            if e.errno == errno.ELOOP:  # a symbolic link
                raise in_the_way from None
            raise
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > 32:
            os.close(fd)
            raise in_the_way
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            try:
                pid = path.read_text().strip() or "?"
            except OSError:
                pid = "?"
            raise OutputError(f"{out} is being written by another sim run (process {pid}); "
                              "wait for it to finish, or choose another --out") from None
        # the holder before us may have removed the file as we opened it: lock the one there
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    _HELD[out] = (fd, 1)


def release(out: Path) -> None:
    """Give back a lock ``acquire`` took (the file goes with the last release)."""
    out = resolved(out)
    if out not in _HELD:
        return
    fd, n = _HELD[out]
    if n > 1:
        _HELD[out] = (fd, n - 1)
        return
    del _HELD[out]
    with contextlib.suppress(OSError):
        os.unlink(lock_path(out))
    os.close(fd)


def release_all() -> None:
    """Give back every lock this process holds (a command has ended)."""
    for out in list(_HELD):
        _HELD[out] = (_HELD[out][0], 1)
        release(out)


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the lock on writing ``out`` for the block."""
    acquire(out)
    try:
        yield
    finally:
        release(out)
