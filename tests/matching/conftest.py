"""Matching engines built once per session: on the default graph, the imported 2021 export, and namesakes."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.graph.served import ServedGraph
from cdkg.matching import MatchingEngine

HERE = Path(__file__).resolve().parent
ONTOLOGY = HERE.parents[1] / "ontology" / "cdkg.ttl"


@pytest.fixture(scope="session")
def default_engine(default_data_dir) -> MatchingEngine:
    return MatchingEngine.from_store(ServedGraph(default_data_dir).open().store)


@pytest.fixture(scope="session")
def imported_engine(imported_data_dir) -> MatchingEngine:
    return MatchingEngine.from_store(ServedGraph(imported_data_dir).open().store)


@pytest.fixture(scope="session")
def namesake_engine() -> MatchingEngine:
    """The ontology and namesakes.ttl (two Valencias, Moscow in two scripts) in a real in-memory store."""
    store = ox.Store()
    for path in (ONTOLOGY, HERE / "namesakes.ttl"):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return MatchingEngine.from_store(store)
