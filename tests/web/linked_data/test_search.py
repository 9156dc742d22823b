"""`/search`: resources found by labels in any language, accent- and case-blind, as a page and as JSON."""

from __future__ import annotations

import re

import requests

ESKISEHIR = "https://w3id.org/cdkg/id/actor/Q168866"


def _json(server, **params) -> requests.Response:
    return requests.get(f"{server.url}/search", params={**params, "format": "json"}, timeout=60)


def test_an_accent_free_spelling_finds_the_city_first_linked_to_its_page(live_server):
    page = requests.get(f"{live_server.url}/search", params={"q": "eskisehir"}, timeout=60)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    first = re.search(r'<a class="result" href="([^"]+)" title="([^"]+)">([^<]+)</a>', page.text)
    assert first.groups() == ("/id/actor/Q168866", ESKISEHIR, "Eskişehir")
    assert page.headers["Vary"] == "Accept"


def test_a_non_english_label_finds_the_city_with_its_language_and_type(live_server):
    results = _json(live_server, q="Bruxelles").json()["results"]
    brussels = results[0]
    assert brussels["label"] == "Bruxelles" and brussels["language"] == "it"
    assert brussels["iri"] == "https://w3id.org/cdkg/id/actor/Q239"
    assert brussels["page"] == "/id/actor/Q239"
    assert brussels["type"] == "https://w3id.org/cdkg/ontology#City" and brussels["type_label"] == "city"


def test_case_punctuation_and_part_of_a_word_still_match(live_server):
    found = {r["iri"] for r in _json(live_server, q="SAINT josse").json()["results"]}
    assert "https://w3id.org/cdkg/id/actor/Q272243" in found
    inside = _json(live_server, q="kişeh").json()["results"]  # a substring, not a prefix
    assert ESKISEHIR in {r["iri"] for r in inside}


def test_json_by_accept_header_and_the_result_count_is_bounded(live_server):
    response = requests.get(
        f"{live_server.url}/search",
        params={"q": "a", "limit": 7},
        headers={"Accept": "application/json"},
        timeout=60,
    )
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    payload = response.json()
    assert payload["limit"] == 7 and len(payload["results"]) == 7
    assert len(_json(live_server, q="a").json()["results"]) == 20


def test_bad_requests_say_what_to_send(live_server):
    too_many = _json(live_server, q="a", limit=1000)
    assert too_many.status_code == 400 and "from 1 to 100" in too_many.json()["error"]
    empty = _json(live_server, q=" ")
    assert empty.status_code == 400 and "q=" in empty.json()["error"]
    nothing = requests.get(f"{live_server.url}/search", params={"q": "zzxqy"}, timeout=60)
    assert nothing.status_code == 200 and "Nothing is labelled" in nothing.text
