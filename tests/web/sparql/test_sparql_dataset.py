"""`default-graph-uri` and `named-graph-uri` set the whole RDF dataset, overriding FROM and FROM NAMED."""

from __future__ import annotations

import requests

CDO = "https://w3id.org/cdkg/ontology#"
ONTOLOGY_GRAPH = "https://w3id.org/cdkg/graph/ontology"
WIKIDATA_GRAPH = "https://w3id.org/cdkg/graph/wikidata/query"
WIKIDATA_AGREEMENTS = 8951
JSON = {"Accept": "application/sparql-results+json"}


def count(server, query: str, **params) -> int:
    response = requests.get(
        f"{server.url}/sparql", params={"query": query, **params}, headers=JSON, timeout=60
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_default_graph_uri_overrides_from(live_server):
    query = f"SELECT (COUNT(?a) AS ?n) FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?a a <{CDO}TwinningAgreement> }}"
    assert count(live_server, query) == 0
    assert count(live_server, query, **{"default-graph-uri": WIKIDATA_GRAPH}) == WIKIDATA_AGREEMENTS


def test_several_default_graph_uris_make_their_merge(live_server):
    query = f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{CDO}TwinningAgreement> }}"
    both = count(live_server, query, **{"default-graph-uri": [ONTOLOGY_GRAPH, WIKIDATA_GRAPH]})
    assert both == WIKIDATA_AGREEMENTS


def test_named_graph_uri_overrides_from_named(live_server):
    query = (
        f"SELECT (COUNT(DISTINCT ?g) AS ?n) FROM NAMED <{ONTOLOGY_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    assert count(live_server, query) == 1
    graphs = count(live_server, query, **{"named-graph-uri": [WIKIDATA_GRAPH, ONTOLOGY_GRAPH, "urn:x:none"]})
    assert graphs == 2


def test_named_graph_uri_alone_leaves_the_default_graph_empty(live_server):
    """As with FROM NAMED alone: the dataset the request describes has no default graph."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count(live_server, query) > 0
    assert count(live_server, query, **{"named-graph-uri": WIKIDATA_GRAPH}) == 0


def test_graph_uris_work_on_construct_too(live_server):
    query = f"CONSTRUCT {{ ?a a <{CDO}TwinningAgreement> }} WHERE {{ GRAPH ?g {{ ?a a <{CDO}TwinningAgreement> }} }}"
    response = requests.get(
        f"{live_server.url}/sparql",
        params={"query": query, "named-graph-uri": ONTOLOGY_GRAPH},
        headers={"Accept": "application/n-triples"},
        timeout=60,
    )
    assert response.status_code == 200
    assert response.text.strip() == ""
