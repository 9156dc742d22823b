"""The scoring rules on a real store of namesakes: identifiers, countries, distance, population, match."""

from __future__ import annotations

import pytest

from cdkg.matching import MatchQuery, PropertyConstraint
from cdkg.matching.evidence import InvalidQuery

SPAIN_VALENCIA = "https://w3id.org/cdkg/id/actor/Q8818"
VENEZUELA_VALENCIA = "https://w3id.org/cdkg/id/actor/Q131137"
MOSCOW = "https://w3id.org/cdkg/id/actor/Q649"


def _features(candidate) -> dict:
    return {feature.id: feature.value for feature in candidate.features}


def _query(text: str, **properties: str) -> MatchQuery:
    return MatchQuery(
        text, properties=tuple(PropertyConstraint(pid, (value,)) for pid, value in properties.items())
    )


def test_a_name_two_places_share_is_never_a_match_without_more_evidence(namesake_engine):
    first, second = namesake_engine.match(MatchQuery("Valencia"))[:2]
    assert {first.id, second.id} == {SPAIN_VALENCIA, VENEZUELA_VALENCIA}
    assert first.score == second.score
    assert not first.match and not second.match


@pytest.mark.parametrize(
    "country", ["Spain", "España", "españa", "Q29", "http://www.wikidata.org/entity/Q29"]
)
def test_the_country_by_name_in_any_language_or_by_qid_picks_the_namesake(namesake_engine, country):
    best, other = namesake_engine.match(_query("Valencia", country=country))[:2]
    assert best.id == SPAIN_VALENCIA and best.match
    assert _features(best)["country_match"] is True
    assert _features(other)["country_match"] is False
    assert best.score > other.score


def test_a_country_after_a_comma_in_the_name_counts_as_the_country(namesake_engine):
    best = namesake_engine.match(MatchQuery("Valencia, Venezuela"))[0]
    assert best.id == VENEZUELA_VALENCIA and best.match
    assert _features(best)["country_match"] is True


def test_a_country_the_graph_does_not_know_neither_helps_nor_penalizes(namesake_engine):
    plain = namesake_engine.match(MatchQuery("Valencia"))[0]
    unknown = namesake_engine.match(_query("Valencia", country="Atlantis"))[0]
    assert unknown.score == plain.score and not unknown.match
    assert _features(unknown)["country_match"] == "unknown"


def test_coordinates_pick_the_nearby_namesake_and_report_the_distance(namesake_engine):
    best, other = namesake_engine.match(_query("Valencia", coordinates="10.16,-68.00"))[:2]
    assert best.id == VENEZUELA_VALENCIA and best.match
    assert _features(best)["distance_km"] < 2
    assert _features(other)["distance_km"] > 7000
    assert best.score > other.score


def test_a_name_with_its_identifier_always_outscores_the_name_alone(namesake_engine):
    name_only = {c.id: c for c in namesake_engine.match(MatchQuery("Valencia"))}
    with_qid = {c.id: c for c in namesake_engine.match(_query("Valencia", wikidata="Q131137"))}
    assert with_qid[VENEZUELA_VALENCIA].score > name_only[VENEZUELA_VALENCIA].score
    assert with_qid[VENEZUELA_VALENCIA].match
    assert _features(with_qid[VENEZUELA_VALENCIA])["qid_match"] is True
    assert with_qid[SPAIN_VALENCIA].score < name_only[SPAIN_VALENCIA].score
    assert _features(with_qid[SPAIN_VALENCIA])["qid_match"] is False
    exact_name_only = namesake_engine.match(MatchQuery("Dresden"))[0]
    exact_with_qid = namesake_engine.match(_query("Dresden", wikidata="Q1731"))[0]
    assert exact_name_only.match and exact_with_qid.match
    assert exact_with_qid.score > exact_name_only.score


def test_a_qid_as_the_query_text_finds_its_entity_outright(namesake_engine):
    (best,) = namesake_engine.match(MatchQuery("Q131137"))
    assert best.id == VENEZUELA_VALENCIA and best.match and best.score == 100
    assert best.qid == "Q131137"


def test_population_closeness_is_a_feature_and_tips_namesakes(namesake_engine):
    best, other = namesake_engine.match(_query("Valencia", population="1,500,000"))[:2]
    assert best.id == VENEZUELA_VALENCIA
    assert _features(best)["population_ratio"] > 0.95
    assert best.score > other.score


def test_a_cyrillic_name_and_a_german_alias_find_their_city(namesake_engine):
    for text in ("Москва", "Moskau", "MOSCOW"):
        best = namesake_engine.match(MatchQuery(text))[0]
        assert best.id == MOSCOW and best.match, text
        assert _features(best)["name_similarity"] == 100


def test_every_candidate_carries_its_qid_types_and_a_description(namesake_engine):
    best = namesake_engine.match(_query("Valencia", country="Spain"))[0]
    assert best.qid == "Q8818"
    assert [t.id for t in best.types] == ["https://w3id.org/cdkg/ontology#City"]
    assert best.description == "City in Spain, pop. 791,413"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (_query("Valencia", coordinates="91,200"), "latitude,longitude"),
        (_query("Valencia", coordinates="somewhere"), "latitude,longitude"),
        (_query("Valencia", population="many"), "number of inhabitants"),
        (_query("Valencia", wikidata="Valencia"), "QID"),
        (_query("Valencia", mayor="Someone"), "cannot constrain"),
        (MatchQuery("Valencia", types=("Town",)), "not a type"),
        (MatchQuery("Valencia", limit=-1), "negative"),
    ],
)
def test_bad_input_is_refused_with_what_is_wrong_and_how_to_write_it(namesake_engine, query, message):
    with pytest.raises(InvalidQuery, match=message):
        namesake_engine.match(query)


def test_constraints_accept_the_wikidata_property_ids_openrefine_sends(namesake_engine):
    query = MatchQuery(
        "Valencia",
        properties=(
            PropertyConstraint("P17", ("Q717",)),
            PropertyConstraint("P625", ("Point(-68.0 10.16)",)),
        ),
    )
    best = namesake_engine.match(query)[0]
    assert best.id == VENEZUELA_VALENCIA and best.match
