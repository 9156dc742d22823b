"""Dereferencing our IRIs over real HTTP: 303 to the document, content negotiation, extensions, 404, 406."""

from __future__ import annotations

import io
import random
import re

import pytest
import rdflib
import requests

from cdkg.web import create_app
from cdkg.web.plumbing.endpoint_settings import SettingsError
from tests.web.sparql_server import configured_server

BASE = "https://w3id.org/cdkg/"
FRANKFURT = BASE + "id/actor/Q1794"
PRAGUE_BEIJING = BASE + "id/twinning/Q956-Q1085"
CDO = rdflib.Namespace(BASE + "ontology#")
RDFS_LABEL = rdflib.RDFS.label
RDF_FORMATS = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _get(url: str, accept: str | None = None, **headers: str) -> requests.Response:
    if accept is not None:
        headers["Accept"] = accept
    return requests.get(url, headers=headers, allow_redirects=False, timeout=30)


def _graph(response: requests.Response, media_type: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(io.BytesIO(response.content), format=RDF_FORMATS[media_type][1])
    return graph


@pytest.mark.parametrize("accept", [BROWSER_ACCEPT, "text/turtle", "application/ld+json", None])
def test_a_thing_iri_answers_303_to_its_document_whatever_is_accepted(live_server, accept):
    response = _get(f"{live_server.url}/id/actor/Q1794", accept)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{live_server.url}/doc/actor/Q1794"
    assert "Accept" in response.headers["Vary"]


def test_a_concept_iri_answers_303_to_its_document(live_server):
    response = _get(f"{live_server.url}/scheme/status/terminated", "text/turtle")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{live_server.url}/doc/scheme/status/terminated"
    document = _get(response.headers["Location"], "text/turtle")
    graph = _graph(document, "text/turtle")
    terminated = rdflib.URIRef(BASE + "scheme/status/terminated")
    assert (rdflib.URIRef(PRAGUE_BEIJING), CDO.status, terminated) in graph


def test_a_browser_following_the_303_lands_on_the_html_page(live_server):
    response = requests.get(
        f"{live_server.url}/id/actor/Q1794", headers={"Accept": BROWSER_ACCEPT}, timeout=30
    )
    assert response.status_code == 200
    assert response.history[0].status_code == 303
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<h1" in response.text and "Frankfurt am Main" in response.text


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (BROWSER_ACCEPT, "text/html"),
        ("*/*", "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/html;q=0.5, text/turtle;q=0.9", "text/turtle"),
        ("text/turtle;q=0.2, application/ld+json;q=0.8", "application/ld+json"),
        ("application/rdf+xml;q=0.3, application/n-triples;q=0.6, text/html;q=0.1", "application/n-triples"),
        ("text/turtle;q=0.4, application/rdf+xml", "application/rdf+xml"),
        ("text/html;q=0.9, text/turtle;q=0.1", "text/html"),
    ],
)
def test_the_document_answers_the_best_accepted_format_and_names_its_variant(live_server, accept, expected):
    response = _get(f"{live_server.url}/doc/actor/Q1794", accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in [v.strip() for v in response.headers["Vary"].split(",")]
    extension = "html" if expected == "text/html" else RDF_FORMATS[expected][0]
    assert response.headers["Content-Location"] == f"/doc/actor/Q1794.{extension}"
    if expected != "text/html":
        assert (
            rdflib.URIRef(FRANKFURT),
            RDFS_LABEL,
            rdflib.Literal("Frankfurt am Main", lang="en"),
        ) in _graph(response, expected)


@pytest.mark.parametrize("media_type", sorted(RDF_FORMATS))
def test_an_extension_chooses_the_format_whatever_is_accepted(live_server, media_type):
    extension = RDF_FORMATS[media_type][0]
    response = _get(f"{live_server.url}/doc/twinning/Q956-Q1085.{extension}", BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert "Accept" not in response.headers.get("Vary", "")
    graph = _graph(response, media_type)
    assert (rdflib.URIRef(PRAGUE_BEIJING), CDO.endedBy, rdflib.URIRef(BASE + "id/actor/Q1085")) in graph


def test_the_html_extension_serves_the_page_to_an_rdf_client(live_server):
    response = _get(f"{live_server.url}/doc/twinning/Q956-Q1085.html", "text/turtle")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Prague – Beijing sister-city agreement" in response.text


def test_nothing_acceptable_answers_406_naming_the_variants(live_server):
    response = _get(f"{live_server.url}/doc/actor/Q1794", "image/png, application/pdf;q=0.5")
    assert response.status_code == 406
    assert "Accept" in response.headers["Vary"]
    assert "text/turtle" in response.text and "/doc/actor/Q1794.ttl" in response.text


@pytest.mark.parametrize(
    "path", ["/id/actor/Q999999999999", "/doc/actor/Q999999999999", "/scheme/status/forgotten"]
)
def test_an_unknown_iri_gets_a_helpful_page_for_people(live_server, path):
    response = _get(live_server.url + path, BROWSER_ACCEPT)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert "How our IRIs are built" in page
    assert 'href="/sparql"' in page
    assert "<form" in page and 'method="get"' in page  # a search by name
    assert "id/twinning/Q&lt;a&gt;-Q&lt;b&gt;" in page


def test_an_unknown_iri_gets_plain_text_for_rdf_clients(live_server):
    response = _get(f"{live_server.url}/id/actor/Q999999999999", "text/turtle")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/plain")
    assert BASE + "id/actor/Q999999999999 is not described here" in response.text
    assert "/sparql" in response.text


def test_a_malformed_iri_is_a_404_not_a_server_error(live_server):
    response = _get(f"{live_server.url}/id/actor/Q1%3E%20%3Cx", "text/turtle")
    assert response.status_code == 404
    assert "not an IRI" in response.text


def test_the_rdf_of_a_city_holds_its_partners_from_both_directions_with_their_labels(live_server):
    graph = _graph(_get(f"{live_server.url}/doc/actor/Q1794.ttl"), "text/turtle")
    frankfurt = rdflib.URIRef(FRANKFURT)
    birmingham = rdflib.URIRef(BASE + "id/actor/Q2256")
    # Only Birmingham's Wikidata item states this twinning: it arrives as incoming links.
    assert (birmingham, CDO.twinnedWith, frankfurt) in graph
    assert (rdflib.URIRef(BASE + "id/twinning/Q1794-Q2256"), CDO.party, frankfurt) in graph
    claim = rdflib.URIRef(BASE + "id/twinning/Q1794-Q2256/claim/Q2256")
    assert (claim, CDO.claimedPartner, frankfurt) in graph
    assert (claim, CDO.assertedBy, birmingham) in graph
    assert (birmingham, RDFS_LABEL, None) in graph
    membership = rdflib.URIRef(BASE + "id/membership/Q1794-eurocities")
    assert (membership, rdflib.URIRef("http://www.w3.org/ns/org#member"), frankfurt) in graph


def test_the_rdf_of_an_agreement_carries_its_claims_and_status_history(live_server):
    graph = _graph(_get(f"{live_server.url}/doc/twinning/Q956-Q1085.nt"), "application/n-triples")
    agreement = rdflib.URIRef(PRAGUE_BEIJING)
    changes = list(graph.objects(agreement, CDO.statusChange))
    assert len(changes) == 2
    for change in changes:
        assert (change, CDO.newStatus, None) in graph
        assert (change, rdflib.URIRef("http://purl.org/dc/terms/source"), None) in graph
    claim = rdflib.URIRef(PRAGUE_BEIJING + "/claim/Q956")
    assert (agreement, rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), claim) in graph
    assert (claim, CDO.assertedBy, rdflib.URIRef(BASE + "id/actor/Q956")) in graph


def test_the_resource_parameter_answers_for_any_of_our_iris(live_server):
    response = _get(f"{live_server.url}/resource?iri={FRANKFURT}", "text/turtle")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{live_server.url}/doc/actor/Q1794"
    elsewhere = _get(f"{live_server.url}/resource?iri=https://example.org/x", "text/turtle")
    assert elsewhere.status_code == 404


def test_a_public_url_that_is_not_an_address_is_refused_when_the_app_is_made(default_data_dir):
    with pytest.raises(SettingsError, match="CDKG_PUBLIC_URL"):
        create_app(default_data_dir.root, CDKG_PUBLIC_URL="cdkg.example.org")


def test_with_a_public_url_the_303_points_there(default_data_dir):
    with configured_server(default_data_dir, CDKG_PUBLIC_URL="https://cdkg.example.org/") as server:
        response = _get(f"{server.url}/id/actor/Q1085", "text/turtle")
    assert response.status_code == 303
    assert response.headers["Location"] == "https://cdkg.example.org/doc/actor/Q1085"


def test_a_named_graph_iri_answers_303_to_its_size_and_import_record(live_server):
    response = _get(f"{live_server.url}/graph/wikidata/query", "text/turtle")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{live_server.url}/doc/graph/wikidata/query"
    graph = _graph(_get(response.headers["Location"], "text/turtle"), "text/turtle")
    named = rdflib.URIRef(BASE + "graph/wikidata/query")
    assert int(graph.value(named, rdflib.URIRef("http://rdfs.org/ns/void#triples"))) > 100_000
    record = graph.value(named, rdflib.URIRef("http://www.w3.org/ns/prov#wasGeneratedBy"))
    assert (record, CDO.sourceFile, rdflib.Literal("query.csv")) in graph
    assert _get(f"{live_server.url}/graph/curated/nothing-here", "text/turtle").status_code == 404


@pytest.mark.parametrize(
    "path", ["/doc/actor/Q1794", "/doc/twinning/Q956-Q1085", "/doc/actor/network/eurocities"]
)
def test_every_link_a_page_makes_on_this_server_resolves(live_server, path):
    page = _get(live_server.url + path, "text/html").text
    links = {
        href.split("#")[0]
        for href in re.findall(r'href="([^"]+)"', page)
        if href.startswith(live_server.url) or href.startswith("/")
    }
    assert len(links) > 10
    session = requests.Session()
    broken = []
    for link in sorted(links):
        url = link if link.startswith("http") else live_server.url + link
        response = session.get(url, headers={"Accept": "text/html"}, timeout=30)
        if response.status_code != 200:
            broken.append((link, response.status_code))
    assert not broken


@pytest.mark.parametrize("accept", ["text/turtle", BROWSER_ACCEPT])
def test_a_document_is_revalidated_with_its_etag_and_date(live_server, accept):
    url = f"{live_server.url}/doc/actor/Q1794"
    first = _get(url, accept)
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    assert first.headers["Last-Modified"]
    again = _get(url, accept, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.content
    since = _get(url, accept, **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_a_page_in_another_language_is_not_the_cached_one(live_server):
    url = f"{live_server.url}/doc/actor/Q1794"
    english = _get(url, BROWSER_ACCEPT, **{"Accept-Language": "en"})
    german = _get(url, BROWSER_ACCEPT, **{"Accept-Language": "de", "If-None-Match": english.headers["ETag"]})
    assert german.status_code == 200
    assert german.headers["ETag"] != english.headers["ETag"]


FORBIDDEN_IN_IRIS = '\r\n\t\x00\x0b\x7f\x85 <>"{}|\\^`'


def test_an_iri_parameter_with_a_line_break_is_refused_400_and_injects_no_header(default_data_dir):
    rng = random.Random(10)
    tails = ["", "id/actor/Q1794", "foo", "id/twinning/Q956-Q1085", "scheme/status/active"]
    with configured_server(default_data_dir, CDKG_RATE_LIMIT=0) as server:
        sent = [BASE + "id/actor/Q456\r\nX-Injected: 1", BASE + "x\nX-Injected: 1", "\r\nX-Injected: 1"]
        for _ in range(60):
            tail = rng.choice(tails)
            at = rng.randrange(len(tail) + 1)
            bad = "".join(rng.choices(FORBIDDEN_IN_IRIS, k=rng.randint(1, 3)))
            sent.append(rng.choice((BASE, "https://example.org/")) + tail[:at] + bad + tail[at:])
        for iri in sent:
            response = requests.get(
                f"{server.url}/resource", params={"iri": iri}, allow_redirects=False, timeout=30
            )
            assert response.status_code == 400, (iri, response.status_code, response.text[:300])
            assert response.headers["Content-Type"].startswith("text/plain")
            assert "percent-encode" in response.text and "X-Injected" not in response.headers
        encoded = requests.get(
            f"{server.url}/resource", params={"iri": BASE + "foo%0D%0Abar"}, allow_redirects=False, timeout=30
        )
    assert encoded.status_code == 303 and encoded.headers["Location"].endswith("/foo%0D%0Abar")
