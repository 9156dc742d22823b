"""A city page and an agreement page in headless Chromium: what a reader sees, and screenshots of both."""

from __future__ import annotations

import html
import re

from tests.web.browser import chromium_run
from tests.web.linked_data.test_resource_pages import Page

FRANKFURT_PARTNERS_ON_MAP = 10  # Frankfurt's partners with coordinates in the 2021 export plus curated data


def _rendered(server, path: str, profile) -> Page:
    """The page as Chromium left it after loading and rendering, through the IRI's 303."""
    return Page(chromium_run(["--dump-dom", server.url + path], profile).stdout)


def _visible_text(page: Page) -> str:
    body = page.text.split("<body", 1)[1]
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def test_a_city_page_shows_its_title_partners_map_and_sources(live_server, tmp_path):
    page = _rendered(live_server, "/id/actor/Q1794", tmp_path / "profile")
    assert "<title>Frankfurt am Main · City Diplomacy Knowledge Graph</title>" in page.text
    assert page.h1 == "Frankfurt am Main"
    text = _visible_text(page)
    assert "Partners (10)" in text
    for partner in ("Eskişehir", "Birmingham", "Toronto", "Tel Aviv"):
        assert partner in text
    assert '<svg id="partner-map"' in page.text
    assert len(page.partner_lines) == FRANKFURT_PARTNERS_ON_MAP
    assert len(set(page.partner_lines)) == FRANKFURT_PARTNERS_ON_MAP
    assert "curated: cases.ttl" in text and "Wikidata import: query" in text
    assert "Wikidata statement of Birmingham" in text
    assert "https://www.wikidata.org/wiki/Q1794" in page.hrefs

    shot = tmp_path / "city-page-frankfurt.png"
    chromium_run(
        ["--window-size=1280,1800", f"--screenshot={shot}", f"{live_server.url}/id/actor/Q1794"],
        tmp_path / "p2",
    )
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 100_000  # the map and tables; a blank page compresses to a few kB


def test_an_agreement_page_shows_its_parties_history_and_sources(live_server, tmp_path):
    page = _rendered(live_server, "/id/twinning/Q956-Q1085", tmp_path / "profile")
    assert page.h1 == "Prague – Beijing sister-city agreement"
    text = _visible_text(page)
    assert "Prague" in text and "Beijing" in text
    assert "terminated" in text and "ended by Prague" in text
    history = text.split("Status history", 1)[1]
    assert history.index("2016") < history.index("2019-10")
    assert "radio.cz" in text and "curated: cases.ttl" in text
    assert "Wikidata statements" in text and "Wikidata import: query" in text
    assert f"{live_server.url}/id/actor/Q1085" in page.hrefs

    shot = tmp_path / "agreement-page-prague-beijing.png"
    chromium_run(
        ["--window-size=1280,1600", f"--screenshot={shot}", f"{live_server.url}/id/twinning/Q956-Q1085"],
        tmp_path / "p2",
    )
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 60_000
