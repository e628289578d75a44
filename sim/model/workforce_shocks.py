"""Year-to-year moves of the workforce that no plan explains (``workforce.shocks``).

Councils' posts, their success in filling vacancies and their use of agency cover move from
year to year for reasons a scenario does not name (budgets, a neighbour's pay, a restructure).
On each anniversary of the start, this replication's draws move them:

- case-holding posts follow a random walk on their log: round(E0 x (exp(walk) - 1)) posts
  added or removed in all, so a change lasts;
- the chance of filling a vacancy is multiplied by exp(fill_sd x z) for the year;
- the share of new vacancies covered by agency is the scenario's plus agency_cover_sd x z
  for the year, within 0 and 1;
- every permanent worker's leaving hazard is multiplied by exp(leaving_sd x z) for the year.

The draws come from their own stream, four normals a year in order: the same in every
scenario of a comparison, and a longer run extends a shorter one's.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.workforce import Workforce


class WorkforceShocks:
    def __init__(self, s: Scenario, workforce: Workforce, years: int,
                 gen: np.random.Generator) -> None:
        cfg = s.workforce.shocks
        assert cfg is not None
        self.cfg = cfg
        self.workforce = workforce
        self.z = gen.standard_normal((years + 1, 4))
        self.walk = 0.0
        self.start_posts = s.workforce.establishment.case_holding
        self.posts_added = 0

    def year(self, k: int) -> None:
        """The shocks of run year ``k`` (1 on the first anniversary of the start)."""
        z_posts, z_fill, z_cover, z_leave = self.z[k]
        c, wf = self.cfg, self.workforce
        self.walk += c.establishment_sd * z_posts
        target = round(self.start_posts * (math.exp(self.walk) - 1))
        if target != self.posts_added:
            wf.change_establishment("case_holding", target - self.posts_added)
            self.posts_added = target
        wf.recruiting.fill_factor = math.exp(c.fill_sd * z_fill)
        wf.set_cover_shock(c.agency_cover_sd * z_cover)
        wf.leave_factor = math.exp(c.leaving_sd * z_leave)
