"""The house rules, checked on the source: arrows between layers run one way, no module uses
another module's private names, and no module grows past a size a newcomer can read.

Layers, lowest first: data (``sim/data``, and ``sim/periods.py`` below everything) <
scenario < model < experiment (and evidence, beside it) < outputs < interfaces (``sim/cli``,
``sim/api/``, ``sim/__init__.py``) < the web app (``sim/app``: an interface that nothing
imports). A module may import its own layer or lower ones.
Imports inside functions and under ``TYPE_CHECKING`` count the same: an arrow is an arrow.
The one exception is the package's metadata (``from sim import __version__``), which any
layer may stamp on what it writes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"
MAX_LINES = 450

LAYERS = {"data": 0, "periods": 0, "scenario": 1, "model": 2, "experiment": 3, "evidence": 3,
          "outputs": 4, "cli": 5, "api": 5, "app": 6}
LAYER_NAMES = {0: "data", 1: "scenario", 2: "model", 3: "experiment or evidence", 4: "outputs",
               5: "interfaces", 6: "the web app"}


def module_name(path: Path, root: Path = ROOT) -> str:
    """``sim/outputs/files.py`` -> ``sim.outputs.files``; a package's ``__init__`` is the
    package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> int | None:
    """The layer of a module of sim (``sim`` itself is the API: interfaces); None if the
    module is in no layer."""
    parts = module.split(".")
    if parts == ["sim"]:
        return 5
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_module(module: str, root: Path = ROOT) -> bool:
    """Whether ``module`` names a module or package of sim (rather than a name in one)."""
    base = root.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _absolute(node: ast.ImportFrom, here: str, is_package: bool) -> str:
    """The module an ``from ... import`` reads, with relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = here.split(".") if is_package else here.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _dotted(node: ast.expr) -> list[str] | None:
    """``a.b.c`` as ["a", "b", "c"]; None for anything that is not names and attributes."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else [*head, node.attr]
    return None


def violations(source: str, path: str, module: str, is_package: bool = False,
               root: Path = ROOT) -> Iterator[str]:
    """Every upward import and every use of another module's private name in ``source``,
    as ``path:line: what``."""
    here = layer(module)
    if here is None:
        yield f"{path}:1: {module} is in no layer (add it to LAYERS in this test)"
        return
    tree = ast.parse(source, filename=path)
    bound: dict[str, str] = {}  # local name -> the sim module it stands for

    def upward(target: str, line: int) -> Iterator[str]:
        there = layer(target)
        if there is not None and there > here:
            yield (f"{path}:{line}: {LAYER_NAMES[here]} module {module} imports {target} "
                   f"({LAYER_NAMES[there]}, a higher layer)")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "sim":
                    continue
                yield from upward(alias.name, node.lineno)
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound["sim"] = "sim"
                for part in alias.name.split(".")[1:]:
                    if is_private(part):
                        yield f"{path}:{node.lineno}: imports private module {alias.name}"
        elif isinstance(node, ast.ImportFrom):
            source_module = _absolute(node, module, is_package)
            if source_module.split(".")[0] != "sim":
                continue
            for alias in node.names:
                sub = f"{source_module}.{alias.name}"
                target = sub if is_module(sub, root) else source_module
                if target == "sim" and alias.name.startswith("__"):
                    continue  # the package's metadata (__version__), not the API above
                yield from upward(target, node.lineno)
                if target == sub:
                    bound[alias.asname or alias.name] = sub
                if is_private(alias.name) and target != module:
                    yield (f"{path}:{node.lineno}: imports private name {alias.name} from "
                           f"{source_module}")
    for node in ast.walk(tree):
        # module._name, where module is a sim module bound above
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            chain = _dotted(node.value)
            if chain and chain[0] in bound:
                owner = ".".join([bound[chain[0]], *chain[1:]])
                if owner != module and is_module(owner, root):
                    yield (f"{path}:{node.lineno}: uses private name {node.attr} of "
                           f"{owner}")


def sim_modules() -> list[Path]:
    return sorted(SIM.rglob("*.py"))


def test_arrows_run_one_way_and_private_names_stay_private() -> None:
    found = []
    for path in sim_modules():
        rel = str(path.relative_to(ROOT))
        found += violations(path.read_text(encoding="utf-8"), rel, module_name(path),
                            path.name == "__init__.py")
    print("\n".join(found))
    assert not found, f"{len(found)} violations:\n" + "\n".join(found)


def test_no_module_is_too_long() -> None:
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in sim_modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    print("\n".join(long))
    assert not long, f"modules over {MAX_LINES} lines:\n" + "\n".join(long)


# --- the checker itself finds what it should (else the tests above could never fail)

def _check(source: str, module: str = "sim.model.thing", is_package: bool = False
           ) -> list[str]:
    return list(violations(source, "x.py", module, is_package))


@pytest.mark.parametrize("source, fragment", [
    ("from sim.outputs.tables import summarise", "imports sim.outputs.tables (outputs"),
    ("import sim.experiment.runner", "imports sim.experiment.runner (experiment"),
    ("import sim.cli as c", "imports sim.cli (interfaces"),
    ("from sim import api", "imports sim.api (interfaces"),
    ("import sim", "imports sim (interfaces"),
    ("def f():\n    from sim.outputs import files\n", "x.py:2: model module"),
    ("from ..outputs.files import write", "imports sim.outputs.files"),
    ("from sim.scenario.distributions import _Hidden", "private name _Hidden"),
    ("def f():\n    from sim.model.scheduling import _push\n", "x.py:2: imports private"),
    ("from sim.model import scheduling\nscheduling._push()", "x.py:2: uses private name "
     "_push of sim.model.scheduling"),
    ("import sim.model.scheduling as s\ns._push()", "uses private name _push"),
    ("import sim.model.scheduling\nsim.model.scheduling._push()", "uses private name _push"),
])
def test_the_checker_finds(source: str, fragment: str) -> None:
    found = _check(source)
    assert any(fragment in v for v in found), found


@pytest.mark.parametrize("source", [
    "from sim.scenario import Scenario",
    "from sim.periods import fy_label",
    "from sim.data import dfe\ndfe.figure('x', 'y', 'z')",
    "from sim.model.scheduling import push\nimport numpy as np\nnp._private",
    "from sim.model import simulation\nsimulation.__name__",
    "from sim import __version__",
    "x = object()\nx._anything",
])
def test_the_checker_allows(source: str) -> None:
    assert _check(source) == []


def test_nothing_imports_the_web_app() -> None:
    for module in ("sim.cli.webapp", "sim.api", "sim.outputs.files"):
        assert any("imports sim.app.levers (the web app" in v
                   for v in _check("from sim.app import levers", module=module))


def test_every_module_has_a_layer() -> None:
    assert _check("", module="sim.newthing") == \
        ["x.py:1: sim.newthing is in no layer (add it to LAYERS in this test)"]
    assert {layer(module_name(p)) for p in sim_modules()} <= set(LAYER_NAMES)
