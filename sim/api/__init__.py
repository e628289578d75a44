"""The Python API for analysts: everything the ``sim`` commands do, from a script, a
notebook or an interactive session, with pandas tables, matplotlib figures and the same
files the commands write.

======================  ===========================  ====================================
function                returns                      as the command
======================  ===========================  ====================================
``load_scenario``       ``Scenario``                 ``sim validate``
``run``                 ``RunResults``               ``sim run``
``compare``             ``ComparisonResults``        ``sim compare``
``sweep``               ``SweepResults``             ``sim sweep``
``backtest``            ``BacktestResults``          ``sim backtest``
``calibrate``           ``Calibration``              ``sim calibrate``
``init_council``        ``CouncilScenario``          ``sim init`` (``councils``: ``--list``)
``report``              the files written            ``sim report``
``load_results``        ``RunResults`` or            a results directory read back
                        ``ComparisonResults``
======================  ===========================  ====================================

Each results object has ``summary()`` and its tables (pandas DataFrames, the shapes of the
files the command writes), ``figures()`` (name -> matplotlib ``Figure``: the charts the
command writes as PNGs, named by their files) and ``save(directory)`` (the command's files,
written all at once; earlier results are replaced only with ``force=True``). See
``sim.api.results``.

>>> import sim
>>> scenario = sim.load_scenario("scenarios/baseline.yaml")
>>> scenario.demand.referrals_per_year
9490.0
"""

from sim.api.results import (
    BacktestResults,
    Calibration,
    ComparisonResults,
    CouncilScenario,
    RunResults,
    SweepResults,
)
from sim.api.runs import compare, load_scenario, run
from sim.api.studies import (
    backtest,
    calibrate,
    councils,
    init_council,
    load_results,
    report,
    sweep,
)
from sim.experiment.executors import ExecutorSpec
from sim.outputs.comparison import unpaired_ci
from sim.scenario import Scenario, ScenarioError

__all__ = [
    "BacktestResults", "Calibration", "ComparisonResults", "CouncilScenario", "ExecutorSpec",
    "RunResults", "Scenario", "ScenarioError", "SweepResults", "backtest", "calibrate",
    "compare", "councils", "init_council", "load_results", "load_scenario", "report", "run",
    "sweep", "unpaired_ci",
]
