"""The app's settings from its environment, set by `sim app` or by a test.

``SIM_APP_JOBS``: processes a run uses (default: all cores). ``SIM_APP_OVERRIDES``: a JSON
mapping of dotted paths applied to every baseline the app loads, a hook for tests to run
tiny services (``{"run.horizon_years": 1}``); the page says when it is set.
"""

from __future__ import annotations

import json
import os
from typing import Any

DEFAULT_REPLICATIONS = 10  # modest: a first look in a meeting; 20 or more for firm intervals


def jobs() -> int | None:
    value = os.environ.get("SIM_APP_JOBS")
    return int(value) if value else None


def overrides_for_tests() -> dict[str, Any]:
    value = os.environ.get("SIM_APP_OVERRIDES")
    return dict(json.loads(value)) if value else {}

