"""The three stores a build can be held by, as fixtures: embedded, Oxigraph's server, Virtuoso.

Registered once for the whole suite by tests/conftest.py (pytest_plugins), so that each engine starts
once per run; `built_store` is parameterised over STORE_KINDS and yields the real 2021 export imported into that store, built once per
session. Engines are started on 127.0.0.1 by tests/engines (skipped with the install command if absent).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from cdkg.build import BuildResult, build_graph, import_and_build
from cdkg.graph.datadir import DataDir
from cdkg.graph.remote.store_config import RemoteStoreConfig
from cdkg.ingest.wikidata_import import prepare_twinning_import
from tests.conftest import REAL_CSV_OPTIONS
from tests.engines.remote_endpoint import RemoteEndpoint
from tests.engines.virtuoso import LOADER_USER

STORE_KINDS = ("embedded", "oxigraph-server", "virtuoso")
CREDENTIAL_VARIABLES = ("CDKG_STORE_USER", "CDKG_STORE_PASSWORD")


@dataclass
class EngineAccess:
    """A running engine as our code is pointed at it: the store URL, the credentials its writes need."""

    kind: str
    url: str
    endpoint: RemoteEndpoint
    credentials: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def config(self) -> RemoteStoreConfig:
        return RemoteStoreConfig.parse(self.url)


@dataclass
class BuiltStore:
    """A data directory whose published build is held by one kind of store."""

    kind: str
    data_dir: DataDir
    engine: EngineAccess | None


@contextmanager
def store_credentials(engine: EngineAccess | None) -> Iterator[None]:
    """The engine's write credentials in the environment (the only place our code reads them) for a block."""
    saved = {name: os.environ.get(name) for name in CREDENTIAL_VARIABLES}
    for name in CREDENTIAL_VARIABLES:
        os.environ.pop(name, None)
    if engine is not None:
        os.environ.update(engine.credentials)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def engine_access(request: pytest.FixtureRequest, kind: str) -> EngineAccess | None:
    """The running engine of a store kind (started once per session), or None for the embedded store."""
    if kind == "embedded":
        return None
    if kind == "oxigraph-server":
        server = request.getfixturevalue("oxigraph_server")
        return EngineAccess(kind, f"oxigraph+{server.base_url}", server.endpoint)
    server = request.getfixturevalue("virtuoso_server")
    credentials = {"CDKG_STORE_USER": LOADER_USER, "CDKG_STORE_PASSWORD": server.loader_password}
    return EngineAccess(kind, f"virtuoso+{server.base_url}", server.endpoint, credentials)


def build_into(data_dir: DataDir, engine: EngineAccess | None) -> BuildResult:
    """`cdkg build` of the data directory into the engine (or the embedded store)."""
    with store_credentials(engine):
        return build_graph(data_dir, store=engine.config if engine else None)


@pytest.fixture(scope="session", params=STORE_KINDS)
def built_store(request, tmp_path_factory, p190_csv) -> BuiltStore:
    """The default graph plus the real 2021 WDQS P190 export, published into each store in turn."""
    engine = engine_access(request, request.param)
    if engine is None:
        return BuiltStore("embedded", request.getfixturevalue("imported_data_dir"), None)
    data_dir = DataDir(tmp_path_factory.mktemp(f"store-{request.param}"))
    with store_credentials(engine):
        import_and_build(data_dir, prepare_twinning_import(p190_csv, REAL_CSV_OPTIONS), store=engine.config)
    return BuiltStore(request.param, data_dir, engine)
