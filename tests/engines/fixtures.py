"""Session-scoped engine fixtures, registered once for the whole run by tests/conftest.py (pytest_plugins).

Each engine is started once per session; tests share it by writing only graph IRIs of their own
(`fresh_graph`). A missing program skips with the command that installs it (a failure in CI, CDKG_NO_SKIPS=1).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.engines import oxigraph_server as oxigraph_module
from tests.engines import virtuoso as virtuoso_module
from tests.engines.oxigraph_server import OxigraphServer
from tests.engines.remote_endpoint import RemoteEndpoint
from tests.engines.virtuoso import VirtuosoServer

REMOTE_ENGINES = ("oxigraph-server", "virtuoso")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory) -> Iterator[OxigraphServer]:
    if oxigraph_module.oxigraph_program() is None:
        pytest.skip(oxigraph_module.INSTALL_HINT)
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph-server")) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory) -> Iterator[VirtuosoServer]:
    if virtuoso_module.virtuoso_programs() is None:
        pytest.skip(virtuoso_module.INSTALL_HINT)
    with VirtuosoServer(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(params=REMOTE_ENGINES)
def remote_endpoint(request) -> RemoteEndpoint:
    """Each remote engine in turn, as the endpoints a store implementation would be given."""
    fixture = {"oxigraph-server": "oxigraph_server", "virtuoso": "virtuoso_server"}[request.param]
    return request.getfixturevalue(fixture).endpoint


def fresh_graph(purpose: str) -> str:
    """A graph IRI no other test writes, so tests can share one engine for the session."""
    return f"https://w3id.org/cdkg/test-graph/{purpose}/{uuid.uuid4().hex}"
