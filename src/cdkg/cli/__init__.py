"""The `cdkg` command: build the graph, import Wikidata results, query it, serve it.

One module per group of commands; importing them adds their commands to `main`.
"""

from cdkg.cli import building, querying, reporting, serving
from cdkg.cli.group import main

__all__ = ["building", "main", "querying", "reporting", "serving"]
