"""sim: a discrete-event simulation of a council's children's social care service.

Layers, with arrows one way: ``sim.model`` (SimPy, no I/O) <- ``sim.experiment``
(replications, executors) <- ``sim.outputs`` (tables, plots, files) <- interfaces
(``sim.cli``, this package's API, notebooks).

The Python API (``sim.api``): ``sim.load_scenario``, ``sim.run``, ``sim.compare``.
"""

__version__ = "0.1.0"

from sim.api import compare, load_scenario, run

__all__ = ["__version__", "compare", "load_scenario", "run"]

