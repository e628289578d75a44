"""Every kind of bad input, through the command line: one line naming the file, the field
(where there is one), what was found and what is allowed; exit status 2; no traceback; no
results directory. Each scenario case goes through both `sim run` and `sim validate`."""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import SCENARIOS

BASE = SCENARIOS / "baseline.yaml"


def ext(body: str) -> str:
    """A scenario that extends the shipped baseline with one (bad) change."""
    return f"extends: {BASE}\n{body}"


@dataclass(frozen=True)
class Bad:
    kind: str
    content: str | bytes | Callable[[Path], Path]  # text, bytes, or writes its own files
    field: str | None  # the dotted path the message must name, if the problem has a field
    fragments: tuple[str, ...]  # what the message must say (found and allowed)
    file: str = "bad.yaml"  # the file the message must name
    problems: int = 1  # error lines: one a problem (the first is the one checked)


def _missing(tmp: Path) -> Path:
    return tmp / "missing.yaml"


def _directory(tmp: Path) -> Path:
    (tmp / "adir").mkdir()
    return tmp / "adir"


def _cycle(tmp: Path) -> Path:
    (tmp / "bad.yaml").write_text("extends: other.yaml\n")
    (tmp / "other.yaml").write_text("extends: bad.yaml\n")
    return tmp / "bad.yaml"


def _too_large(tmp: Path) -> Path:
    p = tmp / "bad.yaml"
    with p.open("wb") as f:  # a sparse file: no need to write 10 MB
        f.truncate(10 * 2**20 + 1)
    return p


def _python_object(tmp: Path) -> Path:
    # would create a file if the tag were ever constructed; test_tag_never_runs checks
    p = tmp / "bad.yaml"
    p.write_text(ext(f"description: !!python/object/apply:os.system "
                     f"['touch {tmp / 'pwned'}']\n"))
    return p


def _bomb(levels: int) -> str:
    """A "billion laughs": a few lines whose aliases expand to 9**levels values."""
    names = "abcdefghijklmnop"
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [" + ", ".join([f"*{names[i - 1]}"] * 9) + "]")
    return "\n".join(lines) + "\n"


