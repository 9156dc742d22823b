"""The home page over real HTTP: what the dataset is and how big the published build is."""

from __future__ import annotations

import requests


def test_home_page_is_html_mentioning_the_triple_count_of_the_build(live_server, imported_data_dir):
    build = imported_data_dir.current()
    assert build is not None
    triples = build.info["triples"]
    assert triples > 1000  # so the thousands separator is really exercised

    response = requests.get(f"{live_server.url}/", headers={"Accept": "text/html"}, timeout=30)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text
    assert f"{triples:,} triples" in response.text
    assert build.build_id in response.text


def test_home_page_lists_each_named_graph_with_its_triple_count(live_server, imported_data_dir):
    graphs = imported_data_dir.current().info["graphs"]
    response = requests.get(f"{live_server.url}/", timeout=30)
    assert response.status_code == 200
    for graph, count in graphs.items():
        assert f"<code>{graph}</code></td><td>{count:,}</td>" in response.text


def test_home_page_links_to_the_sparql_endpoint(live_server):
    response = requests.get(f"{live_server.url}/", timeout=30)
    assert response.status_code == 200
    assert 'href="/sparql"' in response.text
