"""A data directory whose published build carries the ontology documentation, and a server for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cdkg.build import build_graph
from cdkg.graph.datadir import DataDir
from cdkg.ontology_docs import DOCUMENTATION_FILE, write_ontology_documentation
from tests.conftest import LiveServer
from tests.ontology_terms import ONTOLOGY_FILES


@pytest.fixture(scope="session")
def documented_data_dir(tmp_path_factory) -> DataDir:
    """A fresh build, with `ontology.html` written beside its store.

    Once the build writes the page itself this writes nothing, so the build's own page is tested.
    """
    data_dir = DataDir(tmp_path_factory.mktemp("documented-graph"))
    build_graph(data_dir)
    page = data_dir.current().store_path.parent / DOCUMENTATION_FILE
    if not page.exists():
        write_ontology_documentation(ONTOLOGY_FILES, page)
    return data_dir


@pytest.fixture(scope="session")
def ontology_server(documented_data_dir) -> Iterator[LiveServer]:
    with LiveServer(documented_data_dir) as server:
        yield server
