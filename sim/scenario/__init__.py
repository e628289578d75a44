"""The scenario format and how files are read.

``schema`` is the whole format (``Scenario``), with a module per section (``demand``,
``initial_state``, ``workforce``, ``allocation``, ``interventions``, ``costs``) on shared
field types (``fields``) and ``distributions``. ``loader`` reads files (``yaml_reader``) and
turns what is wrong into one-line messages (``errors``). ``council`` writes a baseline for
any English council from its published figures (``council_rates``, ``yaml_writer``).
"""

from sim.scenario.loader import ScenarioError, load_scenario, with_overrides
from sim.scenario.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "with_overrides"]
