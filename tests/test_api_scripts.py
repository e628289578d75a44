"""The Python API with the process pool from a plain script (no ``__main__`` guard), a
notebook and Python's interactive prompt, each in a process of its own with HOME in a
sandbox (issue 16, item 1): the README's example, word for word, among them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SCENARIOS

START, END = "<!-- api-example -->", "<!-- /api-example -->"


def readme_example() -> str:
    """The Python between the README's api-example markers."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert START in text and END in text, "README.md: the API example's markers are gone"
    block = text[text.index(START) + len(START):text.index(END)]
    code = re.fullmatch(r"\s*```python\n(.*?)```\s*", block, re.S)
    assert code, "README.md: the API example is one ```python block between its markers"
    return code.group(1)


def sandbox_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env.update(HOME=str(tmp_path), MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    return env


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """A folder like the repository's for the example's relative paths: scenarios/ only."""
    (tmp_path / "scenarios").symlink_to(SCENARIOS, target_is_directory=True)
    return tmp_path


def python(*args: str, cwd: Path, stdin: str | None = None, timeout: float = 300
           ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, input=stdin, text=True,
                          capture_output=True, env=sandbox_env(cwd), timeout=timeout)


# after the example: which processes did the work
WORKERS = """
import multiprocessing as _mp
print("workers:", sorted(p.name for p in _mp.active_children()))
"""


def check_output(out: str) -> None:
    """What the README's example prints: the retention scenario's referrals (the same as
    the baseline's: common random numbers) and social workers in post."""
    rows = {line.split()[2]: line.split() for line in out.splitlines()
            if re.match(r"\d+\s+2019-20\s+(referrals|inpost_fte)\s", line)}
    assert set(rows) == {"referrals", "inpost_fte"}, out
    assert float(rows["referrals"][3]) > 5000 and float(rows["referrals"][4]) == 0.0, out
    assert 300 < float(rows["inpost_fte"][3]) < 700, out
    assert "workers: ['sim-worker-1', 'sim-worker-2']" in out, out


@pytest.mark.slow
def test_the_readme_example_runs_as_a_plain_script(sandbox: Path) -> None:
    (sandbox / "example.py").write_text(readme_example() + WORKERS)
    r = python("example.py", cwd=sandbox)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "Error" not in r.stderr, r.stderr
    check_output(r.stdout)


@pytest.mark.slow
def test_an_unguarded_script_compares_on_two_processes_and_runs_once(sandbox: Path) -> None:
    """The script's top level runs once, in the script's own process: the workers never
    import it (with "spawn" as it was, each re-ran the script and started a pool of its
    own, and the run died with BrokenProcessPool)."""
    script = sandbox / "unguarded.py"
    script.write_text(
        "import os\nimport sim\n"
        "with open('ran.txt', 'a') as f:\n    f.write(f'{os.getpid()}\\n')\n"
        "comp = sim.compare('scenarios/baseline.yaml', 'scenarios/retention.yaml',\n"
        "                   replications=2, jobs=2, overrides={'run.horizon_years': 1})\n"
        "print(comp.table.query(\"scenario == 'retention' and metric in "
        "['referrals', 'inpost_fte']\")[['fy', 'metric', 'mean', 'diff_mean']])\n" + WORKERS)
    r = python(script.name, cwd=sandbox)
    assert r.returncode == 0, r.stderr
    assert "BrokenProcessPool" not in r.stderr and "Traceback" not in r.stderr, r.stderr
    check_output(r.stdout)
    assert len((sandbox / "ran.txt").read_text().split()) == 1


@pytest.mark.slow
def test_the_readme_example_at_the_interactive_prompt(sandbox: Path) -> None:
    r = python("-q", "-i", cwd=sandbox, stdin=readme_example() + WORKERS)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    check_output(r.stdout)


@pytest.mark.slow
def test_the_readme_example_in_a_notebook(sandbox: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(readme_example() + WORKERS)])
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(sandbox)}}).execute(
        env=sandbox_env(sandbox))
    out = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    errors = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert not errors, errors
    check_output(out)


@pytest.mark.slow
def test_an_unguarded_script_on_a_local_dask_cluster(sandbox: Path) -> None:
    """The Dask executor's local cluster starts its workers without the script too."""
    script = sandbox / "dask_unguarded.py"
    script.write_text(
        "import sim\n"
        "res = sim.run('scenarios/retention.yaml', replications=2, jobs=2, executor='dask',\n"
        "              overrides={'run.horizon_years': 1})\n"
        "print('replications', sorted(set(res.annual.replication)))\n")
    r = python(script.name, cwd=sandbox)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    assert "replications [0, 1]" in r.stdout
