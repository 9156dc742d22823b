"""Every example query in queries/examples runs on the built graph and says what it is for.

An example that reads a shipped snapshot's named graph (the Covenant roster, the Eurocities list, a
Wikidata snapshot) is run on the full default graph; every other one on the curated graph with the
2021 export imported, which the suite builds faster.
"""

from __future__ import annotations

import pytest

from cdkg.config import ShippedSources
from cdkg.graph.served import ServedGraph
from cdkg.ingest import covenant_roster, eurocities_roster, p190_crawl, p190_export_2021
from cdkg.web.sparql.query_page import ExampleQueryError, example_queries, parse_example_query

EXAMPLES = sorted(ShippedSources.default().queries_dir.glob("examples/*.rq"))
SNAPSHOT_GRAPHS = (
    covenant_roster.COVENANT_GRAPH,
    eurocities_roster.GRAPH_IRI,
    p190_crawl.GRAPH_IRI,
    p190_export_2021.GRAPH_IRI,
)


def _reads_a_snapshot_graph(path) -> bool:
    query = parse_example_query(path).query
    return any(f"<{iri}>" in query for iri in SNAPSHOT_GRAPHS)


SNAPSHOT_EXAMPLES = [path for path in EXAMPLES if _reads_a_snapshot_graph(path)]
CURATED_EXAMPLES = [path for path in EXAMPLES if not _reads_a_snapshot_graph(path)]


def test_there_are_between_four_and_twelve_example_queries_four_of_them_on_the_snapshots():
    assert 4 <= len(EXAMPLES) <= 12
    assert len(SNAPSHOT_EXAMPLES) >= 4


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_query_has_a_title_and_a_description(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# title: ")
    assert "\n# description: " in text
    example = parse_example_query(path)
    assert example.title and example.description
    assert not example.query.startswith("#"), "the header stays out of the query put in the editor"


@pytest.mark.parametrize("path", CURATED_EXAMPLES, ids=lambda p: p.stem)
def test_example_query_returns_rows_on_the_imported_graph(path, imported_data_dir):
    rows = list(ServedGraph(imported_data_dir).query(parse_example_query(path).query))
    assert rows, f"{path.name} returned no rows on the imported graph"


@pytest.mark.parametrize("path", SNAPSHOT_EXAMPLES, ids=lambda p: p.stem)
def test_example_query_on_a_snapshot_returns_rows_on_the_full_graph(path, snapshot_data_dir):
    rows = list(ServedGraph(snapshot_data_dir).query(parse_example_query(path).query))
    assert rows, f"{path.name} returned no rows on the full default graph"


def test_example_titles_are_distinct():
    titles = [example.title for example in example_queries()]
    assert len(set(titles)) == len(titles)


def test_description_continues_over_indented_comment_lines(tmp_path):
    path = tmp_path / "twinnings.rq"
    path.write_text(
        "# title: Twinnings\n# description: Every twinning,\n#   with its parties.\n"
        "SELECT ?a WHERE { ?a ?p ?o }\n",
        encoding="utf-8",
    )
    example = parse_example_query(path)
    assert example.name == "twinnings"
    assert example.title == "Twinnings"
    assert example.description == "Every twinning, with its parties."
    assert example.query == "SELECT ?a WHERE { ?a ?p ?o }\n"


def test_an_example_without_a_title_is_refused_naming_the_file_and_the_fix(tmp_path):
    path = tmp_path / "untitled.rq"
    path.write_text("# description: something\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(ExampleQueryError) as caught:
        parse_example_query(path)
    message = str(caught.value)
    assert "untitled.rq" in message and "no title" in message and "# title:" in message
