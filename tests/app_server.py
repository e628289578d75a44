"""`sim app` in a subprocess on a free port, and Debian's Chromium driven by Playwright:
for the browser test (tests/test_app_browser.py) and the README's screenshot
(tools/app_screenshot.py). Never downloads a browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
RUN = "Run with these levers"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_app(env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[str]:
    """Start `sim app` on a free port of 127.0.0.1; yield its address once it answers."""
    port = free_port()
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "app", "--port", str(port)],
                            cwd=ROOT, env=full, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        t0 = time.monotonic()
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() - t0 > timeout:
                out = proc.stdout.read().decode() if proc.stdout else ""
                raise RuntimeError(f"sim app did not start: {out[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_retention(page, url: str, annual_m: str = "2.5", timeout_ms: int = 120_000,
                  reload: bool = True) -> None:
    """In the page: West Sussex from 2019, retention of `annual_m` £m a year over the two
    years the levers start with (2019-20 and 2020-21), run, and wait for the headline."""
    if reload:
        page.goto(url)
    council = page.get_by_role("combobox", name="Council")
    council.wait_for(timeout=timeout_ms)
    council.click()
    council.fill("West Sussex")
    page.get_by_role("option", name="West Sussex").click()
    page.get_by_text("West Sussex from 1 April 2019").first.wait_for(timeout=timeout_ms)
    spend = page.get_by_label("£m a year").first
    spend.fill(annual_m)
    spend.press("Tab")
    page.get_by_role("button", name=RUN).click()
    page.get_by_text("Your changes, against").first.wait_for(timeout=timeout_ms)
