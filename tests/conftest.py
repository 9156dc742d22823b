"""Fixtures shared by the suite: real data directories, real builds, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from cdkg.build import build_graph, import_and_build
from cdkg.graph.datadir import DataDir
from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import
from cdkg.web import create_app

# Fixtures of other modules, registered once for the whole run: a session-scoped engine imported
# into several test modules would start once per module.
pytest_plugins = ["tests.engines.fixtures", "tests.stores"]

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = REPO / "triples" / "snapshots"
# The shipped 2021 WDQS P190 export, gzip-compressed (see its README).
P190_SNAPSHOT = SNAPSHOTS / "wdqs-p190-cities-2021" / "query.csv.gz"
TEST_DATA = REPO / "tests" / "data"
JSON_SAMPLE = TEST_DATA / "wdqs-json-format-sample" / "wdqs-europe-cities-2023-08-02.srj.json"
REAL_CSV_OPTIONS = ImportOptions(subject_class="city", label_language="it")

# Builds in the suite (and the commands it runs) take in no snapshot unless a test names them: most
# tests are about the curated cases, and the whole default graph takes a minute to build. The tests
# of the graph a user gets use `snapshot_data_dir`.
os.environ["CDKG_SNAPSHOTS"] = "none"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (CDKG_NO_SKIPS=1) a skipped test is a failure: CI installs everything tests need."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CDKG_NO_SKIPS") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI, where nothing may be skipped: {reason}"


@pytest.fixture(scope="session")
def p190_csv(tmp_path_factory) -> Path:
    """The shipped 2021 export uncompressed, as `query.csv` (the tests read it as a user's file)."""
    path = tmp_path_factory.mktemp("p190-2021") / "query.csv"
    with gzip.open(P190_SNAPSHOT, "rb") as source, open(path, "wb") as out:
        shutil.copyfileobj(source, out)
    return path


@pytest.fixture(scope="session")
def json_sample() -> Path:
    return JSON_SAMPLE


@pytest.fixture(scope="session")
def snapshot_data_dir(tmp_path_factory) -> DataDir:
    """The graph the README's first command serves: curated triples and every shipped snapshot."""
    from cdkg.ingest.shipped_snapshots import NAMES

    data_dir = DataDir(tmp_path_factory.mktemp("snapshot-graph"))
    build_graph(data_dir, snapshots=NAMES)
    return data_dir


@pytest.fixture(scope="session")
def default_data_dir(tmp_path_factory) -> DataDir:
    """A data directory holding the embedded default graph (ontology + curated triples)."""
    data_dir = DataDir(tmp_path_factory.mktemp("default-graph"))
    build_graph(data_dir)
    return data_dir


@pytest.fixture(scope="session")
def imported_data_dir(tmp_path_factory, p190_csv) -> DataDir:
    """The default graph plus the real 2021 WDQS P190 export, imported once for the session."""
    data_dir = DataDir(tmp_path_factory.mktemp("imported-graph"))
    import_and_build(data_dir, prepare_twinning_import(p190_csv, REAL_CSV_OPTIONS))
    return data_dir


class LiveServer:
    """The real application on a real socket on 127.0.0.1, in a background thread.

    Without a rate limit: the whole suite is one client to it (the limits have their own servers).
    """

    def __init__(self, data_dir: DataDir) -> None:
        self.app = create_app(data_dir.root, CDKG_RATE_LIMIT=0)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(imported_data_dir) -> Iterator[LiveServer]:
    with LiveServer(imported_data_dir) as server:
        yield server
