"""The matching engine of the published build, opened once per build and shared by the request threads."""

from __future__ import annotations

import threading

from cdkg.graph.served import ServedGraph
from cdkg.matching import MatchingEngine
from cdkg.matching.index_file import open_build_index


class EngineForCurrentBuild:
    """Opens the current build's matching index file on first use, and again when a new build is published.

    The index stays on disk (SQLite), so the server holds only its page cache. Requests only pay a
    stat of the publication pointer; one thread opens (or, for an older build, writes) the file while
    the others wait for it.
    """

    def __init__(self, graph: ServedGraph) -> None:
        self._graph = graph
        self._lock = threading.Lock()
        self._current: tuple[str, MatchingEngine] | None = None

    def get(self) -> MatchingEngine:
        """The engine for the build being served; raises NoGraphError if nothing is published."""
        build = self._graph.current_build()
        build_id = build.build_id
        current = self._current
        if current is not None and current[0] == build_id:
            return current[1]
        with self._lock:
            if self._current is None or self._current[0] != build_id:
                self._current = (build_id, MatchingEngine(open_build_index(build)))
            return self._current[1]
