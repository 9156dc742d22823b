"""The matching index on disk: one SQLite file per build, read by lookups instead of held in memory.

Held in memory, the index takes about 3.7 KB per entity (names, trigram postings, autocomplete
keys), gigabytes at ten million triples. Written once from an EntityIndex and read through the
same attributes and methods, it costs the serving process a page cache and a few recent entities.
The small tables (classes, countries, statuses) stay in memory.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import fields
from functools import lru_cache
from pathlib import Path

from cdkg.graph.datadir import DataDirError
from cdkg.matching.index import EntityIndex, IndexedEntity, IndexReads, cell_of

FORMAT_VERSION = 1
_ENTITY_FIELDS = tuple(field.name for field in fields(IndexedEntity))
_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE entity (position INTEGER PRIMARY KEY, iri TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE form (id INTEGER PRIMARY KEY, form TEXT NOT NULL, positions BLOB NOT NULL);
CREATE TABLE posting (gram TEXT PRIMARY KEY, form_ids BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE qid (qid TEXT PRIMARY KEY, positions BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE agreements_of (iri TEXT PRIMARY KEY, positions BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE networks_of (iri TEXT PRIMARY KEY, networks BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE cell (row INTEGER, col INTEGER, positions BLOB NOT NULL, PRIMARY KEY (row, col)) WITHOUT ROWID;
CREATE TABLE suggest (key TEXT, position INTEGER, PRIMARY KEY (key, position)) WITHOUT ROWID;
"""
_INDEXES = """
CREATE UNIQUE INDEX entity_iri ON entity (iri);
CREATE UNIQUE INDEX form_text ON form (form);
"""
# Entities read again and again (a popular city, the parties of agreements) stay unpickled; the
# postings of common trigrams and the positions of IRIs named again and again stay read, within a
# budget of bytes (a posting list of a common trigram may be megabytes at ten million triples).
ENTITY_CACHE = 4096
POSTINGS_CACHE_BYTES = 16 * 1024 * 1024
IRI_CACHE_BYTES = 1024 * 1024


class StoredIndexError(DataDirError):
    """The index file is missing, unreadable or of another format version; writing it again fixes it."""


