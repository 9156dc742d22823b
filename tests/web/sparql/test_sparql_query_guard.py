"""The endpoint's one scan of a query's words (SERVICE, NOW(), RAND()...) finds every word the full token
scan finds, though it tokenizes only when a substring says it must: no case, escape or Unicode trick hides one."""

from __future__ import annotations

import pytest

from cdkg.graph.sparql_tokens import decode_codepoint_escapes, keywords
from cdkg.web.sparql.guard import GUARDED_WORDS, guarded_keywords, uses_federation

QUERIES = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
    "SELECT * WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }",
    "select * where { service <http://x/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SeRvIcE <http://x/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE {?s ?p ?o}SERVICE<http://x/>{?a ?b ?c}",
    # Characters whose upper case is an ASCII letter: the long s and the dotless i.
    "SELECT * WHERE { \u017fERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { SERV\u0131CE <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0073ervice <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\U00000053ERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { SER\\u0056ICE <http://x/> { ?s ?p ?o } }",
    'SELECT * WHERE { BIND("\\u0022 SERVICE <http://x/> {}" AS ?x) }',
    "SELECT * WHERE {\n  # SERVICE <http://x/sparql>\n  ?s ?p ?o }",
    'SELECT ?service WHERE { BIND("SERVICE" AS ?service) }',
    "PREFIX ex: <http://x/> SELECT * WHERE { ?s ex:public-service ?o }",
    "SELECT (NOW() AS ?t) WHERE {}",
    "SELECT (now() AS ?t) (rand() AS ?r) (struuid() AS ?u) WHERE {}",
    "SELECT ?now WHERE { ?now ?p <http://x/rand> }",
    "SELECT (N\\u004FW() AS ?t) (BNODE() AS ?b) WHERE {}",
    "SELECT (UUID() AS ?u) WHERE { ?s <http://x/p> 'nowhere' }",
]


def _full_scan(query: str) -> frozenset[str]:
    words = set(keywords(query)) | set(keywords(decode_codepoint_escapes(query)))
    return frozenset(words & GUARDED_WORDS)


@pytest.mark.parametrize("query", QUERIES)
def test_the_guarded_words_are_those_the_full_token_scan_finds(query):
    assert guarded_keywords(query) == _full_scan(query)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * WHERE { \u017fERVICE <http://x/> { ?s ?p ?o } }", True),
        ("SELECT * WHERE { \\u0073ervice <http://x/> { ?s ?p ?o } }", True),
        ("SELECT * WHERE { \\U00000053ERVICE <http://x/> { ?s ?p ?o } }", True),
        ('SELECT * WHERE { BIND("service" AS ?x) }', False),
        ("SELECT * WHERE { ?s ?p ?o }", False),
    ],
)
def test_a_service_hidden_by_case_or_escapes_is_still_found(query, expected):
    assert uses_federation(query) is expected
