"""The matching engine of the published build, built once per build and shared by the request threads."""

from __future__ import annotations

import threading

from cdkg.graph.served import ServedGraph
from cdkg.matching import MatchingEngine


class EngineForCurrentBuild:
    """Builds the matching index from the current build on first use, and again when a new build is published.

    Requests only pay a stat of the publication pointer; one thread builds while the others wait for it.
    """

    def __init__(self, graph: ServedGraph) -> None:
        self._graph = graph
        self._lock = threading.Lock()
        self._current: tuple[str, MatchingEngine] | None = None

    def get(self) -> MatchingEngine:
        """The engine for the build being served; raises NoGraphError if nothing is published."""
        opened = self._graph.open()
        build_id = opened.build.build_id
        current = self._current
        if current is not None and current[0] == build_id:
            return current[1]
        with self._lock:
            if self._current is None or self._current[0] != build_id:
                self._current = (build_id, MatchingEngine.from_store(opened.store))
            return self._current[1]
