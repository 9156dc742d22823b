"""Covenant signatories linked to the Wikidata items of the graph: right links made, traps refused.

The store is the session's build of the four shipped snapshots (fixture `snapshot_data_dir`), read
only. The expected links were checked by hand against the snapshots (names, points, populations).
"""

from __future__ import annotations

import time
from collections import Counter

import pyoxigraph as ox
import pytest

from cdkg.config import ShippedSources
from cdkg.ingest import covenant_link_rules as rules
from cdkg.ingest import p190_crawl, p190_export_2021
from cdkg.ingest.covenant_link_facts import Signatory, WikidataItem
from cdkg.ingest.covenant_links import (
    AMBIGUOUS,
    CONTESTED,
    LINKS_GRAPH,
    NO_CANDIDATE,
    SAME_PLACE,
    UNCONFIRMED,
    CovenantLinkReport,
    covenant_links,
)
from cdkg.ingest.covenant_roster import COVENANT_GRAPH
from cdkg.namespaces import ACTOR, CDO, DCT, PROV, RDF, RDFS, XSD
from cdkg.validate import load_shapes, validate_store

SIGNATORY = ACTOR + "gcom-signatory/"


@pytest.fixture(scope="module")
def linked(snapshot_data_dir) -> tuple[list[ox.Quad], CovenantLinkReport, float]:
    """The links and report on the session's build of the four shipped snapshots, and the seconds taken."""
    published = snapshot_data_dir.current()
    assert published is not None
    store = ox.Store.read_only(str(published.store_path))
    started = time.perf_counter()
    quads, report = covenant_links(store)
    return quads, report, time.perf_counter() - started


@pytest.fixture(scope="module")
def links(linked) -> dict[str, str]:
    """Signatory organisation_id -> the QID it is linked to."""
    return {
        q.subject.value[len(SIGNATORY) :]: q.object.value[len(ACTOR) :]
        for q in linked[0]
        if q.predicate.value == SAME_PLACE
    }


def _evidence(quads: list[ox.Quad], organisation_id: str) -> dict[str, list[str]]:
    node = next(
        q.subject
        for q in quads
        if q.predicate.value == CDO + "matchSubject" and q.object.value == SIGNATORY + organisation_id
    )
    found: dict[str, list[str]] = {}
    for q in quads:
        if q.subject == node:
            found.setdefault(q.predicate.value, []).append(q.object.value)
    return found


# ---------------------------------------------------------------- right links


@pytest.mark.parametrize(
    ("organisation_id", "qid"),
    [
        ("11948", "Q1492"),  # Barcelona: 0.0 km, populations 0.98
        ("11832", "Q490"),  # Milano: 0.0 km, 0.99
        ("11840", "Q495"),  # Torino: 1.6 km, 0.96
        ("11963", "Q1891"),  # Bologna: 0.0 km, 0.96
        ("11603", "Q1794"),  # Frankfurt am Main: 0.3 km, 0.99
        ("12364", "Q741765"),  # San Fernando (Cádiz): 0.2 km, 0.99; the other San Fernando has no point
    ],
)
def test_signatories_whose_name_point_and_population_agree_are_linked_to_their_item(
    links, organisation_id, qid
):
    assert links.get(organisation_id) == qid


def test_a_link_keeps_its_evidence_distance_population_names_method_and_both_sources(linked):
    evidence = _evidence(linked[0], "11840")  # Torino
    assert evidence[RDF + "type"] == [CDO + "PlaceMatch"]
    assert evidence[CDO + "matchObject"] == [ACTOR + "Q495"]
    assert evidence[CDO + "distanceKm"] == ["1.62"]
    assert evidence[CDO + "populationRatio"] == ["0.957"]
    assert evidence[CDO + "matchedName"] == ["Torino"]
    assert "within 5 km" in evidence[CDO + "matchMethod"][0]
    assert set(evidence[PROV + "wasDerivedFrom"]) == {COVENANT_GRAPH, p190_export_2021.GRAPH_IRI}


def test_a_name_only_the_2016_crawl_gives_links_through_the_items_2021_point(linked):
    evidence = _evidence(linked[0], "11948")  # Barcelona: "Barcellona" in 2021, "Barcelona" in 2016
    assert set(evidence[CDO + "matchedName"]) == {"Barcelona"}
    assert p190_crawl.GRAPH_IRI in evidence[PROV + "wasDerivedFrom"]
    assert linked[1].linked_by_2016_label == 76


