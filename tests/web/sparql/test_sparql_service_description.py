"""GET on the endpoint without a query, asking for RDF, describes the service and its dataset."""

from __future__ import annotations

import pytest
import rdflib
import requests
from rdflib.namespace import RDF

from tests.web.sparql_server import configured_server

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
FORMATS = rdflib.Namespace("http://www.w3.org/ns/formats/")


@pytest.fixture(scope="module")
def server(default_data_dir):
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=0) as running:
        yield running


def describe(url: str, accept: str | None, rdflib_format: str = "turtle") -> rdflib.Graph:
    response = requests.get(url, headers={"Accept": accept}, timeout=60)
    assert response.status_code == 200, response.text
    return rdflib.Graph().parse(data=response.content, format=rdflib_format)


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        (None, "turtle"),
        ("*/*", "turtle"),
        ("text/turtle", "turtle"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
    ],
)
def test_the_description_names_the_endpoint_language_and_formats(server, accept, rdflib_format):
    graph = describe(server.sparql, accept, rdflib_format)
    service = rdflib.URIRef(server.sparql)
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.feature, SD.BasicFederatedQuery) not in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert formats == {
        FORMATS[name]
        for name in (
            "SPARQL_Results_JSON",
            "SPARQL_Results_XML",
            "SPARQL_Results_CSV",
            "SPARQL_Results_TSV",
            "Turtle",
            "N-Triples",
            "RDF_XML",
            "JSON-LD",
        )
    }


def test_the_default_dataset_has_void_statistics_of_the_build(server, default_data_dir):
    info = default_data_dir.current().info
    graph = describe(server.sparql, "text/turtle")
    (dataset,) = graph.objects(rdflib.URIRef(server.sparql), SD.defaultDataset)
    (default_graph,) = graph.objects(dataset, SD.defaultGraph)
    assert int(graph.value(default_graph, VOID.triples)) == info["triples"]
    for statistic in ("classes", "properties", "distinctSubjects", "distinctObjects"):
        assert int(graph.value(default_graph, VOID[statistic])) > 0, statistic
    named = {
        str(graph.value(node, SD.name)): int(graph.value(graph.value(node, SD.graph), VOID.triples))
        for node in graph.objects(dataset, SD.namedGraph)
    }
    assert named == info["graphs"]


def test_the_description_says_when_federation_is_on(default_data_dir):
    with configured_server(default_data_dir, CDKG_FEDERATION=True) as running:
        graph = describe(running.sparql, "text/turtle")
    assert (rdflib.URIRef(running.sparql), SD.feature, SD.BasicFederatedQuery) in graph


def test_the_description_is_revalidated_like_an_answer(server):
    first = requests.get(server.sparql, headers={"Accept": "text/turtle"}, timeout=60)
    again = requests.get(
        server.sparql, headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]}, timeout=60
    )
    assert again.status_code == 304