CASES = [
    # --- the file itself
    Bad("YAML syntax error, with line and column", "run:\n  seed: [1, 2\ndemand: x\n", None,
        ("bad.yaml:3:", "YAML error, column", "expected ',' or ']'")),
    Bad("indented with a tab", ext("demand:\n\treferrals_per_year: 5\n"), None,
        ("bad.yaml:3:", "indent with spaces, not tabs")),
    Bad("empty file", "", None, ("is empty", "needs at least 'extends' or the sections")),
    Bad("only comments", "# nothing here\n", None, ("is empty",)),
    Bad("a list, not a mapping", "- 1\n- 2\n", None,
        ("must be a mapping of sections", "found a list")),
    Bad("a scalar, not a mapping", "hello\n", None,
        ("must be a mapping of sections", "found text 'hello'")),
    Bad("binary file", b"\x00\x01\x02name: x\n", None, ("is a binary file, not YAML text",)),
    Bad("not UTF-8", "name: caf\xe9\n".encode("latin-1"), None,
        ("is not UTF-8 text", "byte 0xe9", "save it as UTF-8")),
    Bad("missing file", _missing, None, ("no such file",), file="missing.yaml"),
    Bad("a directory", _directory, None, ("is a directory, not a scenario file",), file="adir"),
    Bad("too large", _too_large, None, ("is 10,485,761 bytes", "at most 10 MB")),
    # --- extends
    Bad("extends a missing file", "extends: nowhere.yaml\n", "extends",
        ("'nowhere.yaml' does not exist", "looked for")),
    Bad("extends in a cycle", _cycle, "extends",
        ("cycle of extends", "bad.yaml -> other.yaml -> bad.yaml")),
    Bad("extends is not a file name", "extends: 5\n", "extends",
        ("must be a file name relative to this file",)),
    # --- keys
    Bad("unknown top-level key", ext("demnd: {}\n"), "demnd",
        ("unknown key", "did you mean 'demand'?")),
    Bad("unknown nested key", ext("workforce:\n  caps:\n    experiencd: 3\n"),
        "workforce.caps.experiencd", ("unknown key", "did you mean 'experienced'?")),
    Bad("unknown parameter of a distribution",
        ext("demand:\n  durations:\n    cp: {dist: lognormal, mean: 100, sd: 5, shape: 3}\n"),
        "demand.durations.cp.shape", ("unknown key", "allowed: dist, mean, sd")),
    Bad("duplicate key", ext("name: a\nname: b\n"), "name",
        ("duplicate key 'name' (first at line 2)",)),
    Bad("duplicate nested key",
        ext("demand:\n  returns:\n    chance: 0.1\n    chance: 0.2\n"),
        "demand.returns.chance", ("duplicate key", "first at line 4")),
    Bad("a key that is not a name", ext("1: 2\n"), "1", ("a key must be a name (found 1)",)),
    # --- types
    Bad("text where a number goes", ext("demand:\n  referrals_per_year: lots\n"),
        "demand.referrals_per_year", ("expected a number, not text", "found 'lots'")),
    Bad("a number tagged as text", ext("run:\n  horizon_years: !!str 2\n"),
        "run.horizon_years", ("expected a number, not text", "found '2'")),
    Bad("a number in quotes", ext("run:\n  replications: \"4\"\n"),
        "run.replications", ("expected a number, not text", "found '4'")),
    Bad("a number where a section goes", ext("demand: 5\n"), "demand",
        ("expected a mapping", "found 5")),
    Bad("a list where a section goes", ext("demand: [1, 2]\n"), "demand",
        ("expected a mapping", "found a list")),
    Bad("text where a list goes", ext("demand:\n  seasonality: abc\n"), "demand.seasonality",
        ("expected a list", "found 'abc'")),
    Bad("yes where a number goes", ext("run:\n  replications: yes\n"), "run.replications",
        ("expected a number (found true)",)),
    Bad("a fraction where a whole number goes", ext("workforce:\n  caps:\n    agency: 2.5\n"),
        "workforce.caps.agency", ("valid integer", "found 2.5")),
    Bad("NaN", ext("demand:\n  referrals_per_year: .nan\n"), "demand.referrals_per_year",
        ("finite number", "found nan")),
    Bad("infinity", ext("demand:\n  referrals_per_year: .inf\n"), "demand.referrals_per_year",
        ("finite number", "found inf")),
    Bad("a value not among those allowed", ext("allocation:\n  method: random\n"),
        "allocation.method", ("'least_loaded'", "found 'random'")),
    # --- ranges
    Bad("negative where it makes no sense",
        ext("workforce:\n  establishment:\n    case_holding: -3\n"),
        "workforce.establishment.case_holding", ("greater than or equal to 0", "found -3")),
    Bad("zero where it makes no sense", ext("workforce:\n  caps:\n    agency: 0\n"),
        "workforce.caps.agency", ("greater than 0", "found 0")),
    Bad("probability above 1", ext("demand:\n  returns:\n    chance: 1.5\n"),
        "demand.returns.chance", ("less than or equal to 1", "found 1.5")),
    Bad("horizon out of range", ext("run:\n  horizon_years: 500\n"), "run.horizon_years",
        ("less than or equal to 50", "found 500")),
    Bad("no horizon at all", ext("run:\n  horizon_years: 0\n"), "run.horizon_years",
        ("greater than 0", "found 0")),
    Bad("seed too large", ext("run:\n  seed: 99999999999999999999\n"), "run.seed",
        ("less than or equal to 9223372036854775807",)),
    Bad("start date out of range", ext("run:\n  start_date: 1900-01-01\n"), "run.start_date",
        ("greater than or equal to 1990-01-01", "found 1900-01-01")),
    Bad("a percentage out of range", ext("costs:\n  pay_award_pct:\n    by_year: {2020-21: 200}\n"),
        "costs.pay_award_pct.by_year.2020-21", ("less than or equal to 100", "found 200")),
    Bad("twelve months of seasonality", ext("demand:\n  seasonality: [1, 2]\n"),
        "demand.seasonality", ("needs 12 monthly values", "got 2")),
    Bad("an unsafe name", ext("name: ../elsewhere\n"), "name",
        ("letters, digits", "found '../elsewhere'")),
    # --- dates
    Bad("an impossible date", ext("run:\n  start_date: 2019-02-30\n"), "run.start_date",
        ("valid date", "found '2019-02-30'")),
    Bad("not a date", ext("run:\n  start_date: next tuesday\n"), "run.start_date",
        ("valid date", "found 'next tuesday'")),
    Bad("dates out of order", ext("interventions:\n  retention:\n    start: 2021-01-01\n"
                                  "    end: 2020-01-01\n"),
        "interventions.retention.end", ("must be after start (2021-01-01)", "found 2020-01-01")),
    Bad("dates out of order in a list",
        ext("interventions:\n  recruitment_campaigns:\n"
            "    - {start: 2021-01-01, end: 2020-01-01}\n"),
        "interventions.recruitment_campaigns[0].end", ("must be after start",)),
    Bad("changes out of date order",
        ext("interventions:\n  early_help:\n    changes:\n"
            "      - {start: 2021-01-01, annual_change: -1000}\n"
            "      - {start: 2020-01-01, annual_change: -1000}\n"),
        "interventions.early_help.changes",
        ("must be in date order", "2020-01-01 after 2021-01-01")),
    Bad("payments that end before the run starts",
        ext("interventions:\n  retention:\n    annual_spend: 100\n    start: 2010-01-01\n"
            "    end: 2011-01-01\n"),
        "interventions.retention.end", ("is not after the start date (2019-04-01)",)),
    Bad("a bad financial year", ext("costs:\n  pay_award_pct:\n    by_year: {2020/21: 2}\n"),
        "costs.pay_award_pct.by_year.2020/21",
        ("a financial year is written like 2020-21", "found '2020/21'")),
    Bad("a financial year that is not one year", ext("costs:\n  pay_award_pct:\n"
                                                     "    by_year: {2020-22: 2}\n"),
        "costs.pay_award_pct.by_year.2020-22", ("written like 2020-21", "found '2020-22'")),
    # --- things that must add up, and agree
    Bad("shares that do not add up to 1",
        ext("demand:\n  assessment_outcomes:\n    not_in_need: 0.5\n"),
        "demand.assessment_outcomes", ("must add up to 1", "they add up to 1.034")),
    Bad("placement mix that does not add up",
        ext("costs:\n  placements:\n    mix: {foster: 0.5, residential: 0.1, other: 0.1}\n"),
        "costs.placements.mix", ("must add up to 1", "they add up to 0.7")),
    Bad("duration bands that do not add up to 100%",
        ext("initial_state:\n  cp_duration_bands_pct:\n    up_to_3m: 90\n"),
        "initial_state.cp_duration_bands_pct", ("must add up to 100%",)),
    Bad("more waiting than open", ext("initial_state:\n  awaiting_allocation: 99999\n"),
        "initial_state.awaiting_allocation",
        ("cannot exceed the open assessments", "found 99999")),
    Bad("more staff than posts", ext("workforce:\n  establishment:\n    case_holding: 10\n"),
        "initial_state.workforce.case_holding", ("funded posts",)),
    Bad("priority that misses a type", ext("allocation:\n  priority: [cla, cp, cp, cin]\n"),
        "allocation.priority", ("must list each case type once",)),
    Bad("both forms of the early-help effect",
        ext("interventions:\n  early_help:\n    pct_per_million: 1\n"),
        "interventions.early_help", ("give exactly one of elasticity or pct_per_million",)),
    # --- distributions
    Bad("unknown distribution name",
        ext("demand:\n  durations:\n    cp: {dist: lognormall, mean: 1, sd: 1}\n"),
        "demand.durations.cp.dist",
        ("unknown distribution 'lognormall'", "did you mean 'lognormal'?",
         "allowed: fixed, exponential")),
    Bad("distribution with a parameter missing",
        ext("demand:\n  durations:\n    cp: {dist: lognormal, mean: 100}\n"),
        "demand.durations.cp.sd", ("is required but missing",)),
    Bad("distribution with a negative sd",
        ext("demand:\n  durations:\n    cp: {dist: lognormal, mean: 100, sd: -5}\n"),
        "demand.durations.cp.sd", ("greater than 0", "found -5")),
    Bad("distribution with a parameter that is not a number",
        ext("demand:\n  durations:\n    cp: {dist: gamma, mean: abc, sd: 5}\n"),
        "demand.durations.cp.mean", ("expected a number, not text", "found 'abc'")),
    Bad("distribution with a number in quotes",
        ext("demand:\n  durations:\n    cp: {dist: gamma, mean: \"100\", sd: 5}\n"),
        "demand.durations.cp.mean", ("expected a number, not text", "found '100'")),
    Bad("uniform with high below low",
        ext("interventions:\n  retention:\n    hazard_ratio: {dist: uniform, low: 0.9, "
            "high: 0.5}\n"),
        "interventions.retention.hazard_ratio.high",
        ("must be greater than low (0.9)", "found 0.5")),
    Bad("a distribution without its name",
        ext("demand:\n  trend_pct_per_year: {mean: 5, sd: 1}\n"),
        "demand.trend_pct_per_year", ("a distribution needs 'dist:'", "or write a plain number")),
    Bad("a duration that could be negative",
        ext("demand:\n  durations:\n    cp: {dist: normal, mean: 100, sd: 10}\n"),
        "demand.durations.cp", ("a duration cannot be negative",)),
    Bad("an uncertain probability that can leave [0, 1]",
        ext("workforce:\n  recruitment:\n    fill_probability: {dist: normal, mean: 0.5, "
            "sd: 0.1}\n"),
        "workforce.recruitment.fill_probability", ("must be between 0 and 1",)),
    Bad("an uncertain effect beyond what the model allows",
        ext("interventions:\n  early_help:\n    elasticity: 8\n    changes:\n"
            "      - {start: 2019-04-01, annual_change: -20000000}\n"),
        "interventions.early_help", ("the model allows at most 2",)),
    # --- tags: data only, never code or objects
    Bad("a python object tag", _python_object, "description",
        ("tag '!!python/object/apply:os.system' is not allowed", "data only")),
    Bad("a python name tag", ext("description: !!python/name:os.system\n"), "description",
        ("tag '!!python/name:os.system' is not allowed",)),
    Bad("a python tag at the top", "!!python/object/apply:os.system ['echo hi']\n", None,
        ("bad.yaml:1:", "tag '!!python/object/apply:os.system' is not allowed")),
    Bad("a custom tag", ext("description: !foo bar\n"), "description",
        ("tag '!foo' is not allowed",)),
    Bad("a set tag", ext("description: !!set {a, b}\n"), "description",
        ("tag '!!set' is not allowed",)),
    # --- aliases
    Bad("an alias that refers to itself", ext("a: &x [*x]\n"), "a", ("unknown key",)),
    # six unknown keys, and the seven sections a scenario without extends must have
    Bad("nested aliases (a small billion laughs)", _bomb(6), "a", ("unknown key",),
        problems=13),
    # --- runs out of reach (run's check before it starts)
    Bad("a run too big for memory", ext("demand:\n  referrals_per_year: 365000000\n"), None,
        ("GB of memory", "demand.referrals_per_year")),
]


