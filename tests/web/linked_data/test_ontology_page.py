"""`/ontology` over real HTTP: pyLODE documentation for browsers, the ontology graph as RDF by `Accept`."""

from __future__ import annotations

import html

import pytest
import requests
from rdflib import OWL, RDF, Graph, URIRef
from rdflib.compare import isomorphic

from cdkg.build import build_graph
from cdkg.graph.datadir import DataDir
from cdkg.namespaces import ONTOLOGY
from tests.conftest import LiveServer
from tests.ontology_terms import documented_terms, ontology_graph, version_iri

# What Chromium and Firefox send for a page.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
RDF_FORMATS = [
    # media type, extension, rdflib parser
    ("text/turtle", "ttl", "turtle"),
    ("application/rdf+xml", "rdf", "xml"),
    ("application/ld+json", "jsonld", "json-ld"),
    ("application/n-triples", "nt", "nt"),
]


def _get(url: str, accept: str | None = None, **headers: str) -> requests.Response:
    if accept is not None:
        headers["Accept"] = accept
    return requests.get(url, headers=headers, timeout=30)


def _assert_is_the_ontology_graph(response: requests.Response, parser: str) -> None:
    served = Graph().parse(data=response.content, format=parser)
    assert (URIRef(ONTOLOGY), RDF.type, OWL.Ontology) in served
    assert isomorphic(served, ontology_graph()), "the served graph is not the graph of the ontology files"


def _assert_lists_every_term(page: str) -> None:
    text = html.unescape(page)
    for term in documented_terms():
        assert f'id="{term.fragment}"' in page, f"{term.iri} has no anchor #{term.fragment}"
        assert term.iri in text, f"{term.iri} is not shown"
        assert any(label in text for label in term.labels), f"no label of {term.iri} is shown"


@pytest.mark.parametrize("accept", [BROWSER_ACCEPT, "text/html", "*/*", None])
def test_browsers_and_catch_all_clients_get_the_documentation(ontology_server, accept):
    headers = {} if accept is None else {"Accept": accept}
    response = requests.get(f"{ontology_server.url}/ontology", headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Vary"] == "Accept"
    assert "pyLODE" in response.text
    _assert_lists_every_term(response.text)


@pytest.mark.parametrize(("media_type", "extension", "parser"), RDF_FORMATS)
def test_each_rdf_format_by_accept_is_the_published_ontology_graph(
    ontology_server, media_type, extension, parser
):
    response = _get(f"{ontology_server.url}/ontology", media_type)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(media_type)
    assert response.headers["Vary"] == "Accept"
    _assert_is_the_ontology_graph(response, parser)


@pytest.mark.parametrize(("media_type", "extension", "parser"), RDF_FORMATS)
def test_each_rdf_format_by_extension_whatever_the_accept_header(
    ontology_server, media_type, extension, parser
):
    response = _get(f"{ontology_server.url}/ontology.{extension}", BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(media_type)
    _assert_is_the_ontology_graph(response, parser)


def test_turtle_uses_the_project_prefixes(ontology_server):
    response = _get(f"{ontology_server.url}/ontology.ttl")
    assert "@prefix cdo: <https://w3id.org/cdkg/ontology#> ." in response.text
    assert "cdo:City" in response.text


def test_html_by_extension(ontology_server):
    response = _get(f"{ontology_server.url}/ontology.html", "text/turtle")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    _assert_lists_every_term(response.text)


def test_q_values_choose_between_html_and_rdf(ontology_server):
    response = _get(f"{ontology_server.url}/ontology", "text/html;q=0.5, text/turtle")
    assert response.headers["Content-Type"].startswith("text/turtle")


def test_unknown_extension_is_404_naming_the_available_ones(ontology_server):
    response = _get(f"{ontology_server.url}/ontology.xlsx")
    assert response.status_code == 404
    assert "/ontology.ttl" in response.text


@pytest.mark.parametrize("accept", ["image/png", "application/sparql-results+json", "text/csv"])
def test_an_accept_nothing_fits_is_406_listing_what_is_available(ontology_server, accept):
    response = _get(f"{ontology_server.url}/ontology", accept)
    assert response.status_code == 406
    assert "text/turtle" in response.text and "text/html" in response.text
    assert response.headers["Vary"] == "Accept"


def test_version_iri_answers_like_the_ontology_iri(ontology_server):
    version_path = version_iri().removeprefix(ONTOLOGY)
    assert version_path.startswith("/")
    page = _get(f"{ontology_server.url}/ontology{version_path}", BROWSER_ACCEPT)
    assert page.status_code == 200
    assert page.text == _get(f"{ontology_server.url}/ontology", BROWSER_ACCEPT).text
    turtle = _get(f"{ontology_server.url}/ontology{version_path}", "text/turtle")
    assert turtle.status_code == 200
    _assert_is_the_ontology_graph(turtle, "turtle")


def test_a_version_that_is_not_published_is_404(ontology_server):
    response = _get(f"{ontology_server.url}/ontology/999.0", "text/turtle")
    assert response.status_code == 404
    assert version_iri() in response.text


def test_alternates_are_linked_and_unchanged_builds_answer_304(ontology_server):
    response = _get(f"{ontology_server.url}/ontology", "text/turtle")
    link = response.headers["Link"]
    assert '</ontology.html>; rel="alternate"; type="text/html"' in link
    assert '</ontology.jsonld>; rel="alternate"; type="application/ld+json"' in link
    again = _get(
        f"{ontology_server.url}/ontology", "text/turtle", **{"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    html_version = _get(
        f"{ontology_server.url}/ontology", "text/html", **{"If-None-Match": response.headers["ETag"]}
    )
    assert html_version.status_code == 200  # another representation, another ETag


def test_pages_link_to_the_ontology(ontology_server):
    for path in ("/", "/sparql"):
        response = _get(f"{ontology_server.url}{path}", "text/html")
        assert 'href="/ontology"' in response.text, path
    assert 'href="/ontology.ttl"' in _get(f"{ontology_server.url}/", "text/html").text


def test_build_without_documentation_says_to_build_and_still_serves_rdf(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir)
    (data_dir.current().store_path.parent / "ontology.html").unlink(missing_ok=True)
    with LiveServer(data_dir) as server:
        page = _get(f"{server.url}/ontology", "text/html")
        turtle = _get(f"{server.url}/ontology", "text/turtle")
    assert page.status_code == 503
    assert "cdkg build" in page.text
    assert turtle.status_code == 200


def test_no_graph_yet_is_503_saying_to_build(tmp_path):
    with LiveServer(DataDir(tmp_path / "empty")) as server:
        for accept in ("text/html", "text/turtle"):
            response = _get(f"{server.url}/ontology", accept)
            assert response.status_code == 503
            assert "cdkg build" in response.text
