"""The endpoint's SPARQL 1.1 Service Description, with VoID statistics of the published dataset.

Served at the endpoint itself to a GET without a query that asks for RDF, as the Service
Description recommendation says; the statistics are counted once per build.
"""

from __future__ import annotations

import threading

import pyoxigraph as ox

from cdkg.graph.datadir import PublishedBuild
from cdkg.graph.served import ServedGraph
from cdkg.web.plumbing.endpoint_settings import EndpointSettings
from cdkg.web.plumbing.formats import GRAPH_FORMATS, SOLUTION_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
DESCRIPTION_PREFIXES = {"sd": SD, "void": VOID, "dct": DCT, "formats": FORMATS}

# The W3C's IRIs for the result formats the endpoint writes (http://www.w3.org/ns/formats/).
FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON-LD",
}

# Counted on the default graph, the merge of every named graph.
STATISTICS = {
    "classes": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }",
    "properties": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }",
    "distinctSubjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
    "distinctObjects": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
}

_statistics_lock = threading.Lock()
_statistics: dict[str, dict[str, int]] = {}


def describe_service(endpoint: str, graph: ServedGraph, settings: EndpointSettings) -> list[ox.Triple]:
    """The service description of the endpoint at `endpoint`, for the build now published."""
    opened = graph.open()
    build = opened.build
    service = ox.NamedNode(endpoint)
    dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("defaultGraph")
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        # The default graph is stored as the merge of the named graphs.
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, _sd("Graph")),
        ox.Triple(default_graph, RDF_TYPE, ox.NamedNode(VOID + "Dataset")),
        ox.Triple(default_graph, _void("triples"), _integer(build.info.get("triples", 0))),
    ]
    if settings.federation_allowlist is not None:
        triples.append(ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
    for fmt in SOLUTION_FORMATS + GRAPH_FORMATS:
        triples.append(
            ox.Triple(service, _sd("resultFormat"), ox.NamedNode(FORMATS + FORMAT_IRIS[fmt.media_type]))
        )
    if build.info.get("built_at"):
        modified = ox.Literal(build.info["built_at"], datatype=XSD_DATETIME)
        triples.append(ox.Triple(default_graph, ox.NamedNode(DCT + "modified"), modified))
    for name, count in default_graph_statistics(build, opened.store).items():
        triples.append(ox.Triple(default_graph, _void(name), _integer(count)))
    for index, (graph_iri, count) in enumerate(sorted(build.info.get("graphs", {}).items())):
        named = ox.BlankNode(f"namedGraph{index}")
        described = ox.BlankNode(f"graph{index}")
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(graph_iri)),
            ox.Triple(named, _sd("graph"), described),
            ox.Triple(described, RDF_TYPE, _sd("Graph")),
            ox.Triple(described, _void("triples"), _integer(count)),
        ]
    return triples


def default_graph_statistics(build: PublishedBuild, store: ox.Store) -> dict[str, int]:
    with _statistics_lock:
        cached = _statistics.get(build.build_id)
        if cached is None:
            cached = {name: int(next(iter(store.query(q)))["n"].value) for name, q in STATISTICS.items()}
            _statistics.clear()
            _statistics[build.build_id] = cached
        return cached


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def _void(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + name)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=XSD_INTEGER)
