"""Every example query in queries/examples runs on the built graph and says what it is for."""

from __future__ import annotations

import pytest

from cdkg.config import ShippedSources
from cdkg.graph.served import ServedGraph

EXAMPLES = sorted(ShippedSources.default().queries_dir.glob("examples/*.rq"))


def test_there_are_example_queries():
    assert EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_query_has_a_title_and_runs(path, imported_data_dir):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# title: ")
    assert "# description: " in text
    rows = list(ServedGraph(imported_data_dir).query(text))
    assert rows, f"{path.name} returned no rows on the imported graph"
