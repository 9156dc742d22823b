"""The query page in headless Chromium: examples, keys and its own script's results, IRIs by label, linked."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

from cdkg.graph.served import ServedGraph
from cdkg.web.sparql.query_page import example_queries
from tests.web.browser import BrowserTab, chromium_run
from tests.web.sparql_server import configured_server

ACTOR = "https://w3id.org/cdkg/id/actor/"
FRANKFURT = ACTOR + "Q1794"
# Lets the page's requests to the endpoint finish before the DOM is dumped or the screenshot taken.


class RenderedPage(HTMLParser):
    """What the script left in the page: status, error, the result table's cells and the links in them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.boxes: dict[str, str] = {}
        self.error_hidden = True
        self.rows: list[list[str]] = []
        self.links: list[dict[str, str]] = []
        self._box: str | None = None
        self._link: dict[str, str] | None = None
        self._in_body = False
        self._in_head = False
        self.dom = ""

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if attributes.get("id") in ("status", "error", "results"):
            self._box = attributes["id"]
            self.boxes[self._box] = ""
            if self._box == "error":
                self.error_hidden = "hidden" in attributes
        elif tag == "table" and "solutions" in attributes.get("class", "").split():
            self._in_body = True
        elif tag == "tr" and self._in_body and not self._in_head:
            self.rows.append([])
        elif tag == "thead":
            self._in_head = True
        elif tag == "td" and self._in_body:
            self.rows[-1].append("")
        elif tag == "a" and "iri" in attributes.get("class", "").split():
            self._link = {**attributes, "text": ""}

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.links.append(self._link)
            self._link = None
        elif tag == "table":
            self._in_body = False
        elif tag == "thead":
            self._in_head = False
        elif tag == "div":  # none of the three boxes holds a div
            self._box = None

    def handle_data(self, data):
        if self._box is not None:
            self.boxes[self._box] += data
        if self._link is not None:
            self._link["text"] += data
        if self._in_body and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data


def _opened_with(server, query: str, profile: Path) -> RenderedPage:
    """The page opened at its link for `query` (which runs it), as the browser left it."""
    url = f"{server.url}/query?{urlencode({'query': query})}"
    page = RenderedPage()
    page.dom = chromium_run(["--dump-dom", url], profile).stdout
    page.feed(page.dom)
    return page


def _example(name: str):
    (example,) = [example for example in example_queries() if example.name == name]
    return example


def test_an_example_run_in_the_browser_shows_each_row_with_labels_linked_to_their_iris(
    live_server, imported_data_dir, tmp_path
):
    example = _example("twinnings-of-a-city")
    expected_rows = len(list(ServedGraph(imported_data_dir).query(example.query)))
    assert expected_rows > 4

    page = _opened_with(live_server, example.query, tmp_path / "profile")

    assert page.error_hidden, page.boxes.get("error")
    assert re.search(rf"\b{expected_rows} rows in \d+ ms", page.boxes["status"]), page.boxes["status"]
    assert len(page.rows) == expected_rows
    frankfurt = [link for link in page.links if link.get("href") == FRANKFURT]
    assert frankfurt, "Frankfurt, a partner of Eskişehir, is not linked in the table"
    for link in frankfurt:
        assert link["text"] == "Frankfurt am Main"  # the English label, on an English page
        assert link["title"] == FRANKFURT
        assert "labelled" in link["class"].split()
    actors = [link for link in page.links if link["href"].startswith(ACTOR)]
    assert actors and all("labelled" in link["class"].split() for link in actors)
    assert all(link["text"] != link["href"] for link in actors)


def test_a_query_the_endpoint_refuses_shows_its_status_and_message(live_server, tmp_path):
    page = _opened_with(live_server, "SELECT ?x WHERE { ?x }", tmp_path / "profile")
    assert not page.error_hidden
    assert "400" in page.boxes["error"]
    assert "syntax" in page.boxes["error"].lower()
    assert not page.rows


def test_a_result_the_endpoint_cut_says_so_and_its_rows_are_still_labelled(default_data_dir, tmp_path):
    classes = "SELECT ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> } ORDER BY ?c LIMIT 12"
    with configured_server(default_data_dir, CDKG_MAX_ROWS=5, CDKG_RATE_LIMIT=0) as server:
        page = _opened_with(server, classes, tmp_path / "profile")
    status = page.boxes["status"]
    assert "5 rows in" in status and "cut by the endpoint" in status and "more than 5 rows" in status
    assert len(page.rows) == 5
    assert len(page.links) == 5 and all("labelled" in link["class"].split() for link in page.links)


def test_a_construct_query_shows_the_turtle_text(live_server, tmp_path):
    query = (
        "PREFIX cdo: <https://w3id.org/cdkg/ontology#>\n"
        f"CONSTRUCT {{ ?a cdo:party <{FRANKFURT}> }} WHERE {{ ?a cdo:party <{FRANKFURT}> }}"
    )
    page = _opened_with(live_server, query, tmp_path / "profile")
    assert page.error_hidden, page.boxes.get("error")
    assert "text/turtle" in page.boxes["status"]
    assert "cdo:party" in page.boxes["results"]
    assert "Q1794" in page.boxes["results"]


