"""Read access to the published graph, following new publications without a restart."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import pyoxigraph as ox

from cdkg.graph.datadir import DamagedBuildError, DataDir, DataDirError, PublishedBuild
from cdkg.graph.remote.publication import remote_store_of
from cdkg.graph.remote.store import RemoteGraphStore
from cdkg.graph.remote.store_config import StoreConfigError

log = logging.getLogger(__name__)

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
    and processes; a new publication is picked up at the next call of `open()`. When the published
    build is damaged, the newest intact older one is served instead and `damage` says what is wrong.
    """

    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._open: OpenBuild | None = None
        self._build_stamp: tuple[int, int] | None = None
        self._build: PublishedBuild | None = None
        self.damage: str | None = None

    def current_build(self) -> PublishedBuild:
        """The build to read, its store checked but not kept open; raises NoGraphError if there is none,
        DataDirError naming the damage if no intact build is left.

        For callers that hand the store's path to another process (the query workers): a stat of
        the pointer file per call, a read of it only when it changed.
        """
        stamp = self.data_dir.pointer_stamp()
        build = self._build
        if build is not None and stamp == self._build_stamp:
            return build
        with self._lock:
            if self._open is not None and stamp == self._stamp:
                build = self._open.build
            else:
                # Opened to check it, then let go: the workers open it themselves.
                build = self._resolve().build
            self._build, self._build_stamp = build, stamp
            return build

    def open(self) -> OpenBuild:
        """The current build, opened; raises NoGraphError with what to do if there is none."""
        stamp = self.data_dir.pointer_stamp()
        opened = self._open
        if opened is not None and stamp == self._stamp:
            return opened
        with self._lock:
            if self._open is not None and stamp == self._stamp:
                return self._open
            self._open = self._resolve()
            self._stamp = stamp
            return self._open

    def query(self, sparql: str, **options: object) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run a SPARQL query. The default graph is stored as the merge of all named graphs."""
        return self.open().store.query(sparql, **options)

    def _resolve(self) -> OpenBuild:
        opened, damage = intact_build(self.data_dir)
        if damage is not None and damage != self.damage:
            log.warning("%s Serving the build %s meanwhile.", damage, opened.build.build_id)
        self.damage = damage
        return opened


def intact_build(data_dir: DataDir) -> tuple[OpenBuild, str | None]:
    """The published build with its store opened, or, if it is damaged, the newest intact build before it
    with what is damaged. NoGraphError if nothing is published, DataDirError naming the damage if no
    intact build is left."""
    try:
        build = data_dir.current()
        if build is None:
            raise NoGraphError(f"no graph has been built in {data_dir.root}; run `cdkg build` first.")
        return OpenBuild(build, open_build_store(build)), None
    except NoGraphError:
        raise
    except DataDirError as exc:
        damage = str(exc)
        try:
            published = data_dir.published_id()
        except DataDirError:
            published = None
        for build_id in reversed(data_dir.finished_build_ids()):
            if published is not None and build_id >= published:
                continue
            try:
                build = data_dir.read_build(build_id)
                return OpenBuild(build, open_build_store(build)), damage
            except DataDirError:
                continue
        raise


def open_build_store(build: PublishedBuild, remote_timeout: float = REMOTE_READ_TIMEOUT):
    """A published build's read-only store: on disk, or the engine its build.json names.

    RocksDB checks at opening that every table file it reads is there at its recorded size, so a store
    with a file truncated or removed is refused here, by name, instead of failing in the middle of a query.
    """
    try:
        remote = remote_store_of(build.build_id, build.info, remote_timeout)
    except (StoreConfigError, KeyError, TypeError) as exc:
        raise DataDirError(
            f"the published build {build.build_id} names a remote store that cannot be used ({exc}); "
            "run `cdkg build --store URL` to publish a new graph."
        ) from exc
    if remote is not None:
        return remote
    try:
        return ox.Store.read_only(str(build.store_path))
    except (OSError, RuntimeError) as exc:
        raise DamagedBuildError(
            f"the store of the build {build.build_id} is damaged ({build.store_path}: {exc}); "
            "run `cdkg build` to publish a fresh graph."
        ) from exc
