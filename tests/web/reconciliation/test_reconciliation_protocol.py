"""/reconcile speaks the Reconciliation API 0.2 and OpenRefine 3.x's 0.1 form over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
import requests

from tests.web.reconciliation_http import ACTOR, CDO, candidates, error, reconcile
from tests.web.reconciliation_schemas import EXAMPLES, validate

LYON = ACTOR + "Q456"
SUGGEST_SCHEMAS = {
    "entity": "suggest-entities-response.json",
    "type": "suggest-types-response.json",
    "property": "suggest-properties-response.json",
}


def get(server, path: str = "", **params) -> requests.Response:
    return requests.get(f"{server.url}/reconcile{path}", params=params, timeout=60)


def test_manifest_is_valid_and_names_the_spaces_types_and_services(live_server):
    response = get(live_server)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    manifest = response.json()
    validate(manifest, "manifest.json")
    assert "0.2" in manifest["versions"]
    assert manifest["identifierSpace"] == "https://w3id.org/cdkg/id/"
    assert manifest["schemaSpace"] == CDO
    assert CDO + "City" in [t["id"] for t in manifest["defaultTypes"]]
    assert manifest["preview"]["width"] > 0 and manifest["preview"]["height"] > 0
    assert manifest["batchSize"] >= 10
    assert manifest["documentation"] == f"{live_server.url}/reconcile/documentation"


def test_every_service_the_manifest_names_answers(live_server):
    manifest = get(live_server).json()
    for kind in ("entity", "type", "property"):
        service = manifest["suggest"][kind]
        response = requests.get(
            service["service_url"] + service["service_path"], params={"prefix": "c"}, timeout=60
        )
        assert response.status_code == 200, (kind, response.text)
        validate(response.json(), SUGGEST_SCHEMAS[kind])
    flyout = (
        manifest["suggest"]["entity"]["service_url"] + manifest["suggest"]["entity"]["flyout_service_path"]
    )
    assert requests.get(flyout.replace("${id}", LYON), timeout=60).json()["id"] == LYON
    propose = manifest["extend"]["propose_properties"]
    response = requests.get(
        propose["service_url"] + propose["service_path"], params={"type": CDO + "City"}, timeout=60
    )
    validate(response.json(), "data-extension-property-proposal.json")
    preview = requests.get(manifest["preview"]["url"].replace("{{id}}", LYON), timeout=60)
    assert preview.status_code == 200 and "Lione" in preview.text
    assert requests.get(manifest["documentation"], timeout=60).status_code == 200


def test_view_on_a_loopback_server_leads_to_the_entity_page_on_that_server(live_server):
    template = get(live_server).json()["view"]["url"]
    response = requests.get(template.replace("{{id}}", LYON), allow_redirects=False, timeout=60)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{live_server.url}/id/actor/Q456"


def test_view_elsewhere_is_the_dereferenceable_iri_itself(live_server):
    response = requests.get(f"{live_server.url}/reconcile", headers={"Host": "cdkg.example.org"}, timeout=60)
    manifest = response.json()
    assert manifest["view"]["url"] == "{{id}}"
    assert manifest["preview"]["url"].startswith("http://cdkg.example.org/reconcile/preview")


@pytest.mark.parametrize("how", ["form", "json", "get"])
def test_a_batch_is_answered_under_the_clients_keys_whichever_way_it_is_sent(live_server, how):
    answer = reconcile(live_server, {"a": {"query": "Lione"}, "b": {"query": "Praha", "limit": 1}}, how)
    assert answer["a"]["result"][0]["id"] == LYON
    assert [c["id"] for c in answer["b"]["result"]] == [ACTOR + "Q1085"]


def test_the_01_form_openrefine_3_sends_is_answered(live_server):
    # OpenRefine 3.x posts form-encoded `queries` with type, type_strict, properties (pid, v) and limit.
    queries = {
        "q0": {"query": "Kitakami", "type": CDO + "City", "type_strict": "should", "limit": 3},
        "q1": {
            "query": "Kitakami",
            "type": CDO + "City",
            "type_strict": "should",
            "properties": [{"pid": "country", "v": "Japan"}],
        },
    }
    answer = reconcile(live_server, queries, "form")
    assert len(answer["q0"]["result"]) <= 3
    assert answer["q0"]["result"][0]["id"] == answer["q1"]["result"][0]["id"] == ACTOR + "Q695917"


def test_a_single_query_parameter_as_text_or_json(live_server):
    for value in ("Lione", json.dumps({"query": "Lione", "limit": 2})):
        response = get(live_server, query=value)
        assert response.status_code == 200
        found = response.json()["result"]
        validate({"q0": {"result": found}}, "reconciliation-result-batch.json")
        assert found[0]["id"] == LYON


def test_jsonp_for_01_clients(live_server):
    response = get(live_server, callback="jsonp123")
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert response.text.startswith("jsonp123(") and response.text.endswith(");")
    validate(json.loads(response.text[len("jsonp123(") : -2]), "manifest.json")
    answered = get(live_server, callback="window.cb", queries=json.dumps({"q0": {"query": "Lione"}}))
    validate(json.loads(answered.text[len("window.cb(") : -2]), "reconciliation-result-batch.json")
    assert "JavaScript name" in error(get(live_server, callback="alert(1)//"))


@pytest.mark.parametrize(
    "path", ["", "/suggest/entity", "/suggest/type", "/suggest/property", "/preview", "/extend/propose"]
)
def test_cors_preflight_and_header_on_every_endpoint(live_server, path):
    preflight = requests.options(
        f"{live_server.url}/reconcile{path}",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
        timeout=60,
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    answered = requests.get(
        f"{live_server.url}/reconcile{path}", params={"prefix": "L", "id": LYON}, timeout=60
    )
    assert answered.headers["Access-Control-Allow-Origin"] == "*"


def test_a_batch_of_twelve_is_answered_whole(live_server):
    names = [
        "Lione",
        "Praha",
        "Kitakami",
        "Paderborn",
        "Le Mans",
        "Rotterdam",
        "Osaka",
        "Wuhan",
        "Linz",
        "Preston",
    ]
    queries = {f"q{i}": {"query": name, "limit": 2} for i, name in enumerate(names + ["Parigi", "Londra"])}
    answer = reconcile(live_server, queries, "json")
    assert all(1 <= len(answer[key]["result"]) <= 2 for key in queries)
    assert answer["q0"]["result"][0]["id"] == LYON


def test_limit_caps_the_candidates(live_server):
    assert len(candidates(live_server, {"query": "Cambridge", "limit": 1})) == 1


def _post(server, **form) -> requests.Response:
    return requests.post(f"{server.url}/reconcile", data=form, timeout=60)


def test_malformed_json_is_refused_saying_where(live_server):
    message = error(_post(live_server, queries='{"q0": {"query": "Lyon"'))
    assert "queries parameter is not valid JSON" in message and "column" in message
    body = requests.post(
        f"{live_server.url}/reconcile",
        data=b"{oops",
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert "request body is not valid JSON" in error(body)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"query": "Lyon", "type": "Town"}, "unknown type 'Town' in query 'q0'; use one of"),
        ({"query": "Lyon", "exclude_type": ["City", "Planet"]}, "unknown type 'Planet'"),
        ({"query": "Lyon", "limit": 0}, "'limit' 0 is out of range; ask for 1 to 100"),
        ({"query": "Lyon", "limit": 1000}, "'limit' 1000 is out of range"),
        ({"query": "Lyon", "limit": 2.5}, "'limit' must be a whole number from 1 to 100"),
        ({"query": "Lyon", "limit": "ten"}, "'limit' must be a whole number"),
        ({"query": "Lyon", "props": []}, "unknown field(s) 'props'"),
        ({"query": "Lyon", "properties": [{"pid": "mayor", "v": "x"}]}, "unknown property 'mayor'"),
        ({"query": "Lyon", "properties": [{"pid": "country"}]}, 'must be an object with "pid" and "v"'),
        ({"query": "Lyon", "type_strict": "maybe"}, "'type_strict' must be one of any, should, all"),
        ({"query": 42}, "'query' must be a string"),
        ({"query": "Lyon", "properties": [{"pid": "coordinates", "v": "north"}]}, "is not a point"),
        (
            {"query": "Lyon", "properties": [{"pid": "population", "v": "many"}]},
            "is not a number of inhabitants",
        ),
        ({"query": "Lyon", "properties": [{"pid": "wikidata", "v": "Lyon"}]}, "is not a Wikidata item"),
        ({"limit": 3}, "has neither a 'query' text nor 'properties'"),
        ("Lyon", "query 'q0' must be a JSON object"),
    ],
)
def test_a_query_the_service_cannot_use_is_refused_naming_the_fix(live_server, query, expected):
    assert expected in error(_post(live_server, queries=json.dumps({"q0": query})))


def test_a_batch_that_is_not_an_object_is_refused(live_server):
    assert "must be a JSON object mapping keys to queries, not a list" in error(
        _post(live_server, queries="[]")
    )


@pytest.mark.parametrize("name", ["empty-properties.json", "empty-query.json", "misnamed-property.json"])
def test_the_specs_invalid_query_batches_are_refused(live_server, name):
    batch = (EXAMPLES / "reconciliation-query-batch" / "invalid" / name).read_text(encoding="utf-8")
    error(_post(live_server, queries=batch))


def test_the_specs_minimal_query_batch_is_answered(live_server):
    batch = json.loads((EXAMPLES / "reconciliation-query-batch" / "valid" / "example-min.json").read_text())
    reconcile(live_server, batch, "json")


def test_the_later_drafts_list_form_with_conditions_is_answered_in_order(live_server):
    queries = [
        {"conditions": [{"matchType": "name", "propertyValue": "Lione"}]},
        {
            "conditions": [
                {"matchType": "name", "propertyValue": "Cambridge"},
                {
                    "matchType": "property",
                    "propertyId": "wikidata",
                    "propertyValue": "Q350",
                    "required": True,
                },
            ],
            "type": "City",
            "limit": 2,
        },
    ]
    response = requests.post(f"{live_server.url}/reconcile", json={"queries": queries}, timeout=60)
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["candidates"][0]["id"] == LYON
    assert (
        results[1]["candidates"][0]["id"] == ACTOR + "Q350" and results[1]["candidates"][0]["match"] is True
    )
    assert len(results[1]["candidates"]) <= 2
    for result in results:
        validate({"q": {"result": result["candidates"]}}, "reconciliation-result-batch.json")


def test_a_condition_the_service_cannot_use_is_refused(live_server):
    bad = {
        "queries": [{"conditions": [{"matchType": "name", "propertyValue": "x", "matchQuantifier": "none"}]}]
    }
    assert "only the 'any' matchQuantifier" in error(
        requests.post(f"{live_server.url}/reconcile", json=bad, timeout=60)
    )
    bad = {"queries": [{"conditions": [{"matchType": "property", "propertyValue": "x"}]}]}
    assert 'needs a "propertyId"' in error(
        requests.post(f"{live_server.url}/reconcile", json=bad, timeout=60)
    )
