"""Imports run one way: cli -> build | web -> ingest | matching -> graph -> config; nothing imports the CLI."""

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
UNRULED = {"__init__.py", "__main__.py", "cli.py"}


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
        if path.name not in ("cli.py", "__main__.py"):
            assert "cdkg.cli" not in _imports(path), path


def test_every_module_has_a_layer_rule():
    """A new module or package must say what it may not import, here."""
    missing = sorted(
        path.name
        for path in SRC.iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").exists())
        and path.name not in FORBIDDEN
        and path.name not in UNRULED
    )
    assert not missing, f"add a rule to FORBIDDEN for: {missing}"