def test_the_editor_highlights_the_query_it_holds(live_server, tmp_path):
    query = "SELECT ?a WHERE { ?a <https://w3id.org/cdkg/ontology#party> ?b } # who\nLIMIT 2"
    page = _opened_with(live_server, query, tmp_path / "profile")
    highlighted = re.search(r'<pre class="sparql-highlight"[^>]*>(.*?)</pre>', page.dom, re.S)
    assert highlighted, "no highlighted copy of the query under the editor"
    drawn = highlighted.group(1)
    assert '<span class="tok-keyword">SELECT</span>' in drawn
    assert '<span class="tok-variable">?a</span>' in drawn
    assert '<span class="tok-iri">&lt;https://w3id.org/cdkg/ontology#party&gt;</span>' in drawn
    assert '<span class="tok-comment"># who</span>' in drawn
    assert html.unescape(re.sub(r"<[^>]+>", "", drawn)).startswith(query)


def test_an_ask_query_shows_its_answer(live_server, tmp_path):
    query = f"ASK {{ ?a <https://w3id.org/cdkg/ontology#party> <{FRANKFURT}> }}"
    page = _opened_with(live_server, query, tmp_path / "profile")
    assert "ASK answered true" in page.boxes["status"]
    assert page.boxes["results"].strip() == "true"


STATUS = "document.getElementById('status').textContent"
EDITOR = "document.getElementById('query')"


def test_choosing_an_example_loads_it_into_the_editor_and_runs_it(live_server, tmp_path):
    example = _example("network-memberships")
    with BrowserTab(tmp_path / "profile") as tab:
        tab.open(f"{live_server.url}/query")
        assert tab.evaluate(STATUS) == ""  # the starter query waits to be run
        tab.evaluate(f"document.querySelector('a.example[data-example=\"{example.name}\"]').click()")
        tab.wait_for(f"/\\d+ rows in/.test({STATUS}) && !!document.querySelector('a.iri.labelled')")
        assert tab.evaluate(f"{EDITOR}.value") == example.query
        assert tab.evaluate("document.querySelector('table.solutions th').textContent") == "?network"
        eurocities = "https://w3id.org/cdkg/id/actor/network/eurocities"
        assert (
            tab.evaluate(f"document.querySelector('a.iri[href=\"{eurocities}\"]').textContent")
            == "Eurocities"
        )
        assert tab.evaluate("new URLSearchParams(location.search).get('query')") == example.query


def test_ctrl_enter_runs_the_query_typed_in_the_editor(live_server, tmp_path):
    with BrowserTab(tmp_path / "profile") as tab:
        tab.open(f"{live_server.url}/query")
        tab.evaluate(f"{EDITOR}.focus(); {EDITOR}.select()")
        tab.type_text(f"ASK {{ ?a <https://w3id.org/cdkg/ontology#party> <{FRANKFURT}> }}")
        tab.press("Enter", 13, ctrl=True)
        tab.wait_for(f"{STATUS}.startsWith('ASK answered')")
        assert tab.evaluate(STATUS).startswith("ASK answered true")
        permalink = tab.evaluate("document.getElementById('permalink').getAttribute('href')")
        assert permalink.startswith("/sparql?") and "ASK" in permalink
        downloads = tab.evaluate("document.getElementById('solution-downloads').hidden")
        assert downloads is False
        assert tab.evaluate("document.getElementById('graph-downloads').hidden") is True


def test_tab_indents_in_the_editor_and_shift_tab_takes_it_off(live_server, tmp_path):
    with BrowserTab(tmp_path / "profile") as tab:
        tab.open(f"{live_server.url}/query")
        tab.evaluate(f"{EDITOR}.focus(); {EDITOR}.select()")
        tab.type_text("SELECT * WHERE {\n?s ?p ?o\n}")
        tab.evaluate(f"{EDITOR}.setSelectionRange(17, 17)")
        tab.press("Tab", 9)
        assert tab.evaluate(f"{EDITOR}.value") == "SELECT * WHERE {\n  ?s ?p ?o\n}"
        assert tab.evaluate("document.activeElement.id") == "query"
        tab.evaluate(f"{EDITOR}.setSelectionRange(17, 20)")
        tab.press("Tab", 9, shift=True)
        assert tab.evaluate(f"{EDITOR}.value") == "SELECT * WHERE {\n?s ?p ?o\n}"


def test_the_page_with_an_example_run_renders_to_a_screenshot(live_server, tmp_path):
    shot = tmp_path / "query-page.png"
    url = f"{live_server.url}/query?{urlencode({'query': _example('network-memberships').query})}"
    chromium_run(["--window-size=1400,1400", f"--screenshot={shot}", url], tmp_path / "profile")
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 100_000  # the page with a filled table; a blank one compresses to a few kB
