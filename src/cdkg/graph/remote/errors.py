"""How a remote engine fails, without the HTTP client: a query worker of an embedded store imports
these to recognise them, and would otherwise load requests and urllib3 (about 19 MB) for nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyoxigraph as ox


class RemoteStoreError(RuntimeError):
    """A remote engine failed or answered unusably: what failed, where, and what to check."""


class EngineCutResult(RemoteStoreError):
    """A SELECT result the engine cut at its own row limit, with the rows it did send (`solutions`) and
    that `limit`: a caller that caps results itself may send them as a result cut, saying so."""

    def __init__(self, message: str, solutions: ox.QuerySolutions, limit: int) -> None:
        super().__init__(message)
        self.solutions = solutions
        self.limit = limit


class EngineTimeout(RemoteStoreError):
    """The engine stopped the query at the time it was given (`timeout`), so its work ended there too."""