def _write(case: Bad, tmp: Path) -> Path:
    if callable(case.content):
        return case.content(tmp)
    p = tmp / case.file
    if isinstance(case.content, bytes):
        p.write_bytes(case.content)
    else:
        p.write_text(case.content)
    return p


def invoke(*args: str) -> tuple[int, str]:
    """The command line in this process; the exit status and everything it printed."""
    from typer.testing import CliRunner

    from sim.cli import app

    r = CliRunner().invoke(app, list(args), env={"COLUMNS": "80"})
    # anything but a clean exit is an uncaught exception: a traceback for the user
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, r.stdout + r.stderr


def one_line(out: str) -> str:
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 1, out
    assert "Traceback" not in out
    return lines[0]


def test_the_corpus_is_large_enough() -> None:
    kinds = [c.kind for c in CASES]
    assert len(set(kinds)) == len(kinds)
    assert len(kinds) + len(OPTION_CASES) >= 30


# `run` reads a scenario as `validate` does; its half is slow (test_cli keeps a quick one)
@pytest.mark.parametrize("command", [pytest.param("run", marks=pytest.mark.slow), "validate"])
@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_bad_scenario(case: Bad, command: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # so a default results/ would show up here
    path = _write(case, tmp_path)
    before = set(tmp_path.iterdir())
    args = [command, str(path)]
    if command == "run":
        args += ["--out", str(tmp_path / "out"), "--jobs", "1"]
    code, out = invoke(*args)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == case.problems and "Traceback" not in out, out
    assert all(ln.startswith("error: ") for ln in lines), out
    line = lines[0]
    assert code == 2, out
    assert line.startswith("error: ") and case.file in line, line
    if case.field is not None:
        assert f": {case.field}: " in line, line
    for fragment in case.fragments:
        assert fragment in line, (fragment, line)
    assert set(tmp_path.iterdir()) == before  # nothing written: no out/, no .out.*, no results/


def test_tag_never_runs(tmp_path: Path) -> None:
    """The command in an object tag is not executed, by run or by validate."""
    path = _python_object(tmp_path)
    assert invoke("run", str(path), "--out", str(tmp_path / "out"))[0] == 2
    assert invoke("validate", str(path))[0] == 2
    assert not (tmp_path / "pwned").exists()


# --- the command line's own options, on a good (and tiny) scenario

OPTION_CASES = [
    ("--replications 0", ["run", "-r", "0"], "--replications",
     ("from 1 to 100000 or 'auto'", "found 0")),
    ("--replications abc", ["run", "-r", "abc"], "--replications",
     ("whole number", "found 'abc'")),
    ("--replications 10000000", ["run", "-r", "10000000"], "--replications",
     ("from 1 to 100000", "found 10000000")),
    ("--jobs 0", ["run", "--jobs", "0"], "--jobs/-j", ("from 1 to 1024", "found 0")),
    ("--jobs abc", ["run", "-j", "abc"], "--jobs/-j", ("whole number", "found 'abc'")),
    ("--seed -1", ["run", "--seed", "-1"], "--seed", ("from 0 to", "found -1")),
    ("--seed 2**63", ["run", "--seed", str(2**63)], "--seed", ("from 0 to",)),
    ("--precision without auto", ["run", "--precision", "0.1"], "--precision",
     ("applies only with --replications auto",)),
    ("--precision out of range", ["run", "-r", "auto", "--precision", "5"], "--precision",
     ("a number from 0.001 to 1.0", "found 5")),
    ("--max-replications too few", ["run", "-r", "auto", "--max-replications", "1"],
     "--max-replications", ("from 3 to 100000", "found 1")),
    ("bad --executor", ["run", "--executor", "threads"], "--executor",
     ("expected process or dask", "found 'threads'")),
    ("--address without dask", ["run", "--address", "tcp://host:8786"], "--address",
     ("applies only with --executor dask",)),
    ("--address that is not one", ["run", "--executor", "dask", "--address", "nonsense"],
     "--address", ("expected a scheduler address like tcp://host:8786",)),
    ("an unknown option", ["run", "--replicatoins", "3"], "no such option: --replicatoins",
     ("--replications",)),
    ("sweep --replications 0", ["sweep", "--set", "run.seed=1,2", "-r", "0"],
     "--replications/-r", ("from 1 to 100000", "found 0")),
    ("sweep with a bad --set", ["sweep", "--set", "nonsense"], "--set",
     ("expected PATH=V1,V2,...",)),
    ("sweep with a bad --outcome", ["sweep", "--set", "run.seed=1,2", "--outcome", "joy"],
     "--outcome", ("not one of",)),
    ("compare with one scenario", ["compare"], "compare needs at least two", ()),
]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """Valid, and quick should a bad option ever get through and start a run."""
    p = tmp_path / "tiny.yaml"
    p.write_text(ext("run: {horizon_years: 0.1, replications: 1}\n"))
    return p


@pytest.mark.parametrize("case", OPTION_CASES, ids=[c[0] for c in OPTION_CASES])
def test_bad_option(case, tiny: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _, args, name, fragments = case
    before = set(tmp_path.iterdir())
    code, out = invoke(args[0], str(tiny), *args[1:], "--out", str(tmp_path / "out"))
    line = one_line(out)
    assert code == 2, out
    assert line.startswith(f"error: {name}") or f": {name}" in line, line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert set(tmp_path.iterdir()) == before


@pytest.mark.parametrize("args, fragments", [
    (["run"], ("SCENARIO: is required but missing", "run --help'")),
    (["rnu"], ("no such command 'rnu'", "Did you mean 'run'?")),
    (["validate", "a.yaml", "--shwo"], ("no such option: --shwo",)),
])
def test_bad_command_line(args, fragments, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = invoke(*args)
    line = one_line(out)
    assert code == 2 and line.startswith("error: ")
    for fragment in fragments:
        assert fragment in line, (fragment, line)


def test_help_is_still_help() -> None:
    code, out = invoke("run", "--help")
    assert code == 0 and "Usage:" in out and "--replications" in out and "--jobs" in out
    assert "error" not in out.lower().split("usage:")[0]
    code, out = invoke("--help")
    assert code == 0 and "validate" in out and "schema" in out


# --- the real command, in its own process: no traceback end to end


def _real(args: list[str], cwd: Path, limit_gb: float | None = None
          ) -> subprocess.CompletedProcess:
    def limit() -> None:  # a regression must fail the test, not exhaust the machine
        if limit_gb:
            size = int(limit_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    return subprocess.run([sys.executable, "-m", "sim.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, preexec_fn=limit)


@pytest.mark.parametrize("content, args, fragment", [
    ("run:\n  seed: [1, 2\n", ["run"], "YAML error, column"),
    ("!!python/object/apply:os.system ['touch pwned']\n", ["validate"], "is not allowed"),
    (ext("run: {horizon_years: 0.1}\n"), ["run", "--jobs", "0"], "--jobs/-j: expected"),
])
@pytest.mark.slow  # one real process stays quick: test_cli.py
def test_real_process_one_line(content: str, args: list[str], fragment: str,
                               tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(content)
    r = _real([args[0], "bad.yaml", *args[1:]], tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and fragment in r.stderr, r.stderr
    assert "Traceback" not in r.stderr + r.stdout and r.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


@pytest.mark.slow
def test_billion_laughs_is_cheap(tmp_path: Path) -> None:
    """Nine levels of aliases (387 million values if expanded) are refused at once, in
    bounded memory."""
    (tmp_path / "bad.yaml").write_text(_bomb(9))
    r = _real(["validate", "bad.yaml"], tmp_path, limit_gb=4)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.splitlines()
    assert "bad.yaml:1: a: unknown key" in lines[0], r.stderr
    assert all(ln.startswith("error: ") for ln in lines) and len(lines) == 16, r.stderr
