"""The ``sim`` command itself: the Typer app, mistakes on the command line reported in one
line like every other mistake in the user's input, and ``main``, which turns anything else
(a bug in sim) into one line with the details in a file. The commands are registered on
``app`` in ``__init__.py``."""

from __future__ import annotations

import errno
import os
import re
import signal
import sys
import tempfile
import traceback
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from types import FrameType
from typing import Any, NoReturn

import typer
import typer.core
from rich.markup import escape

from sim.cli.common import err_console
from sim.model.stalls import StalledRun
from sim.outputs.ownership import OutputError, release_all


def _usage_message(e: typer.TyperException) -> str:
    """One line for a mistake on the command line: the option, what is allowed, what was
    found, and where the help is."""
    ctx = getattr(e, "ctx", None)
    see = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
    param = getattr(e, "param", None)
    kind = type(e).__name__
    if param is None or kind not in ("BadParameter", "MissingParameter"):
        msg = e.format_message().rstrip(".")
        msg = msg[:1].lower() + msg[1:]
        return msg + (f" ({see[2:]})" if see and msg.endswith("?") else see)
    name = "/".join(param.opts) if getattr(param, "param_type_name", "") == "option" \
        else param.name.upper()
    if kind == "MissingParameter":
        return f"{name}: is required but missing{see}"
    cause = e.__cause__
    errors = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    found = ""
    if errors and "input" in errors[0]:
        v = errors[0]["input"]
        found = f" (found {v if re.fullmatch(r'[-+.0-9eE]+', str(v)) else repr(v)})"
    lo, hi = getattr(param, "min", None), getattr(param, "max", None)
    if lo is None and hi is None:
        return f"{name}: {e.message.rstrip('.')}{found}{see}"
    what = "a whole number" if isinstance(lo if lo is not None else hi, int) else "a number"
    allowed = (f"from {lo} to {hi}" if lo is not None and hi is not None else
               f"of at least {lo}" if lo is not None else f"of at most {hi}")
    return f"{name}: expected {what} {allowed}{found}{see}"


class OneLineErrors(typer.core.TyperGroup):
    """The ``sim`` group, reporting a mistake on the command line (a value out of range, an
    unknown option, a missing argument) in one line with exit status 2, like every other
    mistake in the user's input; typer would draw a box of several lines around it."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args,
                                **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, windows_expand_args,
                              **extra)
        except typer.TyperException as e:
            if type(e).__name__ != "NoArgsIsHelpError":  # that one has printed the help
                err_console.print(f"[bold red]error:[/] {escape(_usage_message(e))}",
                                  highlight=False, soft_wrap=True)
            sys.exit(getattr(e, "exit_code", 2))
        except typer.Abort:
            err_console.print("aborted")
            sys.exit(1)
        finally:
            release_all()  # the locks on results directories end with the command
        # without standalone mode, typer returns what the command returned (None), or the
        # status of a typer.Exit
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        # Ctrl-C in a command that does not report it itself (run says what it saved):
        # one line; typer would end with status 130 and say nothing
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            err_console.print("interrupted", highlight=False)
            raise typer.Exit(code=130) from None


app = typer.Typer(
    cls=OneLineErrors,
    help="Simulate a council's children's social care service.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Simulate a council's children's social care service: referrals, cases, social
    workers and allocation. Start with `sim run scenarios/baseline.yaml`."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # a kill (SIGTERM) stops a run as Ctrl-C does: work is saved


def main() -> None:
    """The ``sim`` command. Errors in the user's input are reported by the commands (one
    line, status 2); a problem of the machine (a worker killed, memory or disk space run
    out) is one line, status 1; anything else is a bug in sim: one line, the traceback in a
    file (or on the terminal with SIM_DEBUG=1), status 70."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C outside a command (a command reports its own)
        err_console.print("interrupted", highlight=False)
        sys.exit(130)
    except StalledRun as e:  # the scenario's durations, not sim: one line, status 2
        _one_line(str(e), 2)
    except OutputError as e:  # where the results were to go (changed as sim wrote, say)
        _one_line(f"--out: {e}", 2)
    except (BrokenProcessPool, MemoryError, OSError) as e:  # the machine, not sim
        why = environment_problem(e)
        if why is None:
            _crash(e)
        _one_line(why, 2 if getattr(e, "errno", None) == errno.ENAMETOOLONG else 1)
    except Exception as e:  # the last resort: reported in full, to a file
        _crash(e)


def environment_problem(e: BaseException) -> str | None:
    """What to do about a problem of the machine (a worker killed, memory or disk space
    run out, a file that cannot be written) in one line, or None if it is not one."""
    if isinstance(e, BrokenProcessPool):
        return ("a worker process died (killed, perhaps for lack of memory?); run the "
                "command again, with fewer --jobs if memory is short")
    if isinstance(e, MemoryError):
        return ("this machine ran out of memory; run the command again with fewer --jobs, "
                "or a smaller scenario (fewer referrals, a shorter run.horizon_years)")
    if isinstance(e, OSError) and ("trying to connect" in str(e)
                                   or type(e).__module__.startswith("distributed")):
        return (f"lost the Dask scheduler ({e}); check that it is running and reachable, "
                "and run the command again")
    if isinstance(e, OSError) and e.errno in (
            errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO,
            errno.ENAMETOOLONG, errno.EMFILE, errno.ENFILE):
        where = f" {e.filename}" if e.filename else ""
        return (f"cannot use{where}: {e.strerror or e}; fix the cause (free some space, a "
                "shorter name, permissions) and run the same command again")
    return None


def _one_line(message: str, status: int) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                      soft_wrap=True)
    sys.exit(status)


def _crash(e: BaseException) -> NoReturn:
    """A bug in sim: one line, the traceback in a file (or raised with SIM_DEBUG=1)."""
    if os.environ.get("SIM_DEBUG"):
        raise e
    fd, log = tempfile.mkstemp(prefix="sim-crash-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        traceback.print_exception(e, file=f)
    err_console.print(f"[bold red]internal error:[/] {type(e).__name__}: {e}. This is a "
                      f"bug in sim, not in your input; the details are in {log}",
                      highlight=False, soft_wrap=True)
    sys.exit(70)