def write_index(index: EntityIndex, path: Path) -> None:
    """Write `index` to `path`, whole or not at all (a temporary file renamed into place)."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    connection = sqlite3.connect(temporary)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.executescript(_SCHEMA)
        with connection:
            _write_tables(connection, index)
        connection.executescript(_INDEXES)
        connection.close()
        os.replace(temporary, path)
    except BaseException:
        connection.close()
        temporary.unlink(missing_ok=True)
        raise


def _write_tables(connection: sqlite3.Connection, index: EntityIndex) -> None:
    small = {
        "format_version": FORMAT_VERSION,
        "entity_count": len(index.entities),
        "class_names": index.class_names,
        "ancestors": index.ancestors,
        "countries": index.countries,
        "country_by_form": dict(index.country_by_form),
        "country_by_qid": index.country_by_qid,
        "status_names": index.status_names,
    }
    connection.executemany(
        "INSERT INTO meta VALUES (?, ?)", ((name, _dump(value)) for name, value in small.items())
    )
    connection.executemany(
        "INSERT INTO entity VALUES (?, ?, ?)",
        (
            (position, entity.iri, _dump(tuple(getattr(entity, name) for name in _ENTITY_FIELDS)))
            for position, entity in enumerate(index.entities)
        ),
    )
    connection.executemany(
        "INSERT INTO form VALUES (?, ?, ?)",
        (
            (form_id, form, _numbers(index.form_entities[form]))
            for form_id, form in enumerate(index.form_list)
        ),
    )
    connection.executemany(
        "INSERT INTO posting VALUES (?, ?)", ((gram, _numbers(ids)) for gram, ids in index.postings.items())
    )
    connection.executemany(
        "INSERT INTO qid VALUES (?, ?)", ((qid, _numbers(found)) for qid, found in index.by_qid.items())
    )
    connection.executemany(
        "INSERT INTO agreements_of VALUES (?, ?)",
        ((iri, _numbers(found)) for iri, found in index.agreements_of.items()),
    )
    connection.executemany(
        "INSERT INTO networks_of VALUES (?, ?)",
        ((iri, _dump(sorted(found))) for iri, found in index.networks_of.items()),
    )
    connection.executemany(
        "INSERT INTO cell VALUES (?, ?, ?)",
        ((row, col, _numbers(found)) for (row, col), found in index.grid.items()),
    )
    connection.executemany("INSERT OR IGNORE INTO suggest VALUES (?, ?)", index.suggest_keys())


class StoredIndex(IndexReads):
    """An index file opened read-only, with the attributes and lookups of EntityIndex.

    Safe to share between threads: each thread reads through its own connection.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise StoredIndexError(f"no matching index at {self.path}")
        self._local = threading.local()
        try:
            meta = dict(self._rows("SELECT name, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise StoredIndexError(f"cannot read the matching index {self.path}: {exc}") from exc
        version = pickle.loads(meta["format_version"]) if "format_version" in meta else None
        if version != FORMAT_VERSION:
            raise StoredIndexError(
                f"the matching index {self.path} has format {version}, not {FORMAT_VERSION}; rebuild it"
            )
        self.class_names: dict[str, str] = pickle.loads(meta["class_names"])
        self.ancestors: dict[str, frozenset[str]] = pickle.loads(meta["ancestors"])
        self.countries = pickle.loads(meta["countries"])
        self.country_by_form: dict[str, set[str]] = pickle.loads(meta["country_by_form"])
        self.country_by_qid: dict[str, str] = pickle.loads(meta["country_by_qid"])
        self.status_names: dict[str, str] = pickle.loads(meta["status_names"])
        self.entities = _StoredEntities(self, pickle.loads(meta["entity_count"]))
        self.by_iri = _Lookup(
            self, "SELECT position FROM entity WHERE iri = ?", _first, cache_bytes=IRI_CACHE_BYTES
        )
        self.by_qid = _Lookup(self, "SELECT positions FROM qid WHERE qid = ?", _array)
        self.form_entities = _Lookup(self, "SELECT positions FROM form WHERE form = ?", _array)
        self.form_list = _Lookup(self, "SELECT form FROM form WHERE id = ?", _first)
        self.postings = _Lookup(
            self, "SELECT form_ids FROM posting WHERE gram = ?", _array, cache_bytes=POSTINGS_CACHE_BYTES
        )
        self.agreements_of = _Lookup(self, "SELECT positions FROM agreements_of WHERE iri = ?", _array)
        self.networks_of = _Lookup(self, "SELECT networks FROM networks_of WHERE iri = ?", _unpickled)

    def near(self, lat: float, lon: float) -> list[int]:
        row, col = cell_of(lat, lon)
        found: list[int] = []
        for d_row in (-1, 0, 1):
            for d_col in (-1, 0, 1):
                for (blob,) in self._rows(
                    "SELECT positions FROM cell WHERE row = ? AND col = ?", (row + d_row, (col + d_col) % 360)
                ):
                    found.extend(_array(blob))
        return found

    def entities_with_forms(self, form_ids: Iterable[int]) -> list[int]:
        ids = list(form_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        found: list[int] = []
        for (blob,) in self._rows(f"SELECT positions FROM form WHERE id IN ({marks})", tuple(ids)):
            found.extend(_array(blob))
        return found

    def suggest_range(self, key: str, limit: int) -> list[tuple[str, int]]:
        return self._rows(
            "SELECT key, position FROM suggest WHERE key >= ? ORDER BY key, position LIMIT ?", (key, limit)
        )

    def _rows(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            # immutable: the file never changes once written, so SQLite takes no locks on it.
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
            self._local.connection = connection
        return connection.execute(sql, parameters).fetchall()


_MISSING = object()


class _Lookup:
    """A read-only mapping over one keyed query: `get`, `[]` and `in`, like the dicts it replaces.

    With `cache_bytes`, recent answers are kept up to that many bytes, none above 1/64 of it.
    """

    def __init__(self, index: StoredIndex, sql: str, convert, cache_bytes: int = 0) -> None:
        self._index = index
        self._sql = sql
        self._convert = convert
        self._cache_bytes = cache_bytes
        self._cache: OrderedDict = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, key, default=None):
        found = self._read(key)
        return default if found is _MISSING else found

    def __getitem__(self, key):
        found = self._read(key)
        if found is _MISSING:
            raise KeyError(key)
        return found

    def __contains__(self, key) -> bool:
        return self._read(key) is not _MISSING

    def _read(self, key):
        if self._cache_bytes:
            with self._lock:
                found = self._cache.get(key, _MISSING)
                if found is not _MISSING:
                    self._cache.move_to_end(key)
                    return found
        rows = self._index._rows(self._sql, (key,))
        found = self._convert(rows[0][0]) if rows else _MISSING
        if self._cache_bytes and found is not _MISSING:
            self._keep(key, found)
        return found

    def _keep(self, key, value) -> None:
        size = _bytes_of(value)
        if size > self._cache_bytes // 64:
            return
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = value
            self._held += size
            while self._held > self._cache_bytes:
                _, dropped = self._cache.popitem(last=False)
                self._held -= _bytes_of(dropped)


def _bytes_of(value) -> int:
    return len(value) * value.itemsize if isinstance(value, array) else 64


class _StoredEntities:
    """The entities by position, unpickled on demand, the most recent kept."""

    def __init__(self, index: StoredIndex, count: int) -> None:
        self._index = index
        self._count = count
        self._load = lru_cache(maxsize=ENTITY_CACHE)(self._read)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, position: int) -> IndexedEntity:
        if not 0 <= position < self._count:
            raise IndexError(position)
        return self._load(position)

    def __iter__(self) -> Iterator[IndexedEntity]:
        return (self[position] for position in range(self._count))

    def _read(self, position: int) -> IndexedEntity:
        (blob,) = self._index._rows("SELECT data FROM entity WHERE position = ?", (position,))[0]
        return IndexedEntity(*pickle.loads(blob))


def _dump(value: object) -> bytes:
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _numbers(values: Iterable[int]) -> bytes:
    return array("I", values).tobytes()


def _array(blob: bytes) -> array:
    found = array("I")
    found.frombytes(blob)
    return found


def _first(value):
    return value


def _unpickled(blob: bytes):
    return pickle.loads(blob)
