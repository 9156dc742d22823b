"""A value derived from one published build, computed on first use and dropped when the build changes.

Builds never change once published, so anything counted or indexed from one stays right until
the next publication: one value is kept, for the build being served.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cdkg.graph.served import OpenBuild

T = TypeVar("T")


class PerBuild(Generic[T]):
    """Holds `compute(opened)`'s value for the latest build it was asked about."""

    def __init__(self, compute: Callable[[OpenBuild], T]) -> None:
        self._compute = compute
        self._lock = threading.Lock()
        # (build id, value), replaced as one object so a reader never pairs one build with another's value.
        self._held: tuple[str, T] | None = None

    def get(self, opened: OpenBuild) -> T:
        """The value for the build `opened`, computed once (by one thread; others wait for it)."""
        build_id = opened.build.build_id
        held = self._held
        if held is not None and held[0] == build_id:
            return held[1]
        with self._lock:
            held = self._held
            if held is None or held[0] != build_id:
                held = (build_id, self._compute(opened))
                self._held = held
            return held[1]
