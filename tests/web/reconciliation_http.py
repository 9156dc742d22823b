"""Talking to /reconcile over real HTTP the ways clients do, with every answer checked against the 0.2 schemas."""

from __future__ import annotations

import json

import requests

from tests.web.reconciliation_schemas import validate

ACTOR = "https://w3id.org/cdkg/id/actor/"
CDO = "https://w3id.org/cdkg/ontology#"


def reconcile(server, queries: dict, how: str = "form") -> dict:
    """A query batch sent as OpenRefine 3.x does (`form`), as a JSON body (`json`) or in the URL (`get`)."""
    url = f"{server.url}/reconcile"
    if how == "form":
        response = requests.post(url, data={"queries": json.dumps(queries)}, timeout=60)
    elif how == "json":
        response = requests.post(url, json=queries, timeout=60)
    else:
        response = requests.get(url, params={"queries": json.dumps(queries)}, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    answer = response.json()
    validate(answer, "reconciliation-result-batch.json")
    assert set(answer) == set(queries)
    return answer


def candidates(server, query: dict) -> list[dict]:
    """The candidates for one query, best first."""
    return reconcile(server, {"q0": query})["q0"]["result"]


def by_id(found: list[dict]) -> dict[str, dict]:
    return {candidate["id"]: candidate for candidate in found}


def error(response: requests.Response, status: int = 400) -> str:
    """The message of an error answer, after checking its status, JSON form and CORS header."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["status"] == "error"
    return body["message"]
