"""Matching engines built once per session: on the default graph, the imported 2021 export, and namesakes.

Each comes twice: on the index in memory (as `cdkg reconcile` builds it) and on the same index
written to SQLite and read back (as the server reads it), so every matching test holds for both.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.graph.served import ServedGraph
from cdkg.matching import MatchingEngine
from cdkg.matching.index import EntityIndex
from cdkg.matching.stored_index import StoredIndex, write_index

HERE = Path(__file__).resolve().parent
ONTOLOGY = HERE.parents[1] / "ontology" / "cdkg.ttl"
INDEX_KINDS = ["memory", "stored"]


def _engine(store: ox.Store, kind: str, tmp_path_factory) -> MatchingEngine:
    index = EntityIndex(store)
    if kind == "stored":
        path = tmp_path_factory.mktemp("matching-index") / "matching.sqlite"
        write_index(index, path)
        return MatchingEngine(StoredIndex(path))
    return MatchingEngine(index)


@pytest.fixture(scope="session", params=INDEX_KINDS)
def default_engine(request, default_data_dir, tmp_path_factory) -> MatchingEngine:
    return _engine(ServedGraph(default_data_dir).open().store, request.param, tmp_path_factory)


@pytest.fixture(scope="session", params=INDEX_KINDS)
def imported_engine(request, imported_data_dir, tmp_path_factory) -> MatchingEngine:
    return _engine(ServedGraph(imported_data_dir).open().store, request.param, tmp_path_factory)


@pytest.fixture(scope="session", params=INDEX_KINDS)
def namesake_engine(request, tmp_path_factory) -> MatchingEngine:
    """The ontology and namesakes.ttl (two Valencias, Moscow in two scripts) in a real in-memory store."""
    store = ox.Store()
    for path in (ONTOLOGY, HERE / "namesakes.ttl"):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return _engine(store, request.param, tmp_path_factory)
