"""The SimPy model of the service. No files, plots or command line here: ``simulate`` takes
a scenario and a replication number and returns tables.

Where things are:

* ``simulation.py``: ``simulate`` and ``Service``, which builds the parts below, schedules
  the dated events (snapshots, recruitment rounds, cohorts, payments, dated changes) and
  runs the clock;
* ``journey.py``: a case's journey from referral to closure and re-referral, told in order
  (start here);
* ``start.py``: the open cases, the waiting ones and the re-referral pool on the start date;
* ``demand.py``: the referrals and each case's path of stages, drawn up front;
* ``allocation.py``: who takes a case, and the queue of cases waiting for a worker;
* ``workforce.py``: posts and workers: hiring, leaving, agency cover, recruitment, cohorts;
* ``interventions.py``: early help, retention payments, recruitment campaigns, dated changes;
* ``measures.py``: the published measures, their definitions, and the code that takes them;
* ``costs.py``: the budget lines, priced from what the year's measures counted;
* ``scheduling.py``: the only code that puts events on SimPy's queue, and the event loop;
* ``calendar.py``, ``randomness.py``, ``uncertainty.py``, ``cases.py``, ``invariants.py``:
  dates, random streams, parameter draws, the case and child objects, the ``--check``
  invariants.
"""

from sim.model.simulation import ReplicationResult, simulate

__all__ = ["ReplicationResult", "simulate"]