def test_a_place_a_few_km_beyond_the_near_distance_links_only_with_populations_agreeing(linked, links):
    assert links.get("11786") is None  # Lyon: Q456 lies 43 km from the roster's point
    far = [
        float(q.object.value)
        for q in linked[0]
        if q.predicate.value == CDO + "distanceKm" and float(q.object.value) > rules.NEAR_KM
    ]
    assert far and max(far) <= rules.FAR_KM


# ---------------------------------------------------------------- traps refused


@pytest.mark.parametrize(
    ("organisation_id", "why"),
    [
        ("11850", "Amsterdam: the city Q727 and the municipality Q9899, both at its point"),
        ("27592", "Culiacán: the city and the municipality, both near"),
        ("19178", "Saint-Denis: both items of that name are hundreds of km away"),
        ("11566", "Sommacampagna: its roster point is a whole-degree grid point, left out"),
        ("15399", "Santa Fe: grid point left out; Q615722's population agrees, but nothing places it"),
        ("28358_med", "Yeruham: its point is shared with Arad, so left out for both"),
        ("28359_med", "Arad (Israel): a point shared with Yeruham"),
        ("11593", "Varna: another item named Varna has no point, and no population confirms Q6506"),
        ("12885", "Floridia: signed twice (also as 'Comune di Floridia'); Q490900 passes for both"),
        ("13692", "Timisoara: signed twice (also as 'MUNICIPALITY OF TIMISOARA')"),
        ("18526", "ROSOLINA: a group of local governments, not one place"),
        ("27839", "RIBERA: a group of local governments, not one place"),
    ],
)
def test_a_trap_is_not_linked(links, organisation_id, why):
    assert organisation_id not in links, why


def test_of_two_signatories_of_one_name_only_the_one_at_the_items_point_is_linked(links, linked):
    assert links.get("27963") == "Q237674"  # "Saint - Gilles", Brussels: 0.6 km from the item
    assert "12091" not in links  # Saint-Gilles, France: 536 km from it
    assert any(e.startswith("Saint-Gilles vs Q237674 (536 km") for e in linked[1].examples[rules.TOO_FAR])


def test_no_wikidata_item_is_linked_to_two_signatories_nor_a_signatory_to_two_items(linked, links):
    objects = Counter(links.values())
    assert [qid for qid, n in objects.items() if n > 1] == []
    subjects = Counter(q.subject.value for q in linked[0] if q.predicate.value == SAME_PLACE)
    assert max(subjects.values()) == 1


def test_the_report_counts_every_local_government_once_under_its_outcome(linked):
    report = linked[1]
    assert report.signatories == 11_679 and report.groups_left_out == 294
    assert sum(report.outcomes.values()) == report.signatories
    assert (
        report.linked == 945 == len(linked_links := [q for q in linked[0] if q.predicate.value == SAME_PLACE])
    )
    assert linked_links
    assert report.outcomes[NO_CANDIDATE] == 9_687
    assert report.outcomes[rules.NO_POINT] == 885
    assert report.outcomes[rules.TOO_FAR] == 93
    assert report.outcomes[rules.POPULATION] == 45
    assert report.outcomes[AMBIGUOUS] == 9
    assert report.outcomes[CONTESTED] == 8
    assert report.outcomes[UNCONFIRMED] == 6
    assert report.outcomes[rules.UNCORROBORATED] == 1
    assert any("Amsterdam" in example for example in report.examples[AMBIGUOUS])
    assert report.lines()[0].startswith("Covenant signatories linked to Wikidata items: 945 of 11,679")


def test_eurocities_members_are_the_wikidata_snapshots_actors_and_mostly_twinned(linked):
    report = linked[1]
    assert report.eurocities_members == 206
    assert report.eurocities_members_in_wikidata == 193
    assert report.eurocities_members_twinned == 193
    assert report.eurocities_members_linked == 116


def test_linking_the_whole_graph_takes_seconds(linked):
    assert linked[2] < 30, f"covenant_links took {linked[2]:.1f} s"
    assert linked[1].seconds > 0


# ---------------------------------------------------------------- the graph and its shapes


