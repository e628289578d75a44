"""The README's picture of a report: the top of a report.html as Chromium shows it.

    sim compare scenarios/baseline.yaml scenarios/retention.yaml scenarios/ipeh_cuts.yaml \\
        scenarios/retention_and_ipeh_cuts.yaml --replications 20 --report --out /tmp/cmp
    python tools/report_screenshot.py /tmp/cmp/report.html docs/images/report.png

Needs Debian's Chromium (tools/system_deps.sh) and Playwright (a test dependency).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--width", type=int, default=1100)
    ap.add_argument("--height", type=int, default=1250)
    a = ap.parse_args()
    exe = shutil.which("chromium")
    if exe is None:
        raise SystemExit("needs Chromium: bash tools/system_deps.sh")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": a.width, "height": a.height})
        page.goto(a.report.resolve().as_uri())
        page.screenshot(path=str(a.out))
        browser.close()
    print(a.out)


if __name__ == "__main__":
    main()
