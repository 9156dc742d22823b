"""Mapping WDQS replies of twinning-statements.rq and parties.rq: ranks, references, dates, party types."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.config import ShippedSources
from cdkg.ingest.parties import latest_population, party_types
from cdkg.ingest.results_file import ResultsFileError
from cdkg.ingest.wikidata_import import prepare_wikidata_import
from cdkg.namespaces import ACTOR, CDO, DCT, PROV, RDFS, SKOS, STATUS, TWINNING, WD, XSD
from cdkg.validate import load_shapes, validate_store

DATA = Path(__file__).resolve().parents[1] / "data" / "wikidata"
RETRIEVED = "2026-05-01T12:00:00Z"
TODAY = date(2026, 6, 1)


def _replies() -> tuple[list[bytes], list[bytes]]:
    statements = [(DATA / f"twinning-statements-batch-{n}.srj.json").read_bytes() for n in (1, 2)]
    return statements, [(DATA / "parties-batch-1.srj.json").read_bytes()]


@pytest.fixture(scope="module")
def prepared():
    statements, parties = _replies()
    return prepare_wikidata_import(statements, parties, RETRIEVED, "wdqs-test", today=TODAY)


@pytest.fixture(scope="module")
def store(prepared) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in prepared.triples)
    return store


def _values(store: ox.Store, query: str) -> set:
    return {row[0] for row in store.query(query)}


def _claim(a: str, b: str, side: str) -> str:
    return f"<{TWINNING}{a}-{b}/claim/{side}>"


def test_deprecated_statements_are_left_out_and_counted_once(prepared, store):
    assert prepared.summary.deprecated_statements == 1
    assert not store.query(f"ASK {{ ?s ?p <{ACTOR}Q1003> . ?s <{CDO}party> <{ACTOR}Q1001> }}")
    assert not store.query(f"ASK {{ <{TWINNING}Q1001-Q1003> ?p ?o }}")
    assert not store.query("ASK { ?c ?p <https://example.org/wrong-1> }")


def test_preferred_statement_is_kept_and_counted(prepared, store):
    assert prepared.summary.preferred_statements == 1
    claim = _claim("Q1001", "Q1002", "Q1001")
    derived = _values(store, f"SELECT ?s WHERE {{ {claim} <{PROV}wasDerivedFrom> ?s }}")
    assert derived == {ox.NamedNode(WD + "statement/Q1001-0A1B2C3D-0000-0000-0000-000000000001")}


def test_conflicting_dates_stay_on_both_claims_and_the_pair_is_flagged_and_counted(prepared, store):
    assert prepared.summary.pairs_with_conflicting_dates == 1
    agreement = f"<{TWINNING}Q1001-Q1002>"
    assert not store.query(f"ASK {{ {agreement} <{CDO}startDate> ?d }}")
    flagged = _values(store, f"SELECT ?a WHERE {{ ?a <{CDO}claimsDisagreeOnDates> true }}")
    assert flagged == {ox.NamedNode(f"{TWINNING}Q1001-Q1002")}
    mine = _values(
        store, f"SELECT ?d WHERE {{ {_claim('Q1001', 'Q1002', 'Q1001')} <{CDO}claimedStartDate> ?d }}"
    )
    theirs = _values(
        store, f"SELECT ?d WHERE {{ {_claim('Q1001', 'Q1002', 'Q1002')} <{CDO}claimedStartDate> ?d }}"
    )
    assert mine == {ox.Literal("1990", datatype=ox.NamedNode(XSD + "gYear"))}
    assert theirs == {ox.Literal("1991-05", datatype=ox.NamedNode(XSD + "gYearMonth"))}
    assert store.query(f"ASK {{ {agreement} <{CDO}status> <{STATUS}active> }}")


def test_year_precision_stays_gyear_and_a_past_end_terminates(store):
    agreement = f"<{TWINNING}Q1003-Q1004>"
    (start,) = _values(store, f"SELECT ?d WHERE {{ {agreement} <{CDO}startDate> ?d }}")
    (end,) = _values(store, f"SELECT ?d WHERE {{ {agreement} <{CDO}endDate> ?d }}")
    assert start == ox.Literal("1960", datatype=ox.NamedNode(XSD + "gYear"))
    assert end == ox.Literal("2019-10-07", datatype=ox.NamedNode(XSD + "date"))
    assert store.query(f"ASK {{ {agreement} <{CDO}status> <{STATUS}terminated> }}")


def test_batches_merge_into_one_reciprocal_agreement(prepared, store):
    assert prepared.summary.agreements == 2
    assert prepared.summary.reciprocal_agreements == 2
    assert prepared.summary.statements_missing_reciprocal == 0
    assert prepared.summary.rows_read == 7
    assert prepared.summary.duplicate_rows == 1  # the second reference row of Q1003's statement
    claims = _values(store, f"SELECT ?c WHERE {{ <{TWINNING}Q1003-Q1004> <{PROV}wasDerivedFrom> ?c }}")
    assert len(claims) == 2


def test_reference_urls_become_dct_source_and_claims_carry_the_retrieval_date(store):
    claim = _claim("Q1003", "Q1004", "Q1003")
    sources = _values(store, f"SELECT ?u WHERE {{ {claim} <{DCT}source> ?u }}")
    assert sources == {
        ox.NamedNode("https://example.org/q1003/a"),
        ox.NamedNode("https://example.org/q1003/b"),
    }
    times = _values(
        store, f"SELECT DISTINCT ?t WHERE {{ ?c a <{CDO}TwinningClaim> ; <{PROV}generatedAtTime> ?t }}"
    )
    assert times == {ox.Literal(RETRIEVED, datatype=ox.NamedNode(XSD + "dateTime"))}
    assert len(_values(store, f"SELECT ?c WHERE {{ ?c <{PROV}generatedAtTime> ?t }}")) == 4


def test_parties_are_typed_from_p31_and_unknown_classes_stay_actor(prepared, store):
    def types(qid: str) -> set[str]:
        return {
            t.value.removeprefix(CDO) for t in _values(store, f"SELECT ?t WHERE {{ <{ACTOR}{qid}> a ?t }}")
        }

    assert types("Q1001") == {"City"}
    assert types("Q1002") == {"LocalGovernment"}
    assert types("Q1003") == {"Region"}
    assert types("Q1004") == {"Actor"}
    assert types("Q183") == {"NationalGovernment"}
    assert prepared.summary.party_types == {
        "Actor (no known P31 class)": 1,
        "City": 1,
        "LocalGovernment": 1,
        "Region": 1,
    }


def test_latest_dated_population_is_chosen(store):
    assert _values(store, f"SELECT ?p WHERE {{ <{ACTOR}Q1001> <{CDO}population> ?p }}") == {
        ox.Literal("120000", datatype=ox.NamedNode(XSD + "integer"))
    }


def test_labels_aliases_country_place_and_geonames(store):
    actor = f"<{ACTOR}Q1001>"
    assert _values(store, f"SELECT ?l WHERE {{ {actor} <{RDFS}label> ?l }}") == {
        ox.Literal("Erstadt", language="de"),
        ox.Literal("First City", language="en"),
    }
    assert _values(store, f"SELECT ?l WHERE {{ {actor} <{SKOS}altLabel> ?l }}") == {
        ox.Literal("Old First", language="en")
    }
    assert _values(store, f"SELECT ?c WHERE {{ {actor} <{CDO}inCountry> ?c }}") == {
        ox.NamedNode(ACTOR + "Q183")
    }
    assert _values(store, f"SELECT ?l WHERE {{ <{ACTOR}Q183> <{RDFS}label> ?l }}") == {
        ox.Literal("Germany", language="en"),
        ox.Literal("Deutschland", language="de"),
    }
    assert _values(store, f"SELECT ?g WHERE {{ {actor} <{CDO}geonamesId> ?g }}") == {ox.Literal("2812482")}
    wkt = _values(
        store,
        f"SELECT ?w WHERE {{ {actor} <http://www.opengis.net/ont/geosparql#hasGeometry>/"
        "<http://www.opengis.net/ont/geosparql#asWKT> ?w }",
    )
    assert {w.value for w in wkt} == {"Point(11.3 50.98)"}


def test_the_english_wikipedia_article_names_the_dbpedia_resource(store):
    def same_as(qid: str) -> set:
        same = _values(
            store, f"SELECT ?x WHERE {{ <{ACTOR}{qid}> <http://www.w3.org/2002/07/owl#sameAs> ?x }}"
        )
        return {term.value for term in same}

    assert same_as("Q1001") == {WD + "Q1001", "http://dbpedia.org/resource/Weimar_(Example_town)"}
    assert same_as("Q1002") == {WD + "Q1002", "http://dbpedia.org/resource/Bad_%22Quoted%22_Place"}
    assert same_as("Q1003") == {WD + "Q1003"}


def test_the_mapped_graph_conforms_to_the_shapes(store):
    shipped = ShippedSources.default()
    checked = ox.Store()
    for name in ("cdkg.ttl", "statuses.ttl"):
        checked.load(path=str(shipped.ontology_dir / name), format=ox.RdfFormat.TURTLE)
    checked.extend(store)
    report = validate_store(checked, load_shapes(shipped.ontology_dir), "all")
    assert report.conforms, report.text(limit=10)


def test_identity_covers_every_reply_and_the_retrieval_date(prepared):
    statements, parties = _replies()
    again = prepare_wikidata_import(statements, parties, RETRIEVED, "wdqs-test", today=TODAY)
    assert again.sha256 == prepared.sha256
    assert again.options == prepared.options
    assert prepare_wikidata_import(statements[:1], parties, RETRIEVED, "wdqs-test").sha256 != prepared.sha256
    later = prepare_wikidata_import(statements, parties, "2026-06-01T00:00:00Z", "wdqs-test")
    assert later.options.as_dict() != prepared.options.as_dict()
    assert prepared.graph_iri.endswith("/wikidata/wdqs-test")


def test_bad_input_is_refused_with_its_batch(tmp_path):
    statements, parties = _replies()
    with pytest.raises(ResultsFileError, match="twinning-statements batch 2"):
        prepare_wikidata_import([statements[0], statements[1][:200]], parties, RETRIEVED, "x")
    with pytest.raises(ValueError, match="xsd:dateTime"):
        prepare_wikidata_import(statements, parties, "yesterday", "x")


def test_population_choice_rules():
    day = ox.NamedNode(XSD + "date")
    old, new = ox.Literal("2010-12-31", datatype=day), ox.Literal("2020-12-31", datatype=day)
    assert latest_population({(1, old, "normal"), (2, new, "normal"), (3, None, "normal")}) == (2, new)
    # Two values at the latest date: the preferred one wins; without one, none is kept.
    assert latest_population({(2, new, "normal"), (4, new, "preferred")}) == (4, new)
    assert latest_population({(2, new, "normal"), (4, new, "normal")}) is None
    assert latest_population({(5, None, "normal")}) == (5, None)


def test_party_type_rules():
    assert party_types({"Q515", "Q262166"}) == ["City"]
    assert party_types({"Q262166"}) == ["LocalGovernment"]
    assert party_types({"Q1549591", "Q10864048"}) == ["City", "Region"]
    assert party_types({"Q486972"}) == ["Actor"]
    assert party_types(set()) == ["Actor"]
