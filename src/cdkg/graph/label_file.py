"""The search label index on disk: written by `cdkg build` beside the store, searched by SQLite.

In memory the index held every label of the build as Python objects (hundreds of megabytes at
ten million triples) and a search scanned them all. In the file, an FTS5 trigram index finds
the labels holding the query, and SQL ranks them as LabelIndex.search does, so a search reads a
few pages and the server holds none of it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pyoxigraph as ox

from cdkg.graph.label_index import LabelIndex, LabelMatch, fold

LABELS_FILE = "labels.sqlite"
_SCHEMA = """
CREATE TABLE entry (
  id INTEGER PRIMARY KEY, folded TEXT NOT NULL, iri TEXT NOT NULL, label TEXT NOT NULL,
  language TEXT NOT NULL, alternative INTEGER NOT NULL
);
CREATE VIRTUAL TABLE entry_text USING fts5(folded, content='entry', content_rowid='id', tokenize='trigram');
CREATE TABLE type (iri TEXT PRIMARY KEY, type_iri TEXT, type_label TEXT) WITHOUT ROWID;
"""
# FTS5's trigram index needs three characters; a shorter query is looked for in every label.
_FTS_HITS = (
    "e.id IN (SELECT rowid FROM entry_text WHERE entry_text MATCH :phrase) AND instr(e.folded, :w) > 0"
)
_SCAN_HITS = "instr(e.folded, :w) > 0"
# The ranking of LabelIndex.search: whole label, prefix, word start, inside; then preferred labels,
# shorter ones, the IRI; one row per resource, its best label (ties to the first in entry order).
_SEARCH = """
WITH hit AS (
  SELECT e.id, e.iri, e.label, e.language, e.alternative, length(e.folded) AS size,
    CASE WHEN e.folded = :w THEN 0
         WHEN instr(e.folded, :w) = 1 THEN 1
         WHEN substr(e.folded, instr(e.folded, :w) - 1, 1) = ' ' THEN 2
         ELSE 3 END AS rank
  FROM entry e WHERE {hits}
), best AS (
  SELECT *, row_number() OVER (PARTITION BY iri ORDER BY rank, alternative, size, id) AS nth FROM hit
)
SELECT b.iri, b.label, b.language, b.alternative, t.type_iri, t.type_label
FROM best b LEFT JOIN type t ON t.iri = b.iri
WHERE b.nth = 1
ORDER BY b.rank, b.alternative, b.size, b.iri
LIMIT :limit
"""


def write_label_file(store: ox.Store, build_dir: Path) -> Path:
    """Index the labels of the build's store into its directory, whole or not at all."""
    index = LabelIndex.of_store(store)
    path = Path(build_dir) / LABELS_FILE
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    connection = sqlite3.connect(temporary)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.executescript(_SCHEMA)
        with connection:
            connection.executemany(
                "INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (number, entry.folded, entry.iri, entry.label, entry.language, int(entry.alternative))
                    for number, entry in enumerate(index.entries)
                ),
            )
            connection.execute("INSERT INTO entry_text(entry_text) VALUES ('rebuild')")
            connection.executemany(
                "INSERT INTO type VALUES (?, ?, ?)",
                ((iri, type_iri, type_label) for iri, (type_iri, type_label) in index.types.items()),
            )
        connection.close()
        os.replace(temporary, path)
    except BaseException:
        connection.close()
        temporary.unlink(missing_ok=True)
        raise
    return path


class StoredLabelIndex:
    """A build's label file, searched like LabelIndex; each thread reads through its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        (self._count,) = self._rows("SELECT count(*) FROM entry")[0]

    def __len__(self) -> int:
        return self._count

    def search(self, query: str, limit: int = 20) -> list[LabelMatch]:
        """Resources with a label holding `query`, best first, one per resource: as LabelIndex.search."""
        wanted = fold(query)
        if not wanted or limit < 1:
            return []
        hits = _FTS_HITS if len(wanted) >= 3 else _SCAN_HITS
        rows = self._rows(
            _SEARCH.format(hits=hits), {"w": wanted, "phrase": f'"{wanted}"', "limit": int(limit)}
        )
        return [
            LabelMatch(iri, label, language, type_iri, type_label, bool(alternative))
            for iri, label, language, alternative, type_iri, type_label in rows
        ]

    def _rows(self, sql: str, parameters: dict | tuple = ()) -> list[tuple]:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            # immutable: a build's file never changes once written, so SQLite takes no locks on it.
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
            self._local.connection = connection
        return connection.execute(sql, parameters).fetchall()


def open_label_index(build_dir: Path, store: ox.Store) -> StoredLabelIndex | LabelIndex:
    """The build's label file; for a build made before builds kept one, the labels read into memory."""
    path = Path(build_dir) / LABELS_FILE
    if path.is_file():
        try:
            return StoredLabelIndex(path)
        except sqlite3.DatabaseError:
            pass
    return LabelIndex.of_store(store)
