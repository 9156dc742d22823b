"""The home page in headless Chromium: title, counts, the decade chart, and a search typed and submitted."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.web.browser import BrowserTab, chromium_run


def _artefacts(tmp_path: Path) -> Path:
    """Where screenshots go: $CDKG_TEST_ARTEFACTS when CI sets it, else the test's temporary directory."""
    folder = Path(os.environ.get("CDKG_TEST_ARTEFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_home_page_shows_title_counts_and_a_bar_per_decade(live_server, tmp_path):
    dom = chromium_run(["--dump-dom", f"{live_server.url}/"], tmp_path / "profile").stdout
    assert "<title>City Diplomacy Knowledge Graph</title>" in dom
    counts = dict(re.findall(r'<tr data-count="(\w+)"><td class="number">([\d,]+)</td>', dom))
    assert set(counts) >= {"cities", "twinnings", "networks", "triples"}
    assert int(counts["twinnings"].replace(",", "")) > 8000
    assert re.search(r'<svg id="decade-chart"', dom)
    assert len(re.findall(r'<rect class="bar"', dom)) >= 5
    assert 'id="site-footer"' in dom and "CC0 1.0" in dom


def test_typing_a_name_in_the_search_box_and_submitting_shows_the_city(live_server, tmp_path):
    with BrowserTab(tmp_path / "profile") as tab:
        tab.evaluate(f"location.href = {live_server.url + '/'!r}")
        tab.wait_for("document.readyState === 'complete' && !!document.getElementById('search-q')")
        tab.evaluate("document.getElementById('search-q').focus()")
        tab.type_text("eskisehir")
        tab.evaluate("document.querySelector('form.search-box button[type=submit]').click()")
        tab.wait_for("location.pathname === '/search' && !!document.querySelector('a.result')")
        assert tab.evaluate("new URLSearchParams(location.search).get('q')") == "eskisehir"
        first = tab.evaluate(
            "[...document.querySelectorAll('a.result')].map(a => [a.textContent, a.getAttribute('href')])"
        )
        assert first[0] == ["Eskişehir", "/id/actor/Q168866"]
        assert tab.evaluate("document.getElementById('search-q').value") == "eskisehir"


def test_home_and_search_pages_render_to_screenshots(live_server, tmp_path):
    folder = _artefacts(tmp_path)
    for name, path in (("home.png", "/"), ("search.png", "/search?q=Frankfurt")):
        shot = folder / name
        chromium_run(
            ["--window-size=1280,1600", f"--screenshot={shot}", live_server.url + path],
            tmp_path / f"profile-{shot.stem}",
        )
        assert shot.read_bytes().startswith(b"\x89PNG")
        assert shot.stat().st_size > 40_000, name  # a blank page of this size compresses to a few kB
