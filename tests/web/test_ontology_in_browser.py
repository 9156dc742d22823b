"""`/ontology` opened in a real browser: headless Chromium renders the page and it lists every term."""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.ontology_terms import documented_terms

CHROMIUM = Path("/usr/bin/chromium")
# Nothing but the page under test: no updates, sync, first-run pages or other traffic.
QUIET = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def _chromium() -> str:
    if CHROMIUM.exists():
        return str(CHROMIUM)
    found = shutil.which("chromium")
    if found is None:
        pytest.skip(f"{CHROMIUM} is absent: install Debian's `chromium` package to run the browser test")
    return found


def _run(arguments: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    command = [_chromium(), *QUIET, f"--user-data-dir={profile}", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_rendered_page_lists_every_class_and_property(ontology_server, tmp_path):
    result = _run(["--dump-dom", f"{ontology_server.url}/ontology"], tmp_path / "profile")
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
    _run(
        ["--window-size=1280,1300", f"--screenshot={shot}", f"{ontology_server.url}/ontology"], tmp_path / "p"
    )
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 50_000  # a blank page of this size compresses to a few kB
