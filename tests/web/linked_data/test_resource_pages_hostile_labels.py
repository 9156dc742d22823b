"""Labels that look like markup cannot break the pages that show them, in the body or in the JSON-LD.

A label such as `<!--<script>` inside the page's JSON-LD `<script>` element puts an HTML parser in
its escaped script state, and the rest of the page became script text: a blank page. The graph
here is a real import of a small results file whose cities carry such labels.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import html5lib
import pytest
import requests

from cdkg.build import import_and_build
from cdkg.graph.datadir import DataDir
from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import
from tests.web.sparql_server import configured_server

HOSTILE_LABELS = {
    "Q90000001": "<!--<script>",
    "Q90000002": "</script><h1>x</h1>",
    "Q90000003": "Fish & Chips <!-- ]]> -->",
}
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator:
    folder = tmp_path_factory.mktemp("hostile-labels")
    results = folder / "hostile.csv"
    entity = "http://www.wikidata.org/entity/"
    first, *others = HOSTILE_LABELS
    rows = ["city,cityLabel,city_population,city_coordinate_location,sister,sisterLabel"]
    rows += [
        f'{entity}{first},"{HOSTILE_LABELS[first]}",1000,Point(10 50),{entity}{other},"{HOSTILE_LABELS[other]}"'
        for other in others
    ]
    results.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data_dir = DataDir(folder / "data")
    import_and_build(data_dir, prepare_twinning_import(results, ImportOptions(subject_class="city")))
    with configured_server(data_dir, CDKG_RATE_LIMIT=0) as running:
        yield running


def _pages(server) -> list[tuple[str, str]]:
    first, *others = HOSTILE_LABELS
    paths = [f"/doc/actor/{qid}" for qid in HOSTILE_LABELS]
    paths += [f"/doc/twinning/{first}-{other}" for other in others]
    return [(path, requests.get(server.url + path, timeout=30).text) for path in paths]


def test_script_data_holds_no_angle_bracket_or_ampersand_and_reads_back_as_the_labels(server):
    for path, page in _pages(server):
        start = page.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
        data = page[start : page.index("</script>", start)]
        assert not set("<>&") & set(data), (path, data)
        names = json.dumps(json.loads(data), ensure_ascii=False)
        assert any(label in names for label in HOSTILE_LABELS.values()), path


def test_a_page_showing_a_label_like_markup_keeps_its_heading_and_body_for_an_html5_parser(server):
    for path, page in _pages(server):
        document = html5lib.parse(page)
        headings = ["".join(h.itertext()) for h in document.iter(f"{XHTML}h1")]
        scripts = [s for s in document.iter(f"{XHTML}script") if s.get("type") == "application/ld+json"]
        assert len(scripts) == 1 and len(headings) == 1, (path, headings)
        assert any(label in headings[0] for label in HOSTILE_LABELS.values()), (path, headings)
        assert document.find(f".//{XHTML}article") is not None, path
