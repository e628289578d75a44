"""The SimPy model of the service. No files, plots or command line here: ``simulate`` takes
a scenario and a replication number and returns tables."""

from sim.model.simulation import ReplicationResult, simulate

__all__ = ["ReplicationResult", "simulate"]
