"""`sim app`: Streamlit on 127.0.0.1 unless --host is given, and then a warning."""

from __future__ import annotations

from typing import ClassVar

import pytest
from typer.testing import CliRunner

from sim.cli import app as cli
from sim.cli import webapp


class FakeStreamlit:
    started: ClassVar[list[list[str]]] = []

    def __init__(self, command: list[str]) -> None:
        self.started.append(command)

    def wait(self) -> int:
        return 0


@pytest.fixture
def started(monkeypatch):
    FakeStreamlit.started = []
    monkeypatch.setattr(webapp.subprocess, "Popen", FakeStreamlit)
    return FakeStreamlit.started


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_it_listens_on_this_machine_only_by_default(started):
    got = CliRunner().invoke(cli, ["app", "--port", "8600"])
    assert got.exit_code == 0, got.output
    [command] = started
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[4].endswith("sim/app/page.py")
    assert _option(command, "--server.address") == "127.0.0.1"
    assert _option(command, "--server.port") == "8600"
    assert _option(command, "--browser.gatherUsageStats") == "false"
    assert _option(command, "--server.maxUploadSize") == "1"
    assert "warning" not in got.output


def test_another_host_is_used_with_a_warning(started):
    got = CliRunner().invoke(cli, ["app", "--host", "0.0.0.0"])
    assert got.exit_code == 0, got.output
    assert _option(started[0], "--server.address") == "0.0.0.0"
    [warning] = [line for line in got.output.splitlines() if line.startswith("warning:")]
    assert warning.startswith("warning: listening on 0.0.0.0: anyone who can reach this "
                              "machine on port 8501 can use the app")


def test_a_bad_port_is_one_line(started):
    got = CliRunner().invoke(cli, ["app", "--port", "0"])
    assert got.exit_code == 2 and started == []
