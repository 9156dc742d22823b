"""The query page over real HTTP: prefixes, examples, build figures, permalinks and downloads, all local."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from cdkg.graph.datadir import DataDir
from cdkg.namespaces import PREFIXES
from cdkg.web.sparql.query_page import example_queries
from tests.conftest import LiveServer

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CDO = PREFIXES["cdo"]
SELECT = f"PREFIX cdo: <{CDO}>\nSELECT ?a WHERE {{ ?a a cdo:TwinningAgreement }} LIMIT 3\n"
CONSTRUCT = f"PREFIX cdo: <{CDO}>\nCONSTRUCT {{ ?a a cdo:TwinningAgreement }} WHERE {{ ?a a cdo:TwinningAgreement }} LIMIT 3"
SOLUTION_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}


class PageParts(HTMLParser):
    """The parts of the page the tests read: attributes of every element, the editor's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.editor = ""
        self.page_data: dict | None = None
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "textarea" and attributes.get("id") == "query":
            self._in = "editor"
        elif tag == "script" and attributes.get("id") == "query-page-data":
            self._in = "data"

    def handle_endtag(self, tag):
        if tag in ("textarea", "script"):
            self._in = None

    def handle_data(self, data):
        if self._in == "editor":
            self.editor += data
        elif self._in == "data":
            self.page_data = json.loads(data)

    def links(self, **attribute) -> list[dict[str, str | None]]:
        (name, value), *_ = attribute.items()
        return [attrs for tag, attrs in self.elements if tag == "a" and attrs.get(name) == value]


def page(server: LiveServer, path: str = "/query", **params) -> tuple[requests.Response, PageParts]:
    response = requests.get(
        f"{server.url}{path}", params=params, headers={"Accept": BROWSER_ACCEPT}, timeout=30
    )
    parts = PageParts()
    parts.feed(response.text)
    return response, parts


def query_of(href: str) -> str:
    return parse_qs(urlsplit(href).query)["query"][0]


def test_editor_starts_with_every_project_prefix_declared(live_server):
    response, parts = page(live_server)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    for name, iri in PREFIXES.items():
        assert f"PREFIX {name}: <{iri}>\n" in parts.editor
    assert "SELECT" in parts.editor
    assert parts.page_data["autorun"] is False


def test_starter_query_runs_and_answers_rows(live_server):
    _, parts = page(live_server)
    response = requests.post(
        f"{live_server.url}/sparql",
        data={"query": parts.editor},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()["results"]["bindings"]


def test_page_lists_every_example_with_its_title_description_and_query(live_server):
    _, parts = page(live_server)
    text = html.unescape(requests.get(f"{live_server.url}/query", timeout=30).text)
    examples = example_queries()
    assert len(examples) >= 4
    for example in examples:
        (link,) = parts.links(**{"data-example": example.name})
        assert query_of(link["href"]) == example.query
        assert example.title in text
        assert example.description in text
        assert parts.page_data["examples"][example.name] == example.query


def test_page_shows_the_build_date_and_counts(live_server, imported_data_dir):
    info = imported_data_dir.current().info
    response, _ = page(live_server)
    text = response.text
    assert info["build"] in text
    assert f'datetime="{info["built_at"]}"' in text
    assert info["built_at"][:10] in text
    assert f"{info['triples']:,}</span> triples" in text
    assert f"{info['quads']:,} quads" in text
    assert f"in {len(info['graphs'])} named graphs" in text
    assert f"from {len(info['sources'])} source files" in text


def test_a_given_query_is_shown_as_given_with_its_permalink_and_run_at_once(live_server):
    query = SELECT + '# a comment with <angle brackets> & "quotes"\n'
    response, parts = page(live_server, query=query)
    assert response.status_code == 200
    assert parts.editor == query
    assert parts.page_data["autorun"] is True
    (permalink,) = [attrs for tag, attrs in parts.elements if attrs.get("id") == "permalink"]
    assert urlsplit(permalink["href"]).path == "/sparql"
    assert query_of(permalink["href"]) == query


def test_permalink_opened_in_a_browser_shows_the_page_with_the_query(live_server):
    _, parts = page(live_server, query=SELECT)
    (permalink,) = [attrs for tag, attrs in parts.elements if attrs.get("id") == "permalink"]
    response = requests.get(
        urljoin(live_server.url, permalink["href"]), headers={"Accept": BROWSER_ACCEPT}, timeout=30
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    opened = PageParts()
    opened.feed(response.text)
    assert opened.editor == SELECT
    assert opened.page_data is not None and opened.page_data["autorun"] is True


@pytest.mark.parametrize(
    ("query", "kind", "types"), [(SELECT, "solution", SOLUTION_TYPES), (CONSTRUCT, "graph", GRAPH_TYPES)]
)
def test_download_links_fetch_the_query_in_each_format(live_server, query, kind, types):
    _, parts = page(live_server, query=query)
    container = f"{kind}-downloads"
    assert any(attrs.get("id") == container for _, attrs in parts.elements)
    links = {attrs["data-format"]: attrs["href"] for tag, attrs in parts.elements if "data-format" in attrs}
    assert set(types) <= set(links)
    for fmt, media_type in types.items():
        assert query_of(links[fmt]) == query
        response = requests.get(
            urljoin(live_server.url, links[fmt]), headers={"Accept": BROWSER_ACCEPT}, timeout=30
        )
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith(media_type)
        assert "TwinningAgreement" in response.text or "twinning" in response.text


def test_page_loads_nothing_from_another_host(live_server):
    response, parts = page(live_server, query=SELECT)
    assert "@import" not in response.text and "url(" not in response.text
    for tag, attrs in parts.elements:
        # A link a reader may follow (a licence, a named graph's page) loads nothing; everything else would.
        followed = tag == "a" and attrs.get("href", "").startswith(("https://", "http://", "/"))
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            if value is None or (followed and name == "href"):
                continue
            assert value.startswith("/") and not value.startswith("//"), (
                f"<{tag} {name}={value!r}> leaves the site"
            )
    scripts = [attrs["src"] for tag, attrs in parts.elements if tag == "script" and attrs.get("src")]
    sheets = [
        attrs["href"] for tag, attrs in parts.elements if tag == "link" and attrs.get("rel") == "stylesheet"
    ]
    assert scripts and sheets
    namespaces = set(PREFIXES.values())
    for path in scripts + sheets:
        asset = requests.get(urljoin(live_server.url, path), timeout=30)
        assert asset.status_code == 200
        assert "@import" not in asset.text
        if path.endswith(".css"):
            assert "url(" not in asset.text
        for address in re.findall(r"https?://[^\s\"'`)<>\\]+", asset.text):
            assert address in namespaces, f"{path} names another host: {address}"


def test_static_files_are_served_with_their_media_types(live_server):
    script = requests.get(f"{live_server.url}/static/query-page.js", timeout=30)
    sheet = requests.get(f"{live_server.url}/static/query-page.css", timeout=30)
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    assert sheet.status_code == 200 and sheet.headers["Content-Type"].startswith("text/css")


def test_page_without_a_published_graph_says_what_to_do(tmp_path):
    with LiveServer(DataDir(tmp_path / "empty")) as server:
        response, parts = page(server)
    assert response.status_code == 503
    assert "cdkg build" in response.text
    assert "PREFIX cdo:" in parts.editor
