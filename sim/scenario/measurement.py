"""The ``measurement`` section of a scenario: how the model's counts map onto the
definitions of the figures they are compared with.

The workforce census's caseload (``caseload_per_fte``) is the cases held by social workers
who hold one or more cases, over those workers' FTE (agency workers included), at 30
September. Its "cases" are cases as the council records them: often a family or sibling
group is one case, and cases open to social care that are not children in need (care
leavers, private fostering, ...) are counted too. The model holds one case per open
episode of the children in need census. ``census_cases_per_case`` is how many of the
census's cases one open case of the model stands for: a council's census cases over its
children in need at the base year (``sim init``), 1 where the model's cases are taken to be
the census's.
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.fields import Strict


class Measurement(Strict):
    """How the model's counts map onto the published definitions."""

    census_cases_per_case: float = Field(
        default=1.0, gt=0, le=5,
        description="workforce census cases per case open in the model: the simulated "
        "caseload_per_fte is this times the cases held by case-holding workers over their "
        "number (1: the model's cases are the census's)")
