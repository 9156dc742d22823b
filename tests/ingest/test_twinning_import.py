"""Mapping Wikidata P190 results: one agreement per pair, claims as provenance, honest counts."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.ingest.twinning_columns import ColumnError
from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import
from cdkg.namespaces import ACTOR, CDO, RDF, RDFS, STATUS, TWINNING, XSD

WD = "http://www.wikidata.org/entity/"


def _expected_counts(path: Path) -> dict[str, int]:
    """What the file implies, computed independently from the csv module."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    directed = {(r["city"], r["sister"]) for r in rows if r["city"] != r["sister"]}
    return {
        "rows_read": len(rows),
        "rejected_rows": sum(1 for r in rows if r["city"] == r["sister"]),
        "distinct_statements": len(directed),
        "duplicate_rows": sum(1 for r in rows if r["city"] != r["sister"]) - len(directed),
        "agreements": len({frozenset(pair) for pair in directed}),
        "statements_missing_reciprocal": sum(1 for a, b in directed if (b, a) not in directed),
        "parties": len(
            {r["city"] for r in rows if r["city"] != r["sister"]}
            | {r["sister"] for r in rows if r["city"] != r["sister"]}
        ),
    }


def _graph(prepared) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in prepared.triples)
    return store


def _ask(store: ox.Store, query: str):
    return store.query(query, use_default_graph_as_union=True)


@pytest.fixture(scope="module")
def real_import(p190_csv):
    return prepare_twinning_import(p190_csv, ImportOptions(subject_class="city", label_language="it"))


def test_real_export_summary_matches_what_the_file_implies(real_import, p190_csv):
    summary = real_import.summary
    for key, value in _expected_counts(p190_csv).items():
        assert getattr(summary, key) == value, key
    assert summary.rejections == {"self-loop (an item twinned with itself)": 1}
    assert summary.dropped_values == {"population is not a whole number": 1}


def test_real_export_has_one_agreement_per_unordered_pair(real_import):
    store = _graph(real_import)
    agreements = list(_ask(store, f"SELECT ?a WHERE {{ ?a a <{CDO}TwinningAgreement> }}"))
    assert len(agreements) == real_import.summary.agreements
    parties = list(
        _ask(
            store,
            f"SELECT ?a (COUNT(?p) AS ?n) WHERE {{ ?a <{CDO}party> ?p }} GROUP BY ?a HAVING (COUNT(?p) != 2)",
        )
    )
    assert parties == []


def _reciprocal_pair(path: Path) -> tuple[str, str]:
    with open(path, newline="", encoding="utf-8") as handle:
        directed = {
            (r["city"].rsplit("/", 1)[1], r["sister"].rsplit("/", 1)[1]) for r in csv.DictReader(handle)
        }
    return next((a, b) for a, b in sorted(directed) if (b, a) in directed and a != b)


def test_agreement_iri_is_the_numerically_ordered_qid_pair_and_keeps_both_claims(real_import, p190_csv):
    store = _graph(real_import)
    a, b = sorted(_reciprocal_pair(p190_csv), key=lambda q: int(q[1:]))
    claims = {
        s["who"].value
        for s in _ask(
            store,
            f"SELECT ?who WHERE {{ <{TWINNING}{a}-{b}> <http://www.w3.org/ns/prov#wasDerivedFrom> ?c . "
            f"?c <{CDO}assertedBy> ?who }}",
        )
    }
    assert claims == {f"{ACTOR}{a}", f"{ACTOR}{b}"}
    assert not _ask(store, f"ASK {{ <{TWINNING}{b}-{a}> ?p ?o }}")


def test_one_sided_claims_are_marked_as_missing_their_reciprocal(real_import):
    store = _graph(real_import)
    one_sided = _ask(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c <{CDO}hasReciprocalClaim> false }}")
    assert int(next(one_sided)["n"].value) == real_import.summary.statements_missing_reciprocal


def test_self_loop_creates_no_agreement(real_import):
    store = _graph(real_import)
    assert not _ask(store, f"ASK {{ <{TWINNING}Q239-Q239> ?p ?o }}")


def test_labels_keep_the_language_given_for_untagged_csv(real_import, p190_csv):
    store = _graph(real_import)
    labels = {s["l"] for s in _ask(store, f"SELECT ?l WHERE {{ <{ACTOR}Q90> <{RDFS}label> ?l }}")}
    assert labels == {ox.Literal("Parigi", language="it")}
    untagged = prepare_twinning_import(p190_csv, ImportOptions())
    labels = {s["l"] for s in _ask(_graph(untagged), f"SELECT ?l WHERE {{ <{ACTOR}Q90> <{RDFS}label> ?l }}")}
    assert labels == {ox.Literal("Parigi")}


def test_population_is_kept_only_when_the_file_gives_one_value(real_import):
    store = _graph(real_import)
    # Kiryat Malakhi (Q501543) has 67 undated population values: none is kept.
    assert not _ask(store, f"ASK {{ <{ACTOR}Q501543> <{CDO}population> ?p }}")
    typed = list(_ask(store, f"SELECT ?p WHERE {{ ?a <{CDO}population> ?p }} LIMIT 1"))
    assert typed[0]["p"].datatype == ox.NamedNode(XSD + "integer")


