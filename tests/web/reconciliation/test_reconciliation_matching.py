"""What /reconcile finds, over real HTTP on the real 2021 Wikidata export plus the curated cases."""

from __future__ import annotations

from tests.web.reconciliation_http import ACTOR, CDO, by_id, candidates, reconcile

LYON, CAMBRIDGE_UK, CAMBRIDGE_MA = ACTOR + "Q456", ACTOR + "Q350", ACTOR + "Q49111"
FRANKFURT, KITAKAMI = ACTOR + "Q1794", ACTOR + "Q695917"


def test_a_city_is_found_by_a_non_english_name_with_its_wikidata_qid(live_server):
    for name, iri, qid in [
        ("Lione", LYON, "Q456"),
        ("Praha", ACTOR + "Q1085", "Q1085"),
        ("北上市", KITAKAMI, "Q695917"),
    ]:
        best = candidates(live_server, {"query": name})[0]
        assert best["id"] == iri, name
        assert best["qid"] == qid
        assert best["description"].endswith(f"Wikidata {qid}")


def test_a_name_only_hit_scores_below_the_same_name_with_its_qid(live_server):
    name_only = by_id(candidates(live_server, {"query": "Frankfurt am Main"}))[FRANKFURT]
    for given in ("Q1794", {"id": "http://www.wikidata.org/entity/Q1794", "name": "Frankfurt"}):
        with_qid = by_id(
            candidates(
                live_server, {"query": "Frankfurt am Main", "properties": [{"pid": "wikidata", "v": given}]}
            )
        )[FRANKFURT]
        assert with_qid["score"] > name_only["score"]
        assert {"id": "qid_match", "value": True} in with_qid["features"]
        assert with_qid["match"] is True


def test_a_qid_alone_finds_its_entity(live_server):
    found = candidates(live_server, {"properties": [{"pid": "wikidata", "v": "Q456"}]})
    assert found[0]["id"] == LYON and found[0]["match"] is True


def test_match_only_when_unambiguous(live_server):
    found = by_id(candidates(live_server, {"query": "Cambridge"}))
    assert {CAMBRIDGE_UK, CAMBRIDGE_MA} <= set(found)
    assert not any(candidate["match"] for candidate in found.values())
    settled = candidates(
        live_server, {"query": "Cambridge", "properties": [{"pid": "wikidata", "v": "Q350"}]}
    )
    assert settled[0]["id"] == CAMBRIDGE_UK and settled[0]["match"] is True
    assert not any(candidate["match"] for candidate in settled[1:])


def test_coordinates_tell_namesakes_apart(live_server):
    near_cambridge_uk = [{"pid": "coordinates", "v": "52.2053,0.1218"}]
    found = candidates(live_server, {"query": "Cambridge", "properties": near_cambridge_uk})
    assert found[0]["id"] == CAMBRIDGE_UK
    near_boston = [{"pid": "P625", "v": "42.373,-71.11"}]
    assert candidates(live_server, {"query": "Cambridge", "properties": near_boston})[0]["id"] == CAMBRIDGE_MA


def test_country_by_name_or_qid_raises_the_candidate_in_that_country(live_server):
    def kitakami_score(country: object) -> float:
        query = {"query": "Kitakami", "properties": [{"pid": "country", "v": country}]}
        return by_id(candidates(live_server, query))[KITAKAMI]["score"]

    wrong = kitakami_score("France")
    assert kitakami_score("Japan") > wrong
    assert kitakami_score("Q17") > wrong
    assert kitakami_score({"id": ACTOR + "Q17", "name": "Japan"}) > wrong


def test_the_type_filter_includes_subclasses_and_exclusion_removes_them(live_server):
    local = by_id(candidates(live_server, {"query": "Cambridge", "type": "LocalGovernment", "limit": 10}))
    assert CAMBRIDGE_UK in local and CAMBRIDGE_MA not in local
    assert all(CDO + "City" in [t["id"] for t in c["type"]] for c in local.values())
    not_cities = by_id(
        candidates(live_server, {"query": "Cambridge", "exclude_type": CDO + "City", "limit": 10})
    )
    assert CAMBRIDGE_MA in not_cities and CAMBRIDGE_UK not in not_cities


def test_a_network_is_found_by_its_german_name(live_server):
    found = candidates(live_server, {"query": "Bürgermeister für den Frieden", "type": "CityNetwork"})
    assert found[0]["id"] == ACTOR + "network/mayors-for-peace"


def test_every_candidate_carries_its_features_and_types(live_server):
    answer = reconcile(
        live_server, {"q0": {"query": "Paderborn", "properties": [{"pid": "P17", "v": "Germany"}]}}
    )
    best = answer["q0"]["result"][0]
    assert best["id"] == ACTOR + "Q2971"
    assert {"name_similarity", "country_match"} <= {feature["id"] for feature in best["features"]}
    assert CDO + "City" in [t["id"] for t in best["type"]]
