"""Every page's footer: the licence, the sources and the build date of the graph being served."""

from __future__ import annotations

import re

import pytest
import requests

from cdkg.graph.datadir import DataDir
from cdkg.web.plumbing.page_context import readable_time
from tests.conftest import LiveServer

PAGES = ["/", "/sparql", "/query", "/search?q=Linz", "/dataset", "/dumps/", "/ontology", "/doc/actor/Q1794"]


def _footer(page: str) -> str:
    found = re.search(r'<footer class="site-footer" id="site-footer">(.*?)</footer>', page, re.S)
    assert found, "the page has no footer"
    return found.group(1)


@pytest.mark.parametrize("path", PAGES)
def test_page_footer_states_licence_sources_and_build_date(live_server, imported_data_dir, path):
    build = imported_data_dir.current()
    response = requests.get(f"{live_server.url}{path}", headers={"Accept": "text/html"}, timeout=60)
    assert response.status_code == 200
    footer = _footer(response.text)
    # Every graph of this build (ontology, curated files, a Wikidata import) is CC0, and the footer says so.
    assert 'rel="license" href="https://creativecommons.org/publicdomain/zero/1.0/">CC0 1.0</a>' in footer
    assert "CC BY" not in footer and "no licence" not in footer
    assert 'href="https://www.wikidata.org/">Wikidata</a> (CC0)' in footer
    for source in build.info["sources"]:
        if source["kind"] == "curated":
            assert f"<code>{source['file']}</code>" in footer
    assert (
        f'<time datetime="{build.info["built_at"]}">{readable_time(build.info["built_at"])}</time>' in footer
    )
    assert build.build_id in footer


def test_footer_renders_when_nothing_is_built_yet(tmp_path):
    with LiveServer(DataDir(tmp_path / "empty")) as server:
        page = requests.get(f"{server.url}/sparql", headers={"Accept": "text/html"}, timeout=30).text
    footer = _footer(page)
    assert "No graph has been built yet" in footer and "cdkg build" in footer
    assert "CC0 1.0" in footer