def test_subject_class_types_the_subject_items(real_import):
    store = _graph(real_import)
    # Cairo (Q85) is a subject of the export, a city by the query's own filter.
    assert _ask(
        store, f"ASK {{ <{ACTOR}Q85> a <{CDO}City> ; <http://www.w3.org/2002/07/owl#sameAs> <{WD}Q85> }}"
    )


def _results_json(tmp_path: Path, bindings: list[dict], variables: list[str]) -> Path:
    path = tmp_path / "dated.json"
    path.write_text(json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}))
    return path


def _uri(q: str) -> dict:
    return {"type": "uri", "value": WD + q}


def _time(value: str) -> dict:
    return {"type": "literal", "value": value, "datatype": XSD + "dateTime"}


def _int(value: int) -> dict:
    return {"type": "literal", "value": str(value), "datatype": XSD + "integer"}


DATED_VARS = ["item", "twin", "statement", "start", "startPrecision", "end", "endPrecision"]


def test_dates_keep_their_precision_and_an_end_in_the_past_terminates(tmp_path):
    path = _results_json(
        tmp_path,
        [
            {
                "item": _uri("Q3955"),
                "twin": _uri("Q1"),
                "statement": {"type": "uri", "value": WD + "statement/Q3955-abc"},
                "start": _time("1995-01-01T00:00:00Z"),
                "startPrecision": _int(9),
                "end": _time("2019-10-07T00:00:00Z"),
                "endPrecision": _int(11),
            }
        ],
        DATED_VARS,
    )
    store = _graph(prepare_twinning_import(path, ImportOptions(), today=date(2026, 1, 1)))
    row = next(
        _ask(
            store,
            f"SELECT ?s ?e ?st WHERE {{ <{TWINNING}Q1-Q3955> <{CDO}startDate> ?s ; <{CDO}endDate> ?e ; <{CDO}status> ?st }}",
        )
    )
    assert row["s"] == ox.Literal("1995", datatype=ox.NamedNode(XSD + "gYear"))
    assert row["e"] == ox.Literal("2019-10-07", datatype=ox.NamedNode(XSD + "date"))
    assert row["st"] == ox.NamedNode(STATUS + "terminated")
    assert _ask(
        store,
        f"ASK {{ ?c <{CDO}assertedBy> <{ACTOR}Q3955> ; <http://www.w3.org/ns/prov#wasDerivedFrom> <{WD}statement/Q3955-abc> }}",
    )


def test_sides_that_disagree_on_the_start_keep_both_dates_on_their_claims(tmp_path):
    rows = [
        {
            "item": _uri("Q10"),
            "twin": _uri("Q20"),
            "start": _time("1990-00-00T00:00:00Z"),
            "startPrecision": _int(9),
        },
        {
            "item": _uri("Q20"),
            "twin": _uri("Q10"),
            "start": _time("1991-05-00T00:00:00Z"),
            "startPrecision": _int(10),
        },
    ]
    store = _graph(prepare_twinning_import(_results_json(tmp_path, rows, DATED_VARS), ImportOptions()))
    assert not _ask(store, f"ASK {{ <{TWINNING}Q10-Q20> <{CDO}startDate> ?d }}")
    claimed = {s["d"].value for s in _ask(store, f"SELECT ?d WHERE {{ ?c <{CDO}claimedStartDate> ?d }}")}
    assert claimed == {"1990", "1991-05"}
    # Dated and not ended: active.
    assert _ask(store, f"ASK {{ <{TWINNING}Q10-Q20> <{CDO}status> <{STATUS}active> }}")


def test_undated_claims_get_no_status(real_import):
    store = _graph(real_import)
    assert not _ask(store, f"ASK {{ ?a <{CDO}status> ?s }}")


def test_a_file_without_twinning_columns_is_refused_listing_its_columns(json_sample):
    with pytest.raises(ColumnError, match="its columns: country, countryLabel"):
        prepare_twinning_import(json_sample, ImportOptions())


def test_dates_without_precision_are_refused_rather_than_read_as_1_january(tmp_path):
    path = tmp_path / "undated.csv"
    path.write_text(f"city,sister,start\n{WD}Q1,{WD}Q2,1990-01-01T00:00:00Z\n")
    with pytest.raises(ColumnError, match="1 January"):
        prepare_twinning_import(path, ImportOptions())


def test_rows_with_non_item_values_are_rejected_with_reason_and_row(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(f"city,sister\n{WD}Q1,{WD}Q2\n{WD}Q1,http://example.org/x\n")
    summary = prepare_twinning_import(path, ImportOptions()).summary
    assert summary.rejections == {"column 'sister' is not a Wikidata item IRI": 1}
    assert summary.rejection_examples["column 'sister' is not a Wikidata item IRI"] == [
        "row 2: 'http://example.org/x'"
    ]
    assert summary.agreements == 1


def test_bare_qid_labels_from_the_label_service_are_not_kept(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(f"city,cityLabel,sister,sisterLabel\n{WD}Q1,Q1,{WD}Q2,Zwei\n")
    prepared = prepare_twinning_import(path, ImportOptions(label_language="de"))
    store = _graph(prepared)
    labels = {s["l"] for s in _ask(store, f"SELECT ?l WHERE {{ ?a <{RDFS}label> ?l }}")}
    assert labels == {ox.Literal("Zwei", language="de")}
    assert prepared.summary.dropped_values == {"label is the bare QID (no label in that language)": 1}
    assert _ask(store, f"ASK {{ <{ACTOR}Q1> <{RDF}type> ?t }}")
