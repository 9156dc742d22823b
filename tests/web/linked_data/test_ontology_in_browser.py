"""`/ontology` opened in a real browser: headless Chromium renders the page and it lists every term."""

from __future__ import annotations

import html

from tests.ontology_terms import documented_terms
from tests.web.browser import chromium_run


def test_rendered_page_lists_every_class_and_property(ontology_server, tmp_path):
    result = chromium_run(
        ["--dump-dom", f"{ontology_server.url}/ontology"], tmp_path / "profile", settle=False
    )
    dom = result.stdout
    assert "<h1>" in dom and "pyLODE" in html.unescape(dom)
    text = html.unescape(dom)
    classes = [term for term in documented_terms() if term.kind == "Class"]
    assert classes
    for term in documented_terms():
        assert f'id="{term.fragment}"' in dom, f"{term.iri} has no anchor in the rendered page"
        assert term.iri in text, f"{term.iri} is not in the rendered page"
        assert any(label in text for label in term.labels), f"no label of {term.iri} is rendered"


def test_page_renders_to_a_screenshot(ontology_server, tmp_path):
    shot = tmp_path / "ontology.png"
    chromium_run(
        ["--window-size=1280,1300", f"--screenshot={shot}", f"{ontology_server.url}/ontology"],
        tmp_path / "p",
        settle=False,
    )
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 50_000  # a blank page of this size compresses to a few kB
