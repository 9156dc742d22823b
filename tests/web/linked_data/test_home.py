"""The home page over real HTTP: its counts and decade chart equal what SPARQL says of the served build."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter

import requests

from cdkg.graph.datadir import DataDir
from cdkg.graph.dataset_counts import FIGURES_FILE, agreements_per_decade, count_dataset
from cdkg.graph.served import ServedGraph
from tests.conftest import LiveServer

PROLOGUE = (
    "PREFIX cdo: <https://w3id.org/cdkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)


def _sparql(server, query: str) -> list[dict]:
    response = requests.get(
        f"{server.url}/sparql",
        params={"query": PROLOGUE + query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def _count(server, pattern: str) -> int:
    (row,) = _sparql(server, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {pattern} }}")
    return int(row["n"]["value"])


def _shown_counts(page: str) -> dict[str, int]:
    rows = re.findall(r'<tr data-count="(\w+)"><td class="number">([\d,]+)</td>', page)
    return {key: int(value.replace(",", "")) for key, value in rows}


def test_home_page_counts_equal_the_endpoints_counts(live_server, imported_data_dir):
    response = requests.get(f"{live_server.url}/", headers={"Accept": "text/html"}, timeout=60)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    shown = _shown_counts(response.text)
    kind = "?s a/rdfs:subClassOf* cdo:"
    twinning = f"{kind}TwinningAgreement"
    expected = {
        "cities": _count(live_server, "?s a cdo:City"),
        "actors": _count(live_server, kind + "Actor"),
        "twinnings": _count(live_server, twinning),
        "other_agreements": _count(live_server, f"{kind}Agreement FILTER NOT EXISTS {{ {twinning} }}"),
        "networks": _count(live_server, "?s a cdo:CityNetwork"),
        "memberships": _count(live_server, "?s a cdo:NetworkMembership"),
        "claims": _count(live_server, "?s a cdo:TwinningClaim"),
        "triples": int(_sparql(live_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]["value"]),
        "named_graphs": len(imported_data_dir.current().info["graphs"]),
    }
    # A kind no source of the build holds is not shown as 0 but named as absent.
    assert shown == {key: count for key, count in expected.items() if count}
    absent = re.search(r'<p class="note" id="counts-absent">None in this build: (.*?)\.</p>', response.text)
    assert bool(absent) == (0 in expected.values())
    assert expected["cities"] > 1000 and expected["twinnings"] > 8000 and expected["networks"] >= 3


def _decades_by_sparql(server) -> tuple[Counter, int]:
    """Per decade: each agreement once, by its earliest signing date, else its earliest start date."""
    rows = _sparql(
        server,
        """SELECT ?a (MIN(?signed) AS ?s) (MIN(?started) AS ?t) WHERE {
          ?a a/rdfs:subClassOf* cdo:Agreement .
          OPTIONAL { ?a cdo:signingDate ?signed } OPTIONAL { ?a cdo:startDate ?started }
        } GROUP BY ?a""",
    )
    decades = Counter()
    for row in rows:
        date = row.get("s") or row.get("t")
        if date:
            year = int(date["value"][:4])
            decades[year - year % 10] += 1
    return decades, len(rows)


def test_decade_chart_bars_equal_the_agreements_per_decade(live_server):
    decades, agreements = _decades_by_sparql(live_server)
    assert sum(decades.values()) >= 5
    page = requests.get(f"{live_server.url}/", timeout=60).text

    bars = {
        int(d): int(n)
        for d, n in re.findall(r'<g class="decade" data-decade="(\d+)" data-count="(\d+)">', page)
    }
    assert {decade: n for decade, n in bars.items() if n} == dict(decades)
    assert list(bars) == list(range(min(decades), max(decades) + 10, 10))  # empty decades drawn too
    assert page.count('<rect class="bar"') == len(bars)
    note = re.sub(r"\s+", " ", re.search(r'<p class="note" id="decades-note">(.*?)</p>', page, re.S).group(1))
    dated = sum(decades.values())
    assert f"{dated:,} of {agreements:,} agreements are dated" in note
    assert f"the {agreements - dated:,} without either date are not drawn" in note
    assert "only to the year" in note


def test_home_page_lists_each_named_graph_with_its_triple_count(live_server, imported_data_dir):
    info = imported_data_dir.current().info
    page = requests.get(f"{live_server.url}/", timeout=30).text
    assert f"{info['triples']:,} triples" in page
    for graph, count in info["graphs"].items():
        assert f'<code>{graph}</code></td><td class="number">{count:,}</td>' in page


def test_home_page_links_to_search_sparql_ontology_dumps_and_the_dataset_description(live_server):
    page = requests.get(f"{live_server.url}/", timeout=30).text
    assert re.search(r'<form class="search-box" role="search" method="get" action="/search">', page)
    assert 'name="q"' in page
    for target in ("/sparql", "/ontology", "/ontology.ttl", "/dumps/", "/dataset", "/.well-known/void"):
        assert f'href="{target}"' in page, target
        assert requests.get(f"{live_server.url}{target}", timeout=60).status_code == 200, target


def test_home_page_without_a_build_says_what_to_do(tmp_path):
    with LiveServer(DataDir(tmp_path / "empty")) as server:
        response = requests.get(f"{server.url}/", timeout=30)
    assert response.status_code == 503
    assert "cdkg build" in response.text
    assert 'id="site-footer"' in response.text


def test_the_build_keeps_its_figures_and_the_home_page_shows_them_without_counting(
    default_data_dir, tmp_path
):
    build = default_data_dir.current()
    kept = json.loads((build.store_path.parent / FIGURES_FILE).read_text(encoding="utf-8"))
    store = ServedGraph(default_data_dir).open().store
    assert kept["counts"] == count_dataset(store)
    assert kept["decades"]["agreements"] == agreements_per_decade(store).agreements

    # A copy whose kept figures say something no store would: the page shows what the build kept.
    copy = DataDir(tmp_path / "data")
    shutil.copytree(default_data_dir.root, copy.root)
    figures_path = copy.current().store_path.parent / FIGURES_FILE
    marked = {**kept, "counts": {**kept["counts"], "cities": 123456789}}
    figures_path.write_text(json.dumps(marked), encoding="utf-8")
    with LiveServer(copy) as server:
        shown = _shown_counts(requests.get(f"{server.url}/", timeout=60).text)
    assert shown["cities"] == 123456789

    # A build from before builds kept figures is counted by the server.
    figures_path.unlink()
    with LiveServer(copy) as server:
        shown = _shown_counts(requests.get(f"{server.url}/", timeout=60).text)
    assert shown == {key: count for key, count in kept["counts"].items() if count}


def test_a_curated_only_home_page_claims_no_wikidata_and_shows_no_zero_counts(default_data_dir):
    with LiveServer(default_data_dir) as server:
        page = requests.get(f"{server.url}/", timeout=60).text
    intro = re.sub(r"\s+", " ", re.search(r'<p id="intro-sources">(.*?)</p>', page, re.S).group(1))
    assert "Twinnings come from Wikidata" not in intro and "holds no Wikidata data" in intro
    assert "claims" not in _shown_counts(page)
    assert "Wikidata twinning claims" in re.search(r'id="counts-absent">(.*?)</p>', page).group(1)
    for graph in default_data_dir.current().info["graphs"]:
        row = re.search(rf'<tr data-graph="{re.escape(graph)}".*?</tr>', page, re.S).group(0)
        assert "CC0 1.0" in row
