"""What the command line prints: tables whole (never a number cut short with "…"), plain
text to a file or a pipe, progress bars with the time elapsed and remaining, and counts of
replications that agree with what runs."""

from __future__ import annotations

import ast
import contextlib
import re
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from sim.cli.common import show

from .conftest import ROOT

ROW = ("children looked after at 31 March", "156,435,912 ± 1,234", "1,000,000", "3")


def _table() -> Table:
    t = Table(title="spending by line", title_justify="left", box=None)
    t.add_column("measure", no_wrap=True)
    for fy in ("2019-20", "2020-21", "2021-22"):
        t.add_column(fy, justify="right", no_wrap=True)
    t.add_row(*ROW)
    return t


def _digits(text: str) -> list[str]:
    return sorted(c for c in text if c.isdigit())


def test_to_a_pipe_a_table_is_plain_text_at_full_width() -> None:
    f = StringIO()
    show(_table(), Console(file=f, width=40))  # not a terminal: a file, a pipe
    out = f.getvalue()
    assert "\x1b[" not in out and "…" not in out
    row = next(ln for ln in out.splitlines() if "children" in ln)
    assert re.fullmatch(r"\s*" + r"\s+".join(re.escape(c) for c in ROW) + r"\s*", row), out


@pytest.mark.parametrize("width", [60, 40, 25])
def test_on_a_narrow_terminal_a_table_wraps_and_never_cuts(width: int) -> None:
    f = StringIO()
    show(_table(), Console(file=f, width=width, force_terminal=True, color_system=None))
    out = f.getvalue()
    assert "…" not in out
    assert max(len(ln) for ln in out.splitlines()) <= width
    # every digit of every figure is printed, if need be on the next line
    assert _digits(out) == _digits("".join(ROW) + "2019-20 2020-21 2021-22"), out


def test_numbers_stay_whole_while_words_can_wrap() -> None:
    f = StringIO()
    show(_table(), Console(file=f, width=60, force_terminal=True, color_system=None))
    out = f.getvalue()
    assert "156,435,912 ± 1,234" in out and "1,000,000" in out


def test_every_table_the_commands_print_goes_through_show() -> None:
    """No command prints a table itself (rich would cut what does not fit with "…")."""
    for path in sorted((ROOT / "sim" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "print" and node.args
                    and isinstance(node.args[0], ast.Call)
                    and isinstance(node.args[0].func, ast.Name)
                    and re.search(r"(_table|_view|Table)$", node.args[0].func.id)):
                raise AssertionError(f"{path.name}:{node.lineno}: use show(table)")


def test_progress_bar_shows_elapsed_and_remaining(monkeypatch) -> None:
    import sim.cli.common as common

    f = StringIO()
    monkeypatch.setattr(common, "err_console",
                        Console(file=f, width=120, force_terminal=True, color_system=None))
    with common.progress_bar("replications", 4) as update:
        update(1, 4)
        update(2, 4)
    out = f.getvalue()
    assert "2/4" in out and "elapsed" in out and "remaining" in out
    assert re.search(r"elapsed\s+\d+:\d\d:\d\d\s+remaining\s+(\d+:\d\d:\d\d|-:--:--)", out), out


def test_backtest_says_what_its_bar_counts(monkeypatch, tmp_path: Path) -> None:
    """The replications announced for each council are the ones run (and counted)."""
    import sim.cli.councils as councils
    import sim.experiment.backtest as backtest

    totals: list[int] = []

    @contextlib.contextmanager
    def bar(label: str, total: int):
        totals.append(total)
        yield lambda done, total: totals.append(total)

    def fake(councils_, start, years, replications, seed, jobs, update, **kw):
        n = backtest.runs_per_council(replications)
        assert kw.get("central_replications", backtest.CENTRAL_REPLICATIONS) + \
            replications == n
        update(n, n)
        return backtest.Backtest(__import__("pandas").DataFrame(), {}, 0.0, replications)

    monkeypatch.setattr(councils, "progress_bar", bar)
    monkeypatch.setattr(backtest, "run_backtest", fake)
    from .test_bad_input import invoke

    monkeypatch.chdir(tmp_path)
    _, out = invoke("backtest", "--la", "West Sussex", "-r", "20", "--jobs", "1")
    said = re.search(r"(\d+) replications each \((\d+) drawing", out)
    assert said, out
    assert int(said.group(1)) == totals[0] == totals[-1] == 28
    assert int(said.group(2)) == 20
