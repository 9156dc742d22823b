"""Wikibase entity JSON (the real Weimar entity of 2016) read as WDQS rows and mapped the same way."""

from __future__ import annotations

import json
from datetime import date

import pyoxigraph as ox
import pytest

from cdkg.ingest.entity_json import EntityJsonError, party_results, statement_iri, statement_results
from cdkg.ingest.results_file import results_from_bytes
from cdkg.ingest.wikidata_import import prepare_wikidata_import
from cdkg.namespaces import ACTOR, CDO, DCT, PROV, RDFS, STATUS, TWINNING, WD, XSD
from tests.conftest import TEST_DATA

WEIMAR = TEST_DATA / "wikidata-entity-sample" / "Q3955-weimar-2016.json"
RETRIEVED = "2016-09-01T00:00:00Z"


@pytest.fixture(scope="module")
def weimar() -> bytes:
    return WEIMAR.read_bytes()


def _p190(data: bytes) -> list[dict]:
    return json.loads(data)["entities"]["Q3955"]["claims"]["P190"]


def _store(prepared) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in prepared.triples)
    return store


def _prepare(entity: bytes):
    return prepare_wikidata_import(
        [statement_results(entity)], [party_results(entity)], RETRIEVED, "weimar", today=date(2026, 1, 1)
    )


def test_statement_rows_have_the_columns_of_the_query_and_the_statement_iris(weimar):
    table = results_from_bytes(statement_results(weimar), "weimar")
    assert table.variables[:4] == ["item", "statement", "rank", "partner"]
    rows = list(table.rows)
    assert len(rows) == len(_p190(weimar)) == 5
    iris = {row["statement"].value for row in rows}
    assert f"{WD}statement/Q3955-f5bc4a76-4cfb-d8da-8620-e9d1f17716cc" in iris
    assert statement_iri("Q3955$f5bc4a76-4cfb-d8da-8620-e9d1f17716cc") in iris
    assert {row["rank"].value for row in rows} == {"http://wikiba.se/ontology#NormalRank"}


def test_weimar_maps_to_five_dated_one_sided_agreements_with_their_sources(weimar):
    prepared = _prepare(weimar)
    store = _store(prepared)
    assert prepared.summary.agreements == 5
    assert prepared.summary.statements_missing_reciprocal == 5
    claim = f"<{TWINNING}Q3955-Q160927/claim/Q3955>"
    (start,) = [r[0] for r in store.query(f"SELECT ?d WHERE {{ {claim} <{CDO}claimedStartDate> ?d }}")]
    assert start == ox.Literal("1995-02-18", datatype=ox.NamedNode(XSD + "date"))
    assert store.query(
        f"ASK {{ {claim} <{PROV}wasDerivedFrom> <{WD}statement/Q3955-f5bc4a76-4cfb-d8da-8620-e9d1f17716cc> ; "
        f"<{DCT}source> <http://stadt.weimar.de/ueber-weimar/partnerstaedte/> }}"
    )
    assert store.query(f"ASK {{ <{TWINNING}Q3955-Q160927> <{CDO}status> <{STATUS}active> }}")


def test_deprecated_and_preferred_ranks_in_entity_json_are_respected(weimar):
    entity = json.loads(weimar)
    claims = entity["entities"]["Q3955"]["claims"]["P190"]
    claims[0]["rank"] = "deprecated"  # Q160927
    claims[1]["rank"] = "preferred"  # Q202158
    prepared = _prepare(json.dumps(entity).encode())
    store = _store(prepared)
    assert prepared.summary.deprecated_statements == 1
    assert prepared.summary.preferred_statements == 1
    assert prepared.summary.agreements == 4
    assert not store.query(f"ASK {{ <{TWINNING}Q3955-Q160927> ?p ?o }}")
    assert store.query(f"ASK {{ <{TWINNING}Q3955-Q202158> a <{CDO}TwinningAgreement> }}")


def test_weimar_itself_is_a_city_with_its_latest_population_and_country(weimar):
    store = _store(_prepare(weimar))
    weimar_actor = f"<{ACTOR}Q3955>"
    # P31: independent city of Germany (Q22865) and municipality of Germany (Q262166), among others.
    assert {r[0] for r in store.query(f"SELECT ?t WHERE {{ {weimar_actor} a ?t }}")} == {
        ox.NamedNode(CDO + "City")
    }
    # Nine population statements; the latest P585 is 2015-12-31 (64,131, also the preferred one).
    assert {
        r[0].value for r in store.query(f"SELECT ?p WHERE {{ {weimar_actor} <{CDO}population> ?p }}")
    } == {"64131"}
    # P17: the preferred statement (Germany), not the historical ones.
    assert {r[0] for r in store.query(f"SELECT ?c WHERE {{ {weimar_actor} <{CDO}inCountry> ?c }}")} == {
        ox.NamedNode(ACTOR + "Q183")
    }
    assert store.query(f'ASK {{ {weimar_actor} <{RDFS}label> "Weimar"@de }}')
    # Two P1566 values on the item: neither is kept (the shapes allow one).
    assert not store.query(f"ASK {{ {weimar_actor} <{CDO}geonamesId> ?g }}")


def test_year_precision_times_are_written_as_wdqs_writes_them(weimar):
    rows = list(results_from_bytes(party_results(weimar), "weimar").rows)
    dates = {row["populationDate"].value for row in rows if "populationDate" in row}
    assert "2015-12-31T00:00:00Z" in dates
    assert all(not d.startswith("+") for d in dates)


def test_non_entity_json_is_refused():
    with pytest.raises(EntityJsonError, match="entities"):
        statement_results(b'{"head": {}}')
