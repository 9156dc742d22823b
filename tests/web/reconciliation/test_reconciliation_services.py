"""Suggest, flyout, preview and data extension of /reconcile, over real HTTP, schema-validated."""

from __future__ import annotations

import json
import re

import pytest
import requests

from tests.web.reconciliation_http import ACTOR, CDO, error
from tests.web.reconciliation_schemas import validate

LYON, KITAKAMI, PADERBORN, CONCORD = ACTOR + "Q456", ACTOR + "Q695917", ACTOR + "Q2971", ACTOR + "Q490441"
LE_MANS_TWINNING = "https://w3id.org/cdkg/id/twinning/Q1476-Q2971"


def get(server, path: str, **params) -> requests.Response:
    return requests.get(f"{server.url}/reconcile{path}", params=params, timeout=60)


def test_suggest_entity_by_prefix_with_type_and_cursor(live_server):
    answer = get(live_server, "/suggest/entity", prefix="Lion").json()
    validate(answer, "suggest-entities-response.json")
    found = {entity["id"]: entity for entity in answer["result"]}
    assert LYON in found and found[LYON]["qid"] == "Q456"
    networks = get(live_server, "/suggest/entity", prefix="May", type="CityNetwork").json()["result"]
    assert [e["id"] for e in networks] == [ACTOR + "network/mayors-for-peace"]
    first_two = get(live_server, "/suggest/entity", prefix="San", limit=2).json()["result"]
    next_two = get(live_server, "/suggest/entity", prefix="San", limit=2, cursor=2).json()["result"]
    assert len(first_two) == len(next_two) == 2
    assert not {e["id"] for e in first_two} & {e["id"] for e in next_two}


def test_suggest_type_and_property(live_server):
    types = get(live_server, "/suggest/type", prefix="cit").json()
    validate(types, "suggest-types-response.json")
    assert CDO + "City" in [t["id"] for t in types["result"]]
    properties = get(live_server, "/suggest/property", prefix="coun").json()
    validate(properties, "suggest-properties-response.json")
    assert [p["id"] for p in properties["result"]] == ["country"]


@pytest.mark.parametrize("path", ["/suggest/entity", "/suggest/type", "/suggest/property"])
def test_suggest_without_a_prefix_is_refused(live_server, path):
    assert "'prefix'" in error(get(live_server, path))
    assert "'cursor'" in error(get(live_server, path, prefix="a", cursor="-1"))


def test_flyout_is_a_snippet_of_html_naming_the_entity(live_server):
    answer = get(live_server, "/flyout/entity", id=KITAKAMI).json()
    assert answer["id"] == KITAKAMI and "Kitakami" in answer["html"] and "Q695917" in answer["html"]


def test_preview_is_a_small_card_with_the_facts_and_links(live_server):
    manifest = get(live_server, "").json()
    response = get(live_server, "/preview", id=PADERBORN)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    card = response.text
    assert "<h1>" in card and "Paderborn" in card and "Germany" in card and "150,580" in card
    assert 'href="https://www.wikidata.org/wiki/Q2971"' in card
    assert f'href="{live_server.url}/id/actor/Q2971"' in card
    assert re.search(r"partners</dt><dd>\d+", card)
    assert f"width: {manifest['preview']['width'] - 16}px" in card


def test_preview_of_an_unknown_or_missing_id(live_server):
    assert "no entity" in error(get(live_server, "/preview", id=ACTOR + "Q0"), 404)
    assert "'id' parameter is missing" in error(get(live_server, "/preview"))


def test_property_proposals_follow_the_type(live_server):
    for_cities = get(live_server, "/extend/propose", type=CDO + "City").json()
    validate(for_cities, "data-extension-property-proposal.json")
    assert for_cities["type"] == CDO + "City"
    ids = [p["id"] for p in for_cities["properties"]]
    assert {
        "country",
        "coordinates",
        "population",
        "partners",
        "networks",
        "agreement_start",
        "wikidata",
    } <= set(ids)
    for_agreements = get(live_server, "/extend/propose", type="TwinningAgreement", limit=3).json()
    validate(for_agreements, "data-extension-property-proposal.json")
    assert [p["id"] for p in for_agreements["properties"]] == ["partners", "start", "end"]
    assert "unknown type 'Town'" in error(get(live_server, "/extend/propose", type="Town"))


