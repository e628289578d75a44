"""The scenario format (``schema``), its distributions and how files are read (``loader``)."""

from sim.scenario.loader import ScenarioError, load_scenario, with_overrides
from sim.scenario.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "with_overrides"]
