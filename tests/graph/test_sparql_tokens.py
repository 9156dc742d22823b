"""Graph IRIs after GRAPH, FROM and FROM NAMED are renamed, wherever and however they are written; nothing else is."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cdkg.graph.sparql_tokens import (
    dataset_clauses,
    keywords,
    rename_iris,
    rewrite_graph_iris,
    trailing_limit,
)

LOGICAL = "https://w3id.org/cdkg/graph/"
PHYSICAL = "https://w3id.org/cdkg/graph/build/b1/"


def to_physical(iri: str) -> str:
    return PHYSICAL + iri[len(LOGICAL) :] if iri.startswith(LOGICAL) else iri


def rewrite(query: str) -> str:
    return rewrite_graph_iris(query, to_physical)


def test_graph_from_and_from_named_iris_become_physical():
    query = (
        f"SELECT * FROM <{LOGICAL}ontology> FROM NAMED <{LOGICAL}curated/a> "
        f"WHERE {{ GRAPH <{LOGICAL}curated/a> {{ ?s ?p ?o }} }}"
    )
    assert rewrite(query) == (
        f"SELECT * FROM <{PHYSICAL}ontology> FROM NAMED <{PHYSICAL}curated/a> "
        f"WHERE {{ GRAPH <{PHYSICAL}curated/a> {{ ?s ?p ?o }} }}"
    )


def test_keywords_are_found_in_any_case_and_across_comments_and_line_breaks():
    query = (
        f"select * from # the ontology\n  named\n<{LOGICAL}x> where {{ graph\t<{LOGICAL}y> {{ ?s ?p ?o }} }}"
    )
    rewritten = rewrite(query)
    assert f"named\n<{PHYSICAL}x>" in rewritten and f"graph\t<{PHYSICAL}y>" in rewritten


def test_a_graph_iri_used_as_a_subject_object_or_value_stays_as_written():
    query = (
        f"SELECT * WHERE {{ <{LOGICAL}x> ?p <{LOGICAL}y> . VALUES ?g {{ <{LOGICAL}z> }} "
        f"FILTER(?g != <{LOGICAL}w>) }}"
    )
    assert rewrite(query) == query


def test_strings_and_comments_that_look_like_graph_clauses_stay_as_written():
    query = (
        f"SELECT * WHERE {{ ?s ?p \"GRAPH <{LOGICAL}a>\" . ?s ?p '''FROM <{LOGICAL}b>''' }} "
        f"# GRAPH <{LOGICAL}c>\n"
    )
    assert rewrite(query) == query


def test_prefixed_names_are_resolved_with_the_querys_own_prefixes_and_written_in_full():
    query = (
        f"PREFIX g: <{LOGICAL}>\nPREFIX : <{LOGICAL}curated/>\n"
        "SELECT * FROM g:ontology FROM NAMED :cities WHERE { GRAPH g:wikidata\\/p190 { ?s ?p ?o } }"
    )
    rewritten = rewrite(query)
    assert f"FROM <{PHYSICAL}ontology> FROM NAMED <{PHYSICAL}curated/cities>" in rewritten
    assert f"GRAPH <{PHYSICAL}wikidata/p190>" in rewritten
    assert rewritten.startswith(f"PREFIX g: <{LOGICAL}>")


def test_a_prefixed_name_with_an_undeclared_prefix_is_left_for_the_engine_to_refuse():
    query = "SELECT * WHERE { GRAPH nope:x { ?s ?p ?o } }"
    assert rewrite(query) == query


def test_relative_iris_are_resolved_against_the_querys_base():
    query = f"BASE <{LOGICAL}curated/>\nSELECT * WHERE {{ GRAPH <cities> {{ ?s ?p ?o }} GRAPH <../ontology> {{ ?a ?b ?c }} }}"
    rewritten = rewrite(query)
    assert f"GRAPH <{PHYSICAL}curated/cities>" in rewritten and f"GRAPH <{PHYSICAL}ontology>" in rewritten


def test_other_graphs_and_variables_are_left_alone():
    query = "SELECT * FROM <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert rewrite(query) == query


def test_codepoint_escapes_are_decoded_first_so_an_escaped_graph_iri_is_renamed_too():
    query = "SELECT * WHERE { GRAPH <https://w3id.org/cdkg/graph/\\u0063urated> { ?s ?p ?o } }"
    assert f"GRAPH <{PHYSICAL}curated>" in rewrite(query)


def test_the_rewritten_query_still_parses_and_names_the_physical_graphs():
    query = (
        f"PREFIX g: <{LOGICAL}> SELECT ?s FROM g:a FROM NAMED <{LOGICAL}b> "
        "WHERE { GRAPH g:b { ?s ?p ?o } }"
    )
    rewritten = rewrite(query)
    store = ox.Store()
    store.add(
        ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("1"), ox.NamedNode(PHYSICAL + "b"))
    )
    assert [row["s"].value for row in store.query(rewritten)] == ["urn:s"]


def test_dataset_clauses_lists_the_from_and_from_named_iris():
    query = rewrite(f"SELECT * FROM <{LOGICAL}a> FROM <{LOGICAL}b> FROM NAMED <{LOGICAL}c> {{ ?s ?p ?o }}")
    assert dataset_clauses(query) == ([PHYSICAL + "a", PHYSICAL + "b"], [PHYSICAL + "c"])
    assert dataset_clauses("SELECT * { ?s ?p ?o } # FROM <urn:x>") == ([], [])


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * { ?s ?p "SERVICE" }',
        "SELECT ?service { ?s ?p ?service }",
        "SELECT * { ?s ex:public-service ?o }",
    ],
)
def test_keywords_skip_strings_variables_and_prefixed_names(query):
    assert "SERVICE" not in keywords(query)


def test_only_the_clauses_asked_for_are_renamed():
    query = (
        f"SELECT * FROM <{LOGICAL}a> FROM NAMED <{LOGICAL}b> WHERE {{ GRAPH <{LOGICAL}b> {{ ?s ?p ?o }} }}"
    )
    assert rewrite_graph_iris(query, to_physical, clauses=("GRAPH",)) == (
        f"SELECT * FROM <{LOGICAL}a> FROM NAMED <{LOGICAL}b> WHERE {{ GRAPH <{PHYSICAL}b> {{ ?s ?p ?o }} }}"
    )


@pytest.mark.parametrize(
    ("query", "limit"),
    [
        ("SELECT * { ?s ?p ?o } LIMIT 10", 10),
        ("select * { ?s ?p ?o } order by ?s\nlimit 7 offset 20", 7),
        ("SELECT * { ?s ?p ?o } OFFSET 20 LIMIT 3", 3),
        ("SELECT * { ?s ?p ?o } LIMIT 5 # the first five\n", 5),
        ("SELECT * { ?s ?p ?o } ORDER BY DESC(?s) LIMIT 12", 12),
        ("SELECT * { ?s ?p ?o } ORDER BY (EXISTS { ?s a ?c }) LIMIT 2", 2),
        ("SELECT * { ?s ?p ?o } \\u004cIMIT 4", 4),
        ("SELECT * { ?s ?p ?o }LIMIT 3", 3),
        ("SELECT * { ?s ?p <http://x#y> } LIMIT 6", 6),
        ("SELECT * { ?s ?p ?o } LIMIT" + " " * 300 + "8", 8),
    ],
)
def test_the_limit_a_query_ends_with_is_found(query, limit):
    assert trailing_limit(query) == limit


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p ?o }",
        "SELECT * { { SELECT * { ?s ?p ?o } LIMIT 10 } }",
        "SELECT * { ?s ?p ?o } LIMIT 10 VALUES ?s { <http://x> }",
        "SELECT * { ?s ?p ?o } # LIMIT 10",
        "SELECT * { ?s ?p ?o } \\u0023 LIMIT 10",
        "SELECT * { ?s ?p ?o } # x\n# LIMIT 10",
        'SELECT * { ?s ?p "} LIMIT 10" }',
        "SELECT * { ?s ?p ?o } OFFSET 10",
        "SELECT ?xLIMIT { ?s ?p ?xLIMIT } ORDER BY ?xLIMIT",
    ],
)
def test_a_query_not_ending_with_its_own_limit_has_none(query):
    assert trailing_limit(query) is None


def test_every_found_limit_is_one_the_engine_applies():
    store = ox.Store()
    for i in range(30):
        store.add(ox.Quad(ox.NamedNode(f"http://x/{i}"), ox.NamedNode("http://x/p"), ox.Literal(i)))
    for query in ("SELECT * { ?s ?p ?o } LIMIT 10", "SELECT * { ?s ?p ?o } OFFSET 25 LIMIT 10"):
        assert len(list(store.query(query))) <= trailing_limit(query)


WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
STAND_IN = "https://w3id.org/cdkg/.well-known/engine-stand-in/geosparql-wktLiteral"


@pytest.mark.parametrize(
    "written",
    [
        f"<{WKT}>",
        "geo:wktLiteral",
        "<#wktLiteral>",
        "geo:\\u0077ktLiteral",
    ],
)
def test_an_iri_is_renamed_wherever_it_stands_however_it_is_written(written):
    query = (
        "PREFIX geo: <http://www.opengis.net/ont/geosparql#> BASE <http://www.opengis.net/ont/geosparql> "
        f'SELECT ?w WHERE {{ ?s ?p "POINT(1 2)"^^{written} . ?p <urn:range> {written} '
        f"FILTER(DATATYPE(?w) = {written}) }}"
    )
    renamed = rename_iris(query, {WKT: STAND_IN})
    assert renamed.count(f"<{STAND_IN}>") == 3
    assert "wktLiteral>" not in renamed.replace(f"<{STAND_IN}>", "")


def test_renaming_iris_leaves_strings_other_iris_and_unchanged_prefixed_names_as_written():
    query = f'PREFIX geo: <http://www.opengis.net/ont/geosparql#> SELECT * {{ ?s geo:asWKT "<{WKT}>" }}'
    assert rename_iris(query, {WKT: STAND_IN}) == query