ALL_FOR_ACTORS = [
    "wikidata", "country", "coordinates", "latitude", "longitude", "population", "labels", "partners",
    "networks", "agreements", "agreement_partner", "agreement_start", "agreement_end", "agreement_status",
]  # fmt: skip


def _extend(server, query: dict, how: str = "get") -> dict:
    if how == "get":
        response = get(server, "", extend=json.dumps(query))
    elif how == "form":
        response = requests.post(f"{server.url}/reconcile", data={"extend": json.dumps(query)}, timeout=60)
    else:
        response = requests.post(f"{server.url}/reconcile", json=query, timeout=60)
    assert response.status_code == 200, response.text
    answer = response.json()
    validate(answer, "data-extension-response.json")
    return answer


@pytest.mark.parametrize("how", ["get", "form", "json"])
def test_data_extension_returns_every_property_as_typed_cells(live_server, how):
    query = {
        "ids": [PADERBORN, KITAKAMI, ACTOR + "Q0"],
        "properties": [{"id": pid} for pid in ALL_FOR_ACTORS],
    }
    answer = _extend(live_server, query, how)
    assert [m["id"] for m in answer["meta"]] == ALL_FOR_ACTORS
    assert {
        "id": "country",
        "name": "country",
        "type": {"id": CDO + "NationalGovernment", "name": "NationalGovernment"},
    } in answer["meta"]
    paderborn = answer["rows"][PADERBORN]
    assert paderborn["wikidata"] == [{"str": "Q2971"}]
    assert paderborn["country"] == [{"id": ACTOR + "Q183", "name": "Germany"}]
    assert paderborn["population"] == [{"int": 150580}]
    assert paderborn["coordinates"][0]["str"].startswith("51.7")
    assert 51 < paderborn["latitude"][0]["float"] < 52
    assert {"id": ACTOR + "Q1476", "name": "Le Mans"} in paderborn["partners"]
    assert (
        len(paderborn["agreements"])
        == len(paderborn["agreement_partner"])
        == len(paderborn["agreement_start"])
    )
    le_mans = [a["id"] for a in paderborn["agreements"]].index(LE_MANS_TWINNING)
    assert paderborn["agreement_partner"][le_mans] == {"id": ACTOR + "Q1476", "name": "Le Mans"}
    assert paderborn["agreement_start"][le_mans] == {"date": "1967-06-03T00:00:00Z"}
    assert paderborn["agreement_status"][le_mans] == {"str": "active"}
    assert {"str": CONCORD} not in answer["rows"][KITAKAMI]["partners"]
    assert {"id": CONCORD, "name": "Concord"} in answer["rows"][KITAKAMI]["partners"]
    assert answer["rows"][ACTOR + "Q0"] == {pid: [] for pid in ALL_FOR_ACTORS}


def test_data_extension_of_an_agreement_gives_its_parties_dates_and_status(live_server):
    query = {"ids": [LE_MANS_TWINNING], "properties": [{"id": "partners"}, {"id": "start"}, {"id": "status"}]}
    row = _extend(live_server, query)["rows"][LE_MANS_TWINNING]
    assert {p["id"] for p in row["partners"]} == {PADERBORN, ACTOR + "Q1476"}
    assert row["status"] == [{"str": "active"}]
    assert len(row["start"]) == 1


def test_data_extension_limit_setting_caps_values_per_row(live_server):
    query = {"ids": [PADERBORN], "properties": [{"id": "partners", "settings": {"limit": 1}}]}
    assert len(_extend(live_server, query)["rows"][PADERBORN]["partners"]) == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"ids": [LYON], "properties": [{"id": "mayor"}]}, "unknown property 'mayor'"),
        ({"ids": LYON, "properties": [{"id": "country"}]}, "needs 'ids', a list of entity ids"),
        ({"ids": [LYON], "properties": []}, "needs 'properties', a non-empty list"),
        ({"ids": [LYON], "properties": [{"id": "partners", "settings": {"limit": -1}}]}, "'limit'"),
    ],
)
def test_a_data_extension_query_the_service_cannot_use_is_refused(live_server, query, expected):
    assert expected in error(get(live_server, "", extend=json.dumps(query)))


def test_the_documentation_page_says_how_to_add_the_service(live_server):
    page = get(live_server, "/documentation")
    assert page.status_code == 200
    assert f"<code>{live_server.url}/reconcile</code>" in page.text
    assert "agreement_status" in page.text and CDO + "City" in page.text
