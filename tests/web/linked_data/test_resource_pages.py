"""Resource pages as served (no browser, so no JavaScript): what they show, where they link, their JSON-LD."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import rdflib
import requests

from cdkg.build import build_graph
from cdkg.fetch import fetch_wikidata
from cdkg.graph.datadir import DataDir
from cdkg.ingest.query_batches import BATCH_SIZES, load_query, render_batches
from cdkg.ingest.wdqs import WdqsClient
from tests.conftest import LiveServer
from tests.wdqs_replay import SPARQL_JSON, ReplayServer, Reply
from tests.web.sparql_server import configured_server

BASE = "https://w3id.org/cdkg/"
SCHEMA = rdflib.Namespace("https://schema.org/")
WIKIDATA_REPLIES = Path(__file__).resolve().parents[2] / "data" / "wikidata"


class Page(HTMLParser):
    """The parts of a served page the tests read."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.json_ld: list[str] = []
        self.partner_lines: list[str] = []
        self.h1 = ""
        self._in: str | None = None
        self.text = text
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"])
        elif tag == "script" and attributes.get("type") == "application/ld+json":
            self._in = "script"
            self.json_ld.append("")
        elif tag == "h1":
            self._in = "h1"
        elif tag == "line" and "partner-line" in (attributes.get("class") or ""):
            self.partner_lines.append(attributes["data-partner"])

    def handle_endtag(self, tag):
        if tag in ("script", "h1"):
            self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.json_ld[-1] += data
        elif self._in == "h1":
            self.h1 += data

    def schema_graph(self) -> rdflib.Graph:
        (block,) = self.json_ld
        json.loads(block)  # valid JSON first
        return rdflib.Graph().parse(data=block, format="json-ld")


def _page(server, path: str, **headers: str) -> Page:
    headers.setdefault("Accept", "text/html")
    response = requests.get(server.url + path, headers=headers, timeout=30)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/html")
    return Page(response.text)


