"""The engine on real builds: the curated default graph and the 2021 Wikidata export imported into it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cdkg.matching import MatchQuery, PropertyConstraint
from cdkg.namespaces import ACTOR, CDO, TWINNING

KITAKAMI = ACTOR + "Q695917"
PADERBORN = ACTOR + "Q2971"
PADERBORN_LE_MANS = TWINNING + "Q1476-Q2971"


@pytest.mark.parametrize(
    "written", ["Kitakami", "kitakami", "きたかみ", "Kitakami-shi", "City of Kitakami", "Kitakami, Japan"]
)
def test_spellings_scripts_and_affixes_of_a_city_find_it(default_engine, written):
    best = default_engine.match(MatchQuery(written))[0]
    assert best.id == KITAKAMI and best.match
    assert best.qid == "Q695917"


def test_an_affix_costs_a_little_so_the_bare_name_scores_higher(default_engine):
    bare = default_engine.match(MatchQuery("Kitakami"))[0]
    affixed = default_engine.match(MatchQuery("Kitakami-shi"))[0]
    assert affixed.score < bare.score


def test_names_in_other_languages_find_networks_and_agreements(default_engine):
    assert default_engine.match(MatchQuery("Maires pour la Paix"))[0].id == ACTOR + "network/mayors-for-peace"
    agreement = default_engine.match(MatchQuery("Paderborn - Le Mans", types=(CDO + "Agreement",)))[0]
    assert agreement.id == PADERBORN_LE_MANS and agreement.match
    assert agreement.description == "Twinning agreement: Le Mans – Paderborn, 1967-06-03–, active"


def test_the_type_filter_counts_subclasses_and_exclusion_removes_them(default_engine):
    as_local_government = default_engine.match(MatchQuery("Paderborn", types=(CDO + "LocalGovernment",)))
    assert as_local_government[0].id == PADERBORN
    local = {CDO + "LocalGovernment", CDO + "City"}
    assert all(local & {t.id for t in c.types} for c in as_local_government)
    assert {f.id: f.value for f in as_local_government[0].features}["type_match"] is True
    as_agreement = default_engine.match(MatchQuery("Paderborn", types=(CDO + "Agreement",)))
    assert as_agreement[0].id == PADERBORN_LE_MANS
    excluded = default_engine.match(MatchQuery("Paderborn", exclude_types=(CDO + "LocalGovernment",)))
    assert PADERBORN not in {c.id for c in excluded}
    assert PADERBORN_LE_MANS in {c.id for c in excluded}


def test_limit_bounds_the_candidates(default_engine):
    assert len(default_engine.match(MatchQuery("Paderborn", limit=2))) == 2
    assert default_engine.match(MatchQuery("Paderborn", limit=0)) == []
    assert len(default_engine.match(MatchQuery("a", limit=50))) <= 50


def test_a_batch_answers_each_query_in_order(default_engine):
    answers = default_engine.match_batch([MatchQuery("Concord"), MatchQuery("Paderborn"), MatchQuery("zzqx")])
    assert [a[0].id if a else None for a in answers][:2] == [ACTOR + "Q490441", PADERBORN]
    assert not any(c.match for c in answers[2])


def test_suggest_finds_entities_types_and_properties_by_prefix(default_engine):
    assert default_engine.suggest_entities("pader")[0].id == PADERBORN
    assert default_engine.suggest_entities("peace")[0].id == ACTOR + "network/mayors-for-peace"
    assert all(
        any(t.id == CDO + "TwinningAgreement" for t in c.types)
        for c in default_engine.suggest_entities("pader", types=(CDO + "Agreement",))
    )
    assert default_engine.suggest_entities("") == []
    assert [t.id for t in default_engine.suggest_types("twin")] == [CDO + "TwinningAgreement"]
    assert CDO + "City" in {t.id for t in default_engine.suggest_types("cit")}
    assert ("country", "Country") in default_engine.suggest_properties("coun")
    assert ("population", "Population") in default_engine.suggest_properties("pop")


def test_types_and_properties_list_what_one_can_reconcile_and_extend(default_engine):
    types = {t.id: t.name for t in default_engine.types()}
    for local in ("Actor", "City", "LocalGovernment", "Region", "NationalGovernment", "CityNetwork"):
        assert CDO + local in types
    for local in ("Agreement", "TwinningAgreement"):
        assert CDO + local in types
    assert CDO + "NetworkMembership" not in types
    pids = dict(default_engine.properties())
    for pid in (
        "country",
        "wikidata",
        "coordinates",
        "population",
        "partners",
        "networks",
        "start",
        "status",
    ):
        assert pid in pids


def test_entity_facts_give_country_partners_networks_and_agreement_dates_and_status(default_engine):
    prague = default_engine.entity_facts(ACTOR + "Q1085")
    assert prague.country == (ACTOR + "Q213", "Czech Republic")
    assert prague.qid == "Q1085"
    assert ("Praha", "cs") in prague.labels
    assert ACTOR + "network/eurocities" in {n.id for n in prague.networks}
    beijing = next(a for a in prague.agreements if a.partner and a.partner.id == ACTOR + "Q956")
    assert (beijing.start, beijing.end, beijing.status.name) == ("2016", "2019-10", "terminated")
    assert ACTOR + "Q1867" in {p.id for p in prague.partners}
    agreement = default_engine.entity_facts(PADERBORN_LE_MANS)
    assert {p.id for p in agreement.partners} == {PADERBORN, ACTOR + "Q1476"}
    assert (agreement.start, agreement.status.id) == (
        "1967-06-03",
        "https://w3id.org/cdkg/scheme/status/active",
    )
    assert default_engine.entity_facts(ACTOR + "Q0") is None


@pytest.mark.slow
def test_on_the_imported_export_other_languages_and_scripts_reach_the_italian_labels(imported_engine):
    assert imported_engine.match(MatchQuery("Kraków"))[0].qid == "Q31487"  # "Cracovia"
    assert imported_engine.match(MatchQuery("Москва"))[0].qid == "Q649"  # "Mosca"
    assert imported_engine.match(MatchQuery("Warszawa"))[0].qid == "Q270"  # "Varsavia"


@pytest.mark.slow
def test_on_the_imported_export_coordinates_find_a_city_whose_label_is_another_language(imported_engine):
    query = MatchQuery("München", properties=(PropertyConstraint("coordinates", ("48.137,11.575",)),))
    best = imported_engine.match(query)[0]
    assert best.qid == "Q1726" and best.name == "Monaco di Baviera"
    assert {f.id: f.value for f in best.features}["distance_km"] < 1


@pytest.mark.slow
def test_on_the_imported_export_the_wikidata_qid_alone_reconciles(imported_engine):
    (best,) = imported_engine.match(MatchQuery("http://www.wikidata.org/entity/Q1726"))
    assert best.id == ACTOR + "Q1726" and best.match


def test_the_matching_package_never_imports_the_web_layer_ingest_build_or_cli():
    package = Path(__file__).resolve().parents[2] / "src" / "cdkg" / "matching"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for name in names:
                assert not name.startswith(
                    ("flask", "werkzeug", "cdkg.web", "cdkg.ingest", "cdkg.build", "cdkg.cli")
                ), f"{path.name} imports {name}"
