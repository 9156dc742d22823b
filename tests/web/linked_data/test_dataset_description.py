"""`/dataset` and `/.well-known/void`: DCAT and VoID that agree with the store, the endpoint and the dump files."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
import pytest
import requests
from rdflib import BNode, Graph, Literal, Namespace, URIRef

from cdkg.build import build_graph
from cdkg.export import export_dumps
from cdkg.graph.datadir import DataDir
from tests.conftest import LiveServer

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DATASET = URIRef("https://w3id.org/cdkg/dataset")
CDO = "https://w3id.org/cdkg/ontology#"


@pytest.fixture(scope="module")
def described(tmp_path_factory):
    """A fresh build with its dumps exported, served; the description as Turtle, parsed."""
    data_dir = DataDir(tmp_path_factory.mktemp("described-graph"))
    build_graph(data_dir)
    export_dumps(data_dir)
    with LiveServer(data_dir) as server:
        response = requests.get(f"{server.url}/.well-known/void", timeout=60)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("text/turtle")
        graph = Graph().parse(data=response.text, format="turtle")
        yield server, data_dir, graph


def _store(data_dir: DataDir) -> ox.Store:
    return ox.Store.read_only(str(data_dir.current().store_path))


def _count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


def _value(graph: Graph, subject, predicate) -> object:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, (subject, predicate, values)
    return values[0].toPython() if isinstance(values[0], Literal) else values[0]


def test_dataset_is_typed_titled_licensed_and_sourced(described):
    _, data_dir, graph = described
    assert (DATASET, RDF.type, VOID.Dataset) in graph and (DATASET, RDF.type, DCAT.Dataset) in graph
    assert str(_value(graph, DATASET, DCTERMS.title)) == "City Diplomacy Knowledge Graph"
    assert _value(graph, DATASET, DCTERMS.description)
    # A build of the ontology and curated files only: all of it CC0, so the whole may say so.
    assert _value(graph, DATASET, DCTERMS.license) == URIRef(
        "http://creativecommons.org/publicdomain/zero/1.0/"
    )
    assert str(_value(graph, DATASET, DCTERMS.rights)).startswith(
        "CC0 1.0 (public domain) for every named graph"
    )
    assert _value(graph, DATASET, DCTERMS.publisher) == _value(graph, DATASET, DCTERMS.creator)
    sources = set(graph.objects(DATASET, DCTERMS.source))
    curated = {URIRef(g) for g in data_dir.current().info["graphs"] if "/graph/curated/" in g}
    # No Wikidata graph in this build, so Wikidata is not named as a source.
    assert sources == curated and curated
    assert str(_value(graph, DATASET, VOID.uriSpace)) == "https://w3id.org/cdkg/id/"
    info = data_dir.current().info
    assert _value(graph, DATASET, DCTERMS.modified).isoformat() == info["built_at"]
    assert info["build"] in str(_value(graph, DATASET, URIRef("http://www.w3.org/2002/07/owl#versionInfo")))


def test_statistics_equal_the_stores_counts(described):
    _, data_dir, graph = described
    store = _store(data_dir)
    expected = {
        VOID.triples: _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        VOID.classes: _count(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"),
        VOID.properties: _count(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        VOID.distinctSubjects: _count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        VOID.distinctObjects: _count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        VOID.entities: _count(
            store,
            'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "https://w3id.org/cdkg/id/")) }',
        ),
    }
    for predicate, count in expected.items():
        assert _value(graph, DATASET, predicate) == count, predicate


def test_each_named_graph_is_a_subset_with_its_triple_count(described):
    _, data_dir, graph = described
    store = _store(data_dir)
    subsets = {
        _value(graph, s, SD.name): _value(graph, s, VOID.triples) for s in graph.objects(DATASET, VOID.subset)
    }
    expected = {
        URIRef(g.value): len(list(store.quads_for_pattern(None, None, None, g))) for g in store.named_graphs()
    }
    assert subsets == expected and len(subsets) >= 4


def test_class_partitions_count_each_classes_resources(described):
    _, data_dir, graph = described
    store = _store(data_dir)
    partitions = {
        _value(graph, p, VOID["class"]): _value(graph, p, VOID.entities)
        for p in graph.objects(DATASET, VOID.classPartition)
    }
    for cls in (CDO + "City", CDO + "TwinningAgreement", CDO + "CityNetwork"):
        expected = _count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{cls}> }}")
        assert partitions[URIRef(cls)] == expected > 0


def test_example_resources_are_a_city_a_twinning_and_a_network_of_the_build(described):
    _, data_dir, graph = described
    store = _store(data_dir)
    examples = list(graph.objects(DATASET, VOID.exampleResource))
    assert len(examples) == 3
    for cls in ("City", "TwinningAgreement", "CityNetwork"):
        assert any(store.query(f"ASK {{ <{e}> a <{CDO}{cls}> }}") for e in examples), cls


def test_the_sparql_endpoint_is_described_as_a_data_service_of_this_server(described):
    server, _, graph = described
    endpoint = URIRef(f"{server.url}/sparql")
    assert _value(graph, DATASET, VOID.sparqlEndpoint) == endpoint
    assert (endpoint, RDF.type, DCAT.DataService) in graph
    assert _value(graph, endpoint, DCAT.endpointURL) == endpoint
    assert _value(graph, endpoint, DCAT.servesDataset) == DATASET
    answer = requests.get(str(endpoint), params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert answer.status_code == 200 and answer.json()["boolean"] is True


def test_each_dump_is_a_distribution_whose_checksum_and_size_match_the_download(described):
    server, data_dir, graph = described
    distributions = list(graph.objects(DATASET, DCAT.distribution))
    assert len(distributions) == 3
    media_types = set()
    for distribution in distributions:
        url = _value(graph, distribution, DCAT.downloadURL)
        assert str(url).startswith(f"{server.url}/dumps/cdkg-{data_dir.current().build_id}.")
        assert url in set(graph.objects(DATASET, VOID.dataDump))
        body = requests.get(str(url), timeout=60).content
        assert _value(graph, distribution, DCAT.byteSize) == len(body)
        checksum = _value(graph, distribution, SPDX.checksum)
        assert isinstance(checksum, BNode)
        assert _value(graph, checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        (value,) = graph.objects(checksum, SPDX.checksumValue)
        assert str(value).lower() == hashlib.sha256(body).hexdigest()
        media_types.add(str(_value(graph, distribution, DCAT.mediaType)).rsplit("/", 2)[-2:][1])
    assert media_types == {"n-quads", "turtle", "ld+json"}


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("text/turtle", "text/turtle", "turtle"),
    ],
)
def test_every_rdf_format_says_the_same_by_accept(described, accept, media_type, rdflib_format):
    server, _, turtle = described
    for path in ("/dataset", "/.well-known/void"):
        response = requests.get(f"{server.url}{path}", headers={"Accept": accept}, timeout=60)
        assert response.status_code == 200
        assert response.headers["Content-Type"].split(";")[0] == media_type
        assert response.headers["Vary"] == "Accept"
        parsed = Graph().parse(data=response.content, format=rdflib_format)
        assert len(parsed) == len(turtle)
        assert _value(parsed, DATASET, VOID.triples) == _value(turtle, DATASET, VOID.triples)


def test_browsers_get_a_page_and_extensions_pick_a_format(described):
    server, data_dir, _ = described
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for path in ("/dataset", "/.well-known/void"):
        page = requests.get(f"{server.url}{path}", headers={"Accept": browser}, timeout=60)
        assert page.headers["Content-Type"].startswith("text/html")
        assert data_dir.current().build_id in page.text and "CC0 1.0" in page.text
    assert (
        requests.get(f"{server.url}/.well-known/void", timeout=30)
        .headers["Content-Type"]
        .startswith("text/turtle")
    )
    ttl = requests.get(f"{server.url}/dataset.ttl", timeout=30)
    assert ttl.headers["Content-Type"].startswith("text/turtle") and "Vary" not in ttl.headers
    assert requests.get(f"{server.url}/dataset.csv", timeout=30).status_code == 404
    refused = requests.get(f"{server.url}/dataset", headers={"Accept": "image/png"}, timeout=30)
    assert refused.status_code == 406 and refused.headers["Vary"] == "Accept"


def test_a_build_without_dumps_has_no_distributions(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir)
    with LiveServer(data_dir) as server:
        text = requests.get(f"{server.url}/.well-known/void", timeout=60).text
    graph = Graph().parse(data=text, format="turtle")
    assert not list(graph.objects(DATASET, DCAT.distribution))
    assert _value(graph, DATASET, VOID.triples) == data_dir.current().info["triples"]
