"""A request's Accept header and `format` parameter are negotiated once into the endpoint's formats."""

from __future__ import annotations

import pytest

from cdkg.web.plumbing.formats import query_formats

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "format_param", "solutions", "graph", "html"),
    [
        (None, None, "application/sparql-results+json", "text/turtle", False),
        ("*/*", None, "application/sparql-results+json", "text/turtle", False),
        (BROWSER, None, "application/sparql-results+xml", "text/turtle", True),
        ("text/csv", None, "text/csv", None, False),
        ("application/n-triples", None, None, "application/n-triples", False),
        ("application/json", None, "application/sparql-results+json", None, False),
        ("image/png", None, None, None, False),
        (BROWSER, "tsv", "text/tab-separated-values", None, True),
        (None, "json", "application/sparql-results+json", "application/ld+json", False),
    ],
)
def test_accept_and_format_choose_the_solution_and_graph_formats(
    accept, format_param, solutions, graph, html
):
    formats = query_formats(accept, format_param)
    assert (formats.solutions.media_type if formats.solutions else None) == solutions
    assert (formats.graph.media_type if formats.graph else None) == graph
    assert formats.prefers_html is html
