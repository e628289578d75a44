"""The README's picture of `sim app`: West Sussex with £5m of retention over two years, as
Chromium shows the results at 1280 x 900.

    python tools/app_screenshot.py docs/images/app.png [--replications 10]

Starts the app on a free port (the full five-year West Sussex scenario, so it takes a few
minutes on two cores), runs the lever as the browser test does, and photographs the
results. Needs Debian's Chromium (tools/system_deps.sh) and Playwright (a test dependency).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, run_retention, serve_app


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--replications", type=int, default=10)
    a = ap.parse_args()
    with serve_app() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        reps = page.get_by_role("spinbutton", name="Replications")
        reps.fill(str(a.replications))
        reps.press("Enter")
        run_retention(page, url, timeout_ms=900_000, reload=False)
        page.get_by_text("Difference from the baseline, by year", exact=True).wait_for()
        page.get_by_text("Your changes against the baseline").first.evaluate(
            "e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(a.out))
        browser.close()
    print(a.out)


if __name__ == "__main__":
    main()
