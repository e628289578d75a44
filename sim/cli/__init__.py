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

from sim.cli import checks, councils, evidence, report, runs, scenarios, webapp
from sim.cli.entry import app, main

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
