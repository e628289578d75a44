"""``sim app``: start the local web app (Streamlit) on this machine.

The app's page is ``sim/app/page.py``, found by its path (the CLI does not import the app:
nothing does). It listens on 127.0.0.1 only, unless ``--host`` says otherwise.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import err_console, fail

PAGE = Path(__file__).resolve().parents[1] / "app" / "page.py"
LOCAL = "127.0.0.1"
MAX_UPLOAD_MB = 1  # a scenario is a few kB: anything bigger is refused by Streamlit itself


def streamlit_command(host: str, port: int) -> list[str]:
    """How `sim app` runs Streamlit: headless, no usage statistics sent, no file watcher,
    uploads of at most MAX_UPLOAD_MB, no developer menu (no "Deploy" button)."""
    return [sys.executable, "-m", "streamlit", "run", str(PAGE),
            "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--server.maxUploadSize", str(MAX_UPLOAD_MB),
            "--global.developmentMode", "false", "--client.toolbarMode", "viewer"]


def app(
    host: Annotated[str | None, typer.Option(
        help="address to listen on [default: 127.0.0.1, this machine only]")] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8501,
) -> None:
    """Start the web app: choose a council, move the levers, see what changes.

    Open the address it prints in a browser. Ctrl-C stops it."""
    if not PAGE.is_file():  # pragma: no cover - a broken installation
        fail(f"the app's page is missing ({PAGE}); reinstall sim")
    if host is not None and host != LOCAL:
        err_console.print(f"[bold yellow]warning:[/] listening on {host}: anyone who can "
                          f"reach this machine on port {port} can use the app and its "
                          "processors (the default, 127.0.0.1, is this machine only)",
                          highlight=False, soft_wrap=True)
    host = host or LOCAL
    err_console.print(f"sim app: http://{host}:{port}  (Ctrl-C to stop)", highlight=False)
    proc = subprocess.Popen(streamlit_command(host, port))
    try:
        code = proc.wait()
    except KeyboardInterrupt:  # Streamlit has the Ctrl-C too: let it stop
        code = proc.wait()
    raise typer.Exit(code=code)
