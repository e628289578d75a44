"""The ``sim`` command line: ``main`` is the installed command, ``app`` its Typer app.

Each command is a function in the module for its group; this file registers them, in the
order ``sim --help`` lists them. The app itself and ``main`` are in ``entry.py``; what the
commands share (options, errors in one line, the results directory, running replications)
is in ``common.py``.

- ``runs.py``: run, compare, sweep
- ``report.py``: report
- ``checks.py``: check-published, check-costs
- ``councils.py``: init, calibrate, backtest
- ``scenarios.py``: validate, schema
- ``evidence.py``: evidence
- ``webapp.py``: app (the local web app, ``sim/app/``)
"""

import os
import signal
import sys
import threading


def _interrupted_while_starting(signum: int, frame: object) -> None:
    # Ctrl-C in the seconds the imports below take: one line, not a traceback
    sys.stderr.write("interrupted\n")
    sys.stderr.flush()
    os._exit(130)


# only while the command line loads, and only if nothing else (a notebook) handles Ctrl-C
_quiet = (threading.current_thread() is threading.main_thread()
          and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
if _quiet:
    signal.signal(signal.SIGINT, _interrupted_while_starting)

from sim.cli import checks, councils, evidence, report, runs, scenarios, webapp  # noqa: E402
from sim.cli.entry import app, main  # noqa: E402

if _quiet:
    signal.signal(signal.SIGINT, signal.default_int_handler)

app.command()(runs.run)
app.command()(runs.compare)
app.command()(runs.sweep)
app.command()(report.report)
app.command("check-published")(checks.check_published)
app.command()(councils.init)
app.command("calibrate")(councils.calibrate_cmd)
app.command()(councils.backtest)
app.command("check-costs")(checks.check_costs)
app.command()(evidence.evidence)
app.command()(scenarios.validate)
app.command()(scenarios.schema)
app.command("app")(webapp.app)

__all__ = ["app", "main"]
