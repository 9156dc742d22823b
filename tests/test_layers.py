"""Imports run one way: cli -> build | web -> ingest -> graph -> config; nothing imports the CLI."""

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
        if path.name not in ("cli.py", "__main__.py"):
            assert "cdkg.cli" not in _imports(path), path