def test_every_quad_is_in_the_links_graph_which_states_its_sources_licence_and_date(linked):
    quads = linked[0]
    assert {q.graph_name.value for q in quads} == {LINKS_GRAPH}
    about = {q.predicate.value: q.object.value for q in quads if q.subject.value == LINKS_GRAPH}
    assert about[DCT + "license"] == "http://creativecommons.org/licenses/by/4.0/"
    assert "Joint Research Centre" in about[DCT + "rights"]
    assert about[PROV + "generatedAtTime"] == "2024-01"


def test_the_links_conform_to_the_shapes(linked):
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in linked[0])
    report = validate_store(store, load_shapes(ShippedSources.default().ontology_dir), scope="all")
    assert report.triples == len(linked[0])
    assert report.findings == (), report.findings[:3]


def test_the_shapes_catch_a_match_without_its_second_source_or_with_a_ratio_above_one():
    node, graph = ox.NamedNode("https://w3id.org/cdkg/id/link/gcom-wikidata/x-Q1"), ox.DefaultGraph()
    triples = [
        (RDF + "type", ox.NamedNode(CDO + "PlaceMatch")),
        (CDO + "matchSubject", ox.NamedNode(SIGNATORY + "x")),
        (CDO + "matchObject", ox.NamedNode(ACTOR + "Q1")),
        (CDO + "matchedName", ox.Literal("X")),
        (CDO + "matchMethod", ox.Literal("by hand", language="en")),
        (CDO + "populationRatio", ox.Literal("1.5", datatype=ox.NamedNode(XSD + "decimal"))),
        (PROV + "wasDerivedFrom", ox.NamedNode(COVENANT_GRAPH)),
    ]
    store = ox.Store()
    store.extend(ox.Quad(node, ox.NamedNode(p), o, graph) for p, o in triples)
    report = validate_store(store, load_shapes(ShippedSources.default().ontology_dir), scope="all")
    assert {f.path for f in report.violations} == {"cdo:populationRatio", "prov:wasDerivedFrom"}


# ---------------------------------------------------------------- the rules on plain data


def test_an_administrative_prefix_is_dropped_from_the_name_and_accents_and_case_are_folded():
    assert set(rules.name_keys("Comune di Floridia")) == {"comune di floridia", "floridia"}
    assert set(rules.name_keys("MUNICIPALITY OF TIMISOARA")) == {"municipality of timisoara", "timisoara"}
    assert rules.name_keys("Słupsk") == rules.name_keys("Slupsk")


def _checked(distance_deg: float, population: int | None) -> str:
    signatory = Signatory("s", "X", "c", 100_000, (45.0, 9.0))
    item = WikidataItem("i", {"X": {"g"}}, [(45.0 + distance_deg, 9.0)], population)
    return rules.check(signatory, item, "X").verdict


def test_the_verdicts_follow_the_distance_and_population_limits():
    km = 1 / 111.2  # about one degree of latitude per 111 km
    assert _checked(3 * km, None) == rules.PASSES
    assert _checked(3 * km, 40_000) == rules.POPULATION
    assert _checked(10 * km, 90_000) == rules.PASSES
    assert _checked(10 * km, 60_000) == rules.UNCORROBORATED
    assert _checked(10 * km, None) == rules.UNCORROBORATED
    assert _checked(25 * km, 100_000) == rules.TOO_FAR
    no_point = WikidataItem("i", {"X": {"g"}}, [], 100_000)
    assert (
        rules.check(Signatory("s", "X", "c", 100_000, (45.0, 9.0)), no_point, "X").verdict == rules.NO_POINT
    )


def test_every_ontology_term_the_links_use_is_defined_in_the_ontology(linked):
    store = ox.Store()
    for path in sorted(ShippedSources.default().ontology_dir.glob("*.ttl")):
        if path.name != "shapes.ttl":
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    defined = {row["t"].value for row in store.query(f"SELECT ?t WHERE {{ ?t <{RDFS}isDefinedBy> ?o }}")}
    used = {
        term.value
        for q in linked[0]
        for term in (q.predicate, q.object)
        if isinstance(term, ox.NamedNode) and term.value.startswith(CDO)
    }
    assert {SAME_PLACE, CDO + "PlaceMatch", CDO + "distanceKm"} <= used
    assert not used - defined