@pytest.fixture(scope="module")
def fetched_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The default graph plus a `cdkg fetch` of recorded WDQS replies (statement IRIs, retrieval time)."""
    data_dir = DataDir(tmp_path_factory.mktemp("fetched-graph"))
    build_graph(data_dir)
    items = ["Q1001", "Q1002", "Q1003", "Q1004"]
    bindings = [{"item": {"type": "uri", "value": f"http://www.wikidata.org/entity/{q}"}} for q in items]
    items_body = json.dumps({"head": {"vars": ["item"]}, "results": {"bindings": bindings}}).encode()
    (statements,) = render_batches(
        load_query("twinning-statements"), items, BATCH_SIZES["twinning-statements"]
    )
    (parties,) = render_batches(load_query("parties"), items, BATCH_SIZES["parties"])

    def reply(body: bytes) -> Reply:
        return Reply(200, body, (("Content-Type", SPARQL_JSON),))

    with ReplayServer(Reply.status_code(404, "unexpected query")) as wdqs:
        wdqs.script(reply(items_body), query=load_query("twinning-items"))
        wdqs.script(
            reply((WIKIDATA_REPLIES / "twinning-statements-batch-1.srj.json").read_bytes()), query=statements
        )
        wdqs.script(reply((WIKIDATA_REPLIES / "parties-batch-1.srj.json").read_bytes()), query=parties)
        client = WdqsClient(wdqs.url, max_attempts=2, read_timeout=5, sleep=lambda _: None)
        fetch_wikidata(data_dir, client=client)
    with LiveServer(data_dir) as server:
        yield server


def test_a_city_page_shows_its_partners_from_both_directions_and_who_states_each(live_server):
    page = _page(live_server, "/doc/actor/Q1794")
    assert page.h1 == "Frankfurt am Main"
    partners = page.text.split('id="partners"')[1].split("</section>")[0]
    # Eskişehir is curated and also stated on Eskişehir's Wikidata item; Birmingham only on Birmingham's.
    assert "Eskişehir" in partners and "Birmingham" in partners
    assert "curated sources; Wikidata statement of Eskişehir" in partners
    assert "Wikidata statement of Birmingham" in partners
    assert "Mayors for Peace" in page.text and "1984" in page.text  # its memberships, dated


def test_a_city_page_draws_one_line_to_each_partner_with_coordinates(live_server, imported_data_dir):
    page = _page(live_server, "/doc/actor/Q1794")
    assert '<svg id="partner-map"' in page.text
    query = (
        "SELECT DISTINCT ?partner WHERE { { ?a <https://w3id.org/cdkg/ontology#party> <https://w3id.org/cdkg/id/actor/Q1794>, ?partner } "
        "UNION { <https://w3id.org/cdkg/id/actor/Q1794> <https://w3id.org/cdkg/ontology#twinnedWith> ?partner } "
        "UNION { ?partner <https://w3id.org/cdkg/ontology#twinnedWith> <https://w3id.org/cdkg/id/actor/Q1794> } "
        "FILTER(?partner != <https://w3id.org/cdkg/id/actor/Q1794>) ?partner <http://www.opengis.net/ont/geosparql#hasGeometry> ?g }"
    )
    from cdkg.graph.served import ServedGraph

    located = sorted(row["partner"].value for row in ServedGraph(imported_data_dir).query(query))
    assert len(located) >= 8
    assert sorted(page.partner_lines) == located
    assert '<svg id="agreement-timeline"' in page.text


def test_a_city_page_without_coordinates_says_so_instead_of_a_map(default_data_dir):
    with configured_server(default_data_dir) as server:
        page = _page(server, "/doc/actor/Q1085")
    assert page.h1 == "Prague"
    assert 'id="partner-map"' not in page.text
    assert "Taipei" in page.text and "Beijing" in page.text
    assert '<svg id="agreement-timeline"' in page.text


def test_links_on_a_page_stay_on_the_server_that_serves_it(live_server):
    page = _page(live_server, "/doc/twinning/Q956-Q1085")
    ours = [h for h in page.hrefs if "/id/" in h or "/scheme/" in h]
    assert ours and all(h.startswith(live_server.url + "/") for h in ours)
    assert not [h for h in page.hrefs if h.startswith(BASE)]
    assert f"{live_server.url}/id/actor/Q1085" in page.hrefs


def test_with_a_public_url_links_point_there(default_data_dir):
    with configured_server(default_data_dir, CDKG_PUBLIC_URL="https://cdkg.example.org") as server:
        page = _page(server, "/doc/twinning/Q956-Q1085")
    assert "https://cdkg.example.org/id/actor/Q1085" in page.hrefs
    assert not [h for h in page.hrefs if h.startswith(BASE) or h.startswith(server.url)]


def test_a_city_page_embeds_schema_org_json_ld_with_place_and_coordinates(live_server):
    graph = _page(live_server, "/doc/actor/Q1794").schema_graph()
    frankfurt = rdflib.URIRef(BASE + "id/actor/Q1794")
    assert (frankfurt, rdflib.RDF.type, SCHEMA.City) in graph
    assert (frankfurt, SCHEMA.sameAs, rdflib.URIRef("http://www.wikidata.org/entity/Q1794")) in graph
    geo = graph.value(frankfurt, SCHEMA.geo)
    assert float(graph.value(geo, SCHEMA.latitude)) == pytest.approx(50.11, abs=0.01)


@pytest.mark.parametrize(
    ("path", "schema_type"),
    [
        ("/doc/twinning/Q956-Q1085", "CreativeWork"),
        ("/doc/actor/network/eurocities", "Organization"),
        ("/doc/actor/Q183", "Country"),
        ("/doc/scheme/status/active", "Thing"),
    ],
)
def test_every_kind_of_page_embeds_valid_json_ld(live_server, path, schema_type):
    graph = _page(live_server, path).schema_graph()
    assert (None, rdflib.RDF.type, SCHEMA[schema_type]) in graph


def test_labels_follow_accept_language_then_lang_then_english_untagged_any(live_server):
    assert _page(live_server, "/doc/actor/Q1085", **{"Accept-Language": "cs, en;q=0.5"}).h1 == "Praha"
    assert _page(live_server, "/doc/actor/Q1085", **{"Accept-Language": "de"}).h1 == "Prague"  # English
    assert _page(live_server, "/doc/actor/Q1085?lang=cs").h1 == "Praha"
    assert _page(live_server, "/doc/actor/Q1867", **{"Accept-Language": "zh"}).h1 == "臺北市"  # zh-Hant
    assert _page(live_server, "/doc/actor/Q90", **{"Accept-Language": "en"}).h1 == "Parigi"  # the only label


def test_a_curated_agreement_page_shows_its_references_history_and_graph(live_server):
    page = _page(live_server, "/doc/twinning/Q956-Q1085")
    assert page.h1 == "Prague – Beijing sister-city agreement"
    assert (
        "https://www.radio.cz/en/section/news/prague-councillors-approve-signing-of-sister-city-pact-with-taipei"
        in page.hrefs
    )
    assert "curated: cases.ttl" in page.text
    history = page.text.split('id="status-history"')[1].split("</section>")[0]
    assert history.index("2016") < history.index("2019-10")
    assert "One-China" in history


def test_an_imported_twinning_page_shows_each_wikidata_statement_and_its_retrieval(fetched_server):
    page = _page(fetched_server, "/doc/twinning/Q1001-Q1002")
    claims = page.text.split('id="claims"')[1].split("</section>")[0]
    statement = "http://www.wikidata.org/entity/statement/Q1001-0A1B2C3D-0000-0000-0000-000000000001"
    assert statement in page.hrefs
    assert re.search(r'class="retrieved">\d{4}-\d\d-\d\dT', claims)
    assert "Wikidata import: wikidata" in page.text
    assert "https://example.org/q1001/partners" in claims  # the statement's reference


def test_an_imported_city_links_to_wikidata_dbpedia_and_geonames(fetched_server):
    page = _page(fetched_server, "/doc/actor/Q1001")
    assert "https://www.wikidata.org/wiki/Q1001" in page.hrefs
    assert "http://dbpedia.org/resource/Weimar_(Example_town)" in page.hrefs
    assert "https://www.geonames.org/2812482" in page.hrefs


def test_a_network_page_lists_its_members_with_dates_and_roles(live_server):
    page = _page(live_server, "/doc/actor/network/eurocities")
    members = page.text.split('id="members"')[1].split("</section>")[0]
    assert "Rotterdam" in members and "Frankfurt am Main" in members and "Borlänge" in members
    assert "founding member" in members and "1986" in members and "2019" in members
    assert f"{live_server.url}/id/membership/Q34370-eurocities" in page.hrefs


def test_membership_status_change_and_concept_pages_render(live_server):
    assert "Eurocities" in _page(live_server, "/doc/membership/Q34370-eurocities").text
    change = _page(live_server, "/doc/twinning/Q956-Q1085/status-change/2")
    assert "2019-10" in change.text
    concept = _page(live_server, "/doc/scheme/status/terminated")
    assert "Links to it" in concept.text and "Prague – Beijing sister-city agreement" in concept.text
