"""Imports run one way: cli -> build | web -> ingest | matching -> graph -> config; nothing imports the CLI;
inside the web layer, no face reaches into another and the plumbing knows none."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cdkg"

FORBIDDEN = {
    "web": ("cdkg.ingest", "cdkg.build", "cdkg.cli"),
    "ingest": ("cdkg.web", "cdkg.build", "cdkg.cli", "flask"),
    "graph": ("cdkg.web", "cdkg.ingest", "cdkg.build", "cdkg.cli", "flask"),
    "build.py": ("cdkg.web", "cdkg.cli", "flask"),
    "build_snapshots.py": ("cdkg.web", "cdkg.cli", "flask"),
    "fetch.py": ("cdkg.web", "cdkg.cli", "flask"),
    "validate.py": ("cdkg.web", "cdkg.ingest", "cdkg.build", "cdkg.cli", "flask"),
    "ontology_docs.py": ("cdkg.web", "cdkg.ingest", "cdkg.build", "cdkg.cli", "flask"),
    "report": ("cdkg.web", "cdkg.build", "cdkg.cli", "flask"),
    "matching": ("cdkg.web", "cdkg.ingest", "cdkg.build", "cdkg.cli", "flask"),
    "export.py": ("cdkg.web", "cdkg.ingest", "cdkg.build", "cdkg.cli", "flask"),
    "query_table.py": ("cdkg.web", "cdkg.ingest", "cdkg.build", "cdkg.cli", "flask"),
    "config.py": ("cdkg.web", "cdkg.ingest", "cdkg.graph", "cdkg.build", "cdkg.cli", "flask"),
    "namespaces.py": ("cdkg.web", "cdkg.ingest", "cdkg.graph", "cdkg.build", "cdkg.cli", "flask"),
}
# Modules with no rule: the entry points.
UNRULED = {"__init__.py", "__main__.py", "cli"}

# Inside the web layer: each face is a package; plumbing serves them all and knows none of them.
# A face may use another face's public names (its package), never that face's modules.
FACES = ("sparql", "linked_data", "reconciliation")
WEB_FORBIDDEN = {
    "plumbing": tuple(f"cdkg.web.{face}" for face in FACES) + ("cdkg.web.serving",),
    "sparql": ("cdkg.web.reconciliation", "cdkg.web.linked_data", "cdkg.web.serving"),
    "linked_data": ("cdkg.web.reconciliation", "cdkg.web.sparql.", "cdkg.web.serving"),
    "reconciliation": ("cdkg.web.sparql", "cdkg.web.linked_data", "cdkg.web.serving"),
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_does_not_import_the_layers_above_it(layer):
    target = SRC / layer
    files = [target] if target.is_file() else sorted(target.rglob("*.py"))
    assert files
    for path in files:
        for name in _imports(path):
            assert not name.startswith(FORBIDDEN[layer]), f"{path.relative_to(SRC)} imports {name}"


def test_nothing_imports_the_cli():
    for path in SRC.rglob("*.py"):
        if path.name != "__main__.py" and SRC / "cli" not in path.parents:
            assert not any(name.startswith("cdkg.cli") for name in _imports(path)), path


@pytest.mark.parametrize("face", sorted(WEB_FORBIDDEN))
def test_a_web_face_imports_no_other_face_internals_and_plumbing_no_face(face):
    files = sorted((SRC / "web" / face).rglob("*.py"))
    assert files
    for path in files:
        for name in _imports(path):
            assert not name.startswith(WEB_FORBIDDEN[face]), f"{path.relative_to(SRC)} imports {name}"


def test_every_web_module_lives_in_a_face_or_the_plumbing():
    loose = sorted(path.name for path in (SRC / "web").glob("*.py") if path.name != "__init__.py")
    assert not loose, f"move into a subpackage of cdkg.web: {loose}"
    packages = {path.parent.name for path in (SRC / "web").glob("*/__init__.py")}
    assert packages == set(WEB_FORBIDDEN) | {"serving"}, "give a new web subpackage a rule in WEB_FORBIDDEN"
