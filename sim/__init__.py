"""sim: a discrete-event simulation of a council's children's social care service.

Layers, with arrows one way: ``sim.model`` (SimPy, no I/O) <- ``sim.experiment``
(replications, executors) <- ``sim.outputs`` (tables, plots, files) <- interfaces
(``sim.cli``, this package's API, notebooks).

>>> import sim
>>> scenario = sim.load_scenario("scenarios/baseline.yaml")  # doctest: +SKIP
>>> results = sim.run(scenario, replications=4)  # doctest: +SKIP
"""

__version__ = "0.1.0"

from sim.api import load_scenario, run

__all__ = ["__version__", "load_scenario", "run"]
