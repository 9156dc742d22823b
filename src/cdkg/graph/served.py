"""Read access to the published graph, following new publications without a restart."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pyoxigraph as ox

from cdkg.graph.datadir import DataDir, DataDirError, PublishedBuild
from cdkg.graph.remote_publication import remote_store_of
from cdkg.graph.remote_store import RemoteGraphStore
from cdkg.graph.store_config import StoreConfigError

# How long a reader waits for a remote engine's answer to one of the server's own queries (pages, counts).
REMOTE_READ_TIMEOUT = 60.0


class NoGraphError(DataDirError):
    """Nothing has been built in the data directory yet."""


@dataclass(frozen=True)
class OpenBuild:
    """A published build opened read-only: its embedded store, or the remote engine that holds it."""

    build: PublishedBuild
    store: ox.Store | RemoteGraphStore


class ServedGraph:
    """The graph a server or a query command reads: the current build, reopened when it changes.

    Builds are immutable once published, so read-only stores are shared safely between threads
    and processes; a new publication is picked up at the next call of `open()`.
    """

    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._open: OpenBuild | None = None
        self._build_stamp: tuple[int, int] | None = None
        self._build: PublishedBuild | None = None

    def current_build(self) -> PublishedBuild:
        """The published build, without opening its store; raises NoGraphError if there is none.

        For callers that hand the store's path to another process (the query workers): a stat of
        the pointer file per call, a read of it only when it changed.
        """
        stamp = self.data_dir.pointer_stamp()
        build = self._build
        if build is not None and stamp == self._build_stamp:
            return build
        build = self.data_dir.current()
        if build is None:
            raise NoGraphError(f"no graph has been built in {self.data_dir.root}; run `cdkg build` first.")
        self._build, self._build_stamp = build, stamp
        return build

    def open(self) -> OpenBuild:
        """The current build; raises NoGraphError with what to do if there is none."""
        stamp = self.data_dir.pointer_stamp()
        opened = self._open
        if opened is not None and stamp == self._stamp:
            return opened
        with self._lock:
            if self._open is not None and stamp == self._stamp:
                return self._open
            build = self.data_dir.current()
            if build is None:
                raise NoGraphError(
                    f"no graph has been built in {self.data_dir.root}; run `cdkg build` first."
                )
            self._open = OpenBuild(build, open_build_store(build))
            self._stamp = stamp
            return self._open

    def query(self, sparql: str, **options: object) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run a SPARQL query. The default graph is stored as the merge of all named graphs."""
        return self.open().store.query(sparql, **options)


def open_build_store(build: PublishedBuild, remote_timeout: float = REMOTE_READ_TIMEOUT):
    """A published build's read-only store: on disk, or the engine its build.json names."""
    try:
        remote = remote_store_of(build.build_id, build.info, remote_timeout)
    except (StoreConfigError, KeyError) as exc:
        raise DataDirError(
            f"the published build {build.build_id} names a remote store that cannot be used ({exc}); "
            "run `cdkg build --store URL` to publish a new graph."
        ) from exc
    if remote is not None:
        return remote
    try:
        return ox.Store.read_only(str(build.store_path))
    except OSError as exc:
        raise DataDirError(
            f"cannot open the published store {build.store_path}: {exc}; "
            "run `cdkg build` to publish a new graph."
        ) from exc
