"""`/dumps/`: the served build's dumps listed with sizes and checksums, downloaded whole, nothing else reachable."""

from __future__ import annotations

import hashlib
import http.client
from urllib.parse import urlsplit

import pytest
import requests

from cdkg.build import build_graph
from cdkg.export import export_dumps
from cdkg.graph.datadir import DataDir
from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def dumps_server(tmp_path_factory):
    data_dir = DataDir(tmp_path_factory.mktemp("dumps-graph"))
    build_graph(data_dir)
    manifest = export_dumps(data_dir).manifest
    with LiveServer(data_dir) as server:
        yield server, data_dir, manifest


def test_listing_shows_each_dump_with_size_and_checksum(dumps_server):
    server, _, manifest = dumps_server
    page = requests.get(f"{server.url}/dumps/", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for dump in manifest.files:
        assert f'<a href="/dumps/{dump.name}">{dump.name}</a>' in page.text
        assert f"{dump.bytes:,}" in page.text and dump.sha256 in page.text
    listed = requests.get(f"{server.url}/dumps/", headers={"Accept": "application/json"}, timeout=30).json()
    assert listed == manifest.as_dict()


def test_each_dump_downloads_whole_with_its_media_type_and_etag(dumps_server):
    server, _, manifest = dumps_server
    expected_types = {"nq.gz": "application/gzip", "ttl": "text/turtle", "jsonld": "application/ld+json"}
    for dump in manifest.files:
        response = requests.get(f"{server.url}/dumps/{dump.name}", timeout=60)
        assert response.status_code == 200
        assert response.headers["Content-Type"].split(";")[0] == expected_types[dump.format]
        assert "Content-Encoding" not in response.headers  # the .gz arrives as the file, checksum intact
        assert hashlib.sha256(response.content).hexdigest() == dump.sha256
        assert f"filename={dump.name}" in response.headers["Content-Disposition"]
        assert response.headers["ETag"] == f'"{dump.sha256}"'
        again = requests.get(
            f"{server.url}/dumps/{dump.name}", headers={"If-None-Match": response.headers["ETag"]}, timeout=30
        )
        assert again.status_code == 304


def test_checksum_file_downloads_in_sha256sum_format(dumps_server):
    server, _, manifest = dumps_server
    sums = requests.get(f"{server.url}/dumps/SHA256SUMS", timeout=30).text
    assert sums == "".join(f"{dump.sha256}  {dump.name}\n" for dump in manifest.files)


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/../current",
        "/dumps/..%2Fcurrent",
        "/dumps/%2e%2e/%2e%2e/current",
        "/dumps/../build.json",
        "/dumps/..%2F..%2Fcurrent",
        "/dumps/%2Fetc%2Fpasswd",
        "/dumps//etc/passwd",
        "/dumps/.export-1-abc/x",
        "/dumps/store/CURRENT",
    ],
)
def test_paths_outside_the_listed_dumps_are_refused(dumps_server, path):
    server, data_dir, _ = dumps_server
    location = urlsplit(server.url)
    connection = http.client.HTTPConnection(location.hostname, location.port, timeout=30)
    connection.request("GET", path)  # sent as written: no client-side normalisation of ".."
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    assert response.status in (404, 308), (path, response.status)
    assert data_dir.current().build_id not in body or "no dump" in body
    assert "root:" not in body and '"build":' not in body


def test_before_any_export_the_listing_says_how_to_make_dumps(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    build_graph(data_dir)
    with LiveServer(data_dir) as server:
        page = requests.get(f"{server.url}/dumps/", timeout=30)
        missing = requests.get(f"{server.url}/dumps/cdkg-{data_dir.current().build_id}.ttl", timeout=30)
    assert page.status_code == 200 and "cdkg export" in page.text
    assert missing.status_code == 404 and "cdkg export" in missing.text


def test_listing_states_the_licences_of_what_the_dumps_hold(dumps_server):
    server, _, manifest = dumps_server
    page = requests.get(f"{server.url}/dumps/", timeout=30).text
    cc0 = "http://creativecommons.org/publicdomain/zero/1.0/"
    # Readers are sent to the licence's page over HTTPS; the IRI naming it stays http://.
    link = cc0.replace("http://", "https://")
    assert page.count(f'<a rel="license" href="{link}">CC0 1.0</a>') >= len(manifest.files)
    assert f'<li data-licence="{cc0}">' in page
    listed = requests.get(f"{server.url}/dumps/?format=json", timeout=30).json()
    assert all(file["licences"][0]["licence"] == cc0 for file in listed["files"])
