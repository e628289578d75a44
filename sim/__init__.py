"""sim: a discrete-event simulation of a council's children's social care service.

Layers, with arrows one way: ``sim.model`` (SimPy, no I/O) <- ``sim.experiment``
(replications, executors) <- ``sim.outputs`` (tables, plots, files) <- interfaces
(``sim.cli``, this package's API, notebooks).

The Python API (``sim.api``, each name also here): ``sim.load_scenario``, ``sim.run``,
``sim.compare``, ``sim.sweep``, ``sim.backtest``, ``sim.calibrate``, ``sim.init_council``,
``sim.councils``, ``sim.report``, ``sim.load_results``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

API = ("backtest", "calibrate", "compare", "councils", "init_council", "load_results",
       "load_scenario", "report", "run", "sweep")

__all__ = ["__version__", "backtest", "calibrate", "compare", "councils", "init_council",
           "load_results", "load_scenario", "report", "run", "sweep"]

if TYPE_CHECKING:
    from sim.api import (
        backtest,
        calibrate,
        compare,
        councils,
        init_council,
        load_results,
        load_scenario,
        report,
        run,
        sweep,
    )


def __getattr__(name: str) -> Any:
    # the API is loaded on first use, so that importing one layer (say ``sim.scenario``)
    # does not load every layer above it
    if name in API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
