"""Mapping P463 memberships: one membership per member and network, dates at precision, a real roster."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.config import ShippedSources
from cdkg.ingest.memberships import MembershipExtract, extract_memberships, membership_iri
from cdkg.ingest.results_file import results_from_bytes
from cdkg.ingest.wikidata_import import prepare_wikidata_import
from cdkg.namespaces import ACTOR, CDO, DCT, MEMBERSHIP, ORG, OWL, PROV, WD, XSD
from cdkg.validate import load_shapes, validate_store
from tests.conftest import SNAPSHOTS

DATA = Path(__file__).resolve().parents[1] / "data" / "wikidata"
ROSTER = SNAPSHOTS / "eurocities-members-2025" / "members-wikidata-enriched.json.gz"
RETRIEVED = "2026-05-01T12:00:00Z"
NETWORKS = ("Q99999101", "Q99999102")


def _replies() -> tuple[list[bytes], list[bytes], list[bytes]]:
    statements = [(DATA / f"twinning-statements-batch-{n}.srj.json").read_bytes() for n in (1, 2)]
    parties = [(DATA / "parties-batch-1.srj.json").read_bytes()]
    return statements, parties, [(DATA / "memberships-batch-1.srj.json").read_bytes()]


@pytest.fixture(scope="module")
def prepared():
    statements, parties, memberships = _replies()
    return prepare_wikidata_import(
        statements,
        parties,
        RETRIEVED,
        "wdqs-test",
        today=date(2026, 6, 1),
        membership_results=memberships,
        networks=NETWORKS,
    )


@pytest.fixture(scope="module")
def store(prepared) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in prepared.triples)
    return store


def _objects(store: ox.Store, subject: str, predicate: str) -> set[ox.NamedNode | ox.Literal]:
    return {q.object for q in store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None)}


def test_one_membership_per_member_and_network_with_the_org_pattern(prepared, store):
    assert (prepared.summary.memberships, prepared.summary.networks) == (4, 2)
    membership = membership_iri("Q1001", "Q99999101")
    assert membership == f"{MEMBERSHIP}Q1001-Q99999101"
    assert _objects(store, membership, ORG + "member") == {ox.NamedNode(ACTOR + "Q1001")}
    assert _objects(store, membership, ORG + "organization") == {ox.NamedNode(ACTOR + "Q99999101")}
    assert ox.NamedNode(ACTOR + "Q99999101") in _objects(store, ACTOR + "Q1001", CDO + "memberOf")
    assert _objects(store, ACTOR + "Q99999101", OWL + "sameAs") == {ox.NamedNode(WD + "Q99999101")}


def test_membership_dates_keep_their_precision(store):
    def dates(member: str, network: str, predicate: str) -> set[ox.Literal]:
        return _objects(store, membership_iri(member, network), CDO + predicate)

    assert dates("Q1001", "Q99999101", "startDate") == {
        ox.Literal("1990", datatype=ox.NamedNode(XSD + "gYear"))
    }
    assert dates("Q1002", "Q99999101", "startDate") == {
        ox.Literal("1995-06", datatype=ox.NamedNode(XSD + "gYearMonth"))
    }
    assert dates("Q1002", "Q99999101", "endDate") == {
        ox.Literal("2004-03-15", datatype=ox.NamedNode(XSD + "date"))
    }


def test_a_rejoin_keeps_both_statements_but_no_dates(prepared, store):
    membership = membership_iri("Q1003", "Q99999102")
    assert prepared.summary.membership_dates_withheld == 1
    assert not _objects(store, membership, CDO + "startDate")
    assert not _objects(store, membership, CDO + "endDate")
    assert {o.value for o in _objects(store, membership, PROV + "wasDerivedFrom")} == {
        WD + "statement/Q1003-463A0000-0000-0000-0000-000000000003",
        WD + "statement/Q1003-463A0000-0000-0000-0000-000000000004",
    }


def test_references_rank_and_retrieval_date_are_kept(store):
    assert _objects(store, membership_iri("Q1001", "Q99999101"), DCT + "source") == {
        ox.NamedNode("https://example.org/network-101/members")
    }
    assert _objects(store, membership_iri("Q1004", "Q99999102"), CDO + "wikidataRank") == {
        ox.NamedNode("http://wikiba.se/ontology#PreferredRank")
    }
    assert {
        o.value for o in _objects(store, membership_iri("Q1004", "Q99999102"), PROV + "generatedAtTime")
    } == {RETRIEVED}


def test_the_mapped_memberships_conform_to_the_shapes(store):
    shipped = ShippedSources.default()
    checked = ox.Store()
    for name in ("cdkg.ttl", "statuses.ttl", "membership-roles.ttl"):
        checked.load(path=str(shipped.ontology_dir / name), format=ox.RdfFormat.TURTLE)
    checked.extend(store)
    report = validate_store(checked, load_shapes(shipped.ontology_dir), "all")
    assert report.conforms, report.text(limit=10)


def test_memberships_change_the_import_identity(prepared):
    statements, parties, memberships = _replies()
    without = prepare_wikidata_import(statements, parties, RETRIEVED, "wdqs-test", today=date(2026, 6, 1))
    assert without.sha256 != prepared.sha256
    assert prepared.options.as_dict()["networks"] == list(NETWORKS)


def test_a_row_naming_a_network_not_asked_for_is_refused_and_counted():
    body = (DATA / "memberships-batch-1.srj.json").read_bytes()
    extract = extract_memberships(results_from_bytes(body, "batch").rows, {"Q99999101"}, MembershipExtract())
    assert set(extract.memberships) == {("Q1001", "Q99999101"), ("Q1002", "Q99999101")}
    assert extract.rejected_rows.counts["network not among those asked for"] == 3


def _roster_reply(network: str) -> bytes:
    """The Eurocities roster (May 2025) written as memberships.rq would answer it: undated statements."""
    with gzip.open(ROSTER, "rt", encoding="utf-8") as handle:
        roster = json.load(handle)
    bindings = [
        {
            "item": {"type": "uri", "value": WD + member["wikidata_id"]},
            "network": {"type": "uri", "value": WD + network},
            "rank": {"type": "uri", "value": "http://wikiba.se/ontology#NormalRank"},
        }
        for member in roster["members"]
    ]
    head = {
        "vars": ["item", "network", "statement", "rank", "start", "startPrecision", "end", "endPrecision"]
    }
    return json.dumps({"head": head, "results": {"bindings": bindings}}).encode()


def test_a_real_roster_gives_one_membership_per_distinct_member():
    # The roster has 209 records and 206 distinct QIDs: Lyon, Marseille and Ampelokipoi-Menemeni
    # appear twice (a metropolitan body mapped to its city, and a second spelling).
    network = "Q99999103"
    extract = extract_memberships(
        results_from_bytes(_roster_reply(network), "roster").rows, {network}, MembershipExtract()
    )
    assert extract.rows_read == 209
    assert len(extract.memberships) == 206
    assert ("Q456", network) in extract.memberships
    assert extract.networks == {network}
