"""One command sets up and opens the notebooks (issue 16, item 1): ``make notebooks``
installs the ``notebooks`` extra, every package of it pinned in constraints.txt, and starts
JupyterLab in notebooks/."""

from __future__ import annotations

import re
import subprocess
import tomllib
from importlib import metadata

import pytest

from .conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0].lower() \
        .replace("_", "-")


def pinned() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return {_name(line): line.split("==")[1] for line in lines if "==" in line}


def extra(name: str) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["optional-dependencies"][name]


def test_the_notebooks_extra_is_pinned_and_not_needed_by_the_tests() -> None:
    pins = pinned()
    wanted = extra("notebooks")
    assert "jupyterlab" in map(_name, wanted)
    assert [r for r in wanted if _name(r) not in pins] == []
    # the tests run the notebooks with nbclient, which the test extra brings
    test = set(map(_name, extra("test")))
    assert {"nbclient", "nbformat", "ipykernel"} <= test and "jupyterlab" not in test


def test_every_package_jupyterlab_brings_is_pinned() -> None:
    """What pip installed for the extra, followed through each package's requirements (where
    JupyterLab is installed here: `make notebooks` was run)."""
    try:
        metadata.distribution("jupyterlab")
    except metadata.PackageNotFoundError:
        pytest.skip("JupyterLab is not installed here (make notebooks installs it)")
    pins, seen, todo, unpinned = pinned(), set(), ["jupyterlab"], []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional requirement that is not installed
        if name not in pins:
            unpinned.append(name)
        elif dist.version != pins[name]:
            unpinned.append(f"{name} (installed {dist.version}, pinned {pins[name]})")
        for req in dist.requires or []:
            if "extra ==" not in req:
                todo.append(_name(req))
    assert unpinned == [], "add to constraints.txt: " + ", ".join(sorted(unpinned))


def test_make_notebooks_installs_the_extra_and_opens_jupyterlab_in_notebooks() -> None:
    r = subprocess.run(["make", "-n", "notebooks"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "pip install --quiet -c constraints.txt -e '.[notebooks]'" in r.stdout
    assert re.search(r"cd notebooks && \.\./\.venv/bin/jupyter lab", r.stdout), r.stdout
    readme = (ROOT / "README.md").read_text()
    assert "make notebooks" in readme


@pytest.mark.slow  # asks the package index (about 15 s)
def test_pip_resolves_the_extra_to_pinned_packages_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Without JupyterLab installed (as in CI), what `make notebooks` would install: pip's
    own resolution of the extra under constraints.txt, every package pinned at its pin."""
    import json
    import sys

    report = tmp_path / "report.json"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
                        "--ignore-installed", "-c", str(ROOT / "constraints.txt"),
                        f"{ROOT}[notebooks]", "--report", str(report)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    pins = pinned()
    resolved = {_name(i["metadata"]["name"]): i["metadata"]["version"]
                for i in json.loads(report.read_text())["install"]}
    assert "jupyterlab" in resolved
    unpinned = [f"{n} {v}" for n, v in resolved.items() if n != "sim" and pins.get(n) != v]
    assert unpinned == [], "add to constraints.txt: " + ", ".join(sorted(unpinned))
