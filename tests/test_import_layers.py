"""The import contract between the packages, read from the source (AST) and enforced.

Layers, bottom up (docs/architecture.md draws them):

    edge_sdk.core       foundation: stdlib + numpy only, imports nothing of the project
    edge_sdk.graph      static .tflite analysis: imports core only
    converters, devices, runtime_harness
                        the three domain packages: core and graph only (runtime_harness may read devices)
    composition         edge_sdk itself (api, profiling, budgets, reporting, sweep...): anything but the CLI
    edge_sdk.cli        the command line: anything; nothing imports it
    tools               offline generators of data tables: anything; nothing imports them

Every import counts: top-level, function-level (lazy), ``TYPE_CHECKING`` blocks, relative ones,
and ``importlib.import_module("literal")``. A rule that is only in a docstring erodes one
convenient import at a time; this test is why it does not.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("edge_sdk", "converters", "runtime_harness", "devices", "tools")

# The one table of allowed edges: layer -> the layers it may import (besides itself).
# Any new edge needs a line here and a reason; there is no other exception mechanism.
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "graph": frozenset({"core"}),
    "converters": frozenset({"core", "graph"}),
    "devices": frozenset({"core", "graph"}),
    # the adb backend matches connected phones to device profiles, the estimator reads profiles
    "runtime_harness": frozenset({"core", "graph", "devices"}),
    # the composition root wires the domain packages together (profile, check, api, reports)
    "composition": frozenset({"core", "graph", "converters", "devices", "runtime_harness"}),
    "cli": frozenset({"core", "graph", "converters", "devices", "runtime_harness", "composition"}),
    "tools": frozenset({"core", "graph", "converters", "devices", "runtime_harness", "composition"}),
}
# Third-party modules the foundation may use (everything else there is stdlib).
CORE_THIRD_PARTY = frozenset({"numpy"})


def layer_of(module: str) -> str | None:
    """The layer a dotted module name belongs to (None: not part of the project)."""
    parts = module.split(".")
    top = parts[0]
    if top not in PACKAGES:
        return None
    if top != "edge_sdk":
        return top
    if len(parts) > 1 and parts[1] in ("core", "graph", "cli"):
        return parts[1]
    if len(parts) > 1 and parts[1] == "__main__":  # `python -m edge_sdk` is the CLI
        return "cli"
    return "composition"


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    file: str
    line: int

    def __str__(self) -> str:
        return (f"{self.file}:{self.line}: {self.importer} ({layer_of(self.importer)}) imports "
                f"{self.imported} ({layer_of(self.imported)})")


def _module_name(root: Path, path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, int]]:
    """Every module name ``tree`` imports (``from a import b`` yields ``a`` and ``a.b``)."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, node.lineno))
            found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names if alias.name != "*"]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"):
            found.append((node.args[0].value, node.lineno))
    return found


def project_edges(root: Path) -> list[Edge]:
    """All imports between project modules under ``root``."""
    edges = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            module, is_package = _module_name(root, path)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            edges += [Edge(module, target, str(path.relative_to(root)), line) for target, line in _imports(tree, module, is_package)]
    return edges


def violations(root: Path) -> list[str]:
    """Every edge against :data:`ALLOWED`, plus third-party imports in the foundation."""
    bad: list[str] = []
    seen: set[tuple[str, int, str | None]] = set()
    for edge in project_edges(root):
        source = layer_of(edge.importer)
        target = layer_of(edge.imported)
        if source is None or (edge.file, edge.line, target) in seen:  # `from a import b`: one report
            continue
        seen.add((edge.file, edge.line, target))
        if target is None:
            top = edge.imported.split(".")[0]
            if source == "core" and top and top not in sys.stdlib_module_names and top not in CORE_THIRD_PARTY:
                bad.append(f"{edge}: the foundation uses the standard library and numpy only")
            continue
        if target != source and target not in ALLOWED[source]:
            bad.append(str(edge))
    return bad


def test_the_packages_keep_their_layers() -> None:
    found = violations(ROOT)
    assert not found, "imports against the layering (tests/test_import_layers.py, docs/architecture.md):\n" + \
        "\n".join(found)


def test_the_walk_sees_every_package_and_lazy_imports() -> None:
    edges = project_edges(ROOT)
    importers = {layer_of(e.importer) for e in edges}
    assert {"core", "graph", "converters", "devices", "runtime_harness", "composition", "cli"} <= importers
    # the CLI imports its verbs lazily (importlib) and they import the composition inside functions
    assert any(e.importer == "edge_sdk.cli.profile_cmd" and e.imported.startswith("edge_sdk.profiling")
               for e in edges)


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_forbidden_import_fails_the_contract(tmp_path: Path) -> None:
    """The proof the test bites: a synthetic tree with one allowed and four forbidden edges."""
    for package in ("edge_sdk", "edge_sdk/core", "edge_sdk/graph", "edge_sdk/cli", "converters", "devices"):
        _write(tmp_path, f"{package}/__init__.py", "")
    _write(tmp_path, "edge_sdk/graph/ok.py", "from edge_sdk.core import errors\n")
    _write(tmp_path, "edge_sdk/core/lazy.py", "def f():\n    from edge_sdk.cli import main\n    return main\n")
    _write(tmp_path, "edge_sdk/core/heavy.py", "import tensorflow\n")
    _write(tmp_path, "converters/peer.py", "from ..devices import catalog\n")
    _write(tmp_path, "devices/dynamic.py", "import importlib\nimportlib.import_module('edge_sdk.budgets')\n")
    found = violations(tmp_path)
    assert len(found) == 4, found
    assert any("edge_sdk.core.lazy (core) imports edge_sdk.cli (cli)" in v for v in found)
    assert any("edge_sdk.core.heavy" in v and "standard library and numpy only" in v for v in found)
    assert any("converters.peer (converters) imports devices (devices)" in v for v in found)
    assert any("devices.dynamic (devices) imports edge_sdk.budgets (composition)" in v for v in found)
