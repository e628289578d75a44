"""One path through `sim app` as a planner takes it, in Debian's headless Chromium (driven
by Playwright, never downloading a browser): start the app, pick West Sussex, set £5m of
retention over two years (£2.5m a year, 2019-20 and 2020-21), run, and see the headline and
a chart. The run is small (the app's test hook: a year of a service a sixth of West
Sussex's, 2 replications), as the point is the page, not the model."""

from __future__ import annotations

import json
import os

import pytest

from .app_server import CHROMIUM, CHROMIUM_ARGS, run_retention, serve_app
from .test_app_jobs import TINY


@pytest.fixture
def chromium() -> str:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI (tools/system_deps.sh installs it)")
        pytest.skip(f"needs Debian's Chromium at {CHROMIUM}")
    return CHROMIUM


@pytest.mark.slow
def test_west_sussex_with_5m_of_retention_in_chromium(chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    env = {"SIM_APP_OVERRIDES": json.dumps(TINY), "SIM_APP_JOBS": "1"}
    with serve_app(env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        run_retention(page, url)
        head = page.get_by_text("Your changes, against").first.inner_text()
        assert head.startswith("Your changes, against Baseline. Over 2019-20 it costs £")
        caption = page.get_by_text("Difference from Baseline by financial year", exact=True)
        caption.wait_for()
        sizes = page.locator("img").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
        assert len([w for w in sizes if w > 300]) >= 2  # the outlook's chart and ours
        assert errors == []
        browser.close()
