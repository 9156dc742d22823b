"""The stand-in IRIs an engine is loaded with in place of those it cannot hold as written."""

from __future__ import annotations

import pyoxigraph as ox

from cdkg.graph.remote.publication import remote_graph_names, remote_store_of
from cdkg.graph.remote.stand_ins import (
    WKT_LITERAL,
    TermStandIns,
    rename_to_stand_ins,
    restore_stood_in,
    stand_ins_for,
)
from cdkg.graph.remote.store_config import RemoteStoreConfig

EX = "https://w3id.org/cdkg/test/"
STAND_INS = stand_ins_for("virtuoso")
STAND_IN = STAND_INS[WKT_LITERAL]


def test_only_virtuoso_is_given_stand_ins_and_only_for_wkt_literals():
    assert list(STAND_INS) == [WKT_LITERAL] and STAND_IN.startswith("https://w3id.org/cdkg/.well-known/")
    assert stand_ins_for("oxigraph") == {} and stand_ins_for("sparql") == {}


def test_wkt_literals_and_the_wkt_iri_as_a_node_are_loaded_as_their_stand_in():
    terms = TermStandIns(STAND_INS)
    point = ox.Literal("Point(13.38333333333333 52.51666666666667)", datatype=ox.NamedNode(WKT_LITERAL))
    loaded = terms.triple(ox.Triple(ox.NamedNode(EX + "g"), ox.NamedNode(EX + "asWKT"), point))
    assert loaded.object == ox.Literal(point.value, datatype=ox.NamedNode(STAND_IN))
    range_statement = ox.Triple(
        ox.NamedNode(EX + "asWKT"), ox.NamedNode(EX + "range"), ox.NamedNode(WKT_LITERAL)
    )
    assert terms.triple(range_statement).object == ox.NamedNode(STAND_IN)
    other = ox.Triple(ox.NamedNode(EX + "g"), ox.NamedNode(EX + "label"), ox.Literal("Point(1 2)"))
    assert terms.triple(other) is other
    assert not TermStandIns({})


def test_answers_and_messages_name_the_original_iri_again():
    body = f'<literal datatype="{STAND_IN}">Point(1 2)</literal>'
    assert restore_stood_in(body.encode(), STAND_INS) == body.replace(STAND_IN, WKT_LITERAL).encode()
    assert restore_stood_in(f"cannot compare <{STAND_IN}>", STAND_INS) == f"cannot compare <{WKT_LITERAL}>"


def test_queries_naming_the_wkt_iri_name_its_stand_in_and_others_are_left_unscanned():
    query = 'PREFIX geo: <http://www.opengis.net/ont/geosparql#> ASK { ?s ?p "Point(1 2)"^^geo:wktLiteral }'
    assert f'"Point(1 2)"^^<{STAND_IN}>' in rename_to_stand_ins(query, STAND_INS)
    escaped = 'ASK { ?s ?p "Point(1 2)"^^<http://www.opengis.net/ont/\\u0067eosparql#wktLiteral> }'
    assert f"<{STAND_IN}>" in rename_to_stand_ins(escaped, STAND_INS)
    plain = "SELECT * WHERE { ?s ?p ?o }"
    assert rename_to_stand_ins(plain, STAND_INS) is plain


def test_a_build_is_read_with_the_stand_ins_its_record_names_and_none_when_it_names_none():
    config = RemoteStoreConfig.parse("virtuoso+http://127.0.0.1:8890")
    names = remote_graph_names("b1", ["https://w3id.org/cdkg/graph/ontology"])
    recorded = {"store": config.as_dict(), "remote_graphs": {**names, "stand_ins": STAND_INS}}
    assert remote_store_of("b1", recorded).stand_ins == STAND_INS
    older = {"store": config.as_dict(), "remote_graphs": names}
    assert remote_store_of("b1", older).stand_ins == {}
