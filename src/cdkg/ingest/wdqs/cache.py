"""A cache of raw WDQS responses on disk, so that a re-run or a rebuild is offline and reproducible.

Layout: one flat directory; per entry, keyed by `sha256(endpoint + "\\n" + query)`:

- `<key>.meta.json`: what the entry is (label, endpoint, query text and its sha256, retrieved_at, rows,
  variables, body_sha256) and the name of its body file. **Its presence is the entry**: it is written
  last, with one atomic rename.
- `<key>.<body_sha256[:16]>.json`: the body, byte for byte as the endpoint sent it.

The body file name carries the body's hash so that refreshing an entry never overwrites the body the
current metadata points to: an interrupted `put` (crash, full disk, Ctrl-C) leaves either the old entry
or the new one, never a mix, and no temp files behind when it can clean up. Every file is written to a
temp file in the same directory, fsynced, then `os.replace`d; the directory is fsynced after.

A damaged entry (unreadable metadata, missing body, body whose sha256 differs) is reported by a log
warning and treated as absent, so that the next fetch replaces it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cdkg.ingest.wdqs.client import WdqsResponse, query_sha256

__all__ = ["CacheError", "CachedResponse", "ResponseCache"]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_META_SUFFIX = ".meta.json"
_TEMP_PREFIX = ".tmp-"
# Files this cache writes (metadata, bodies, temp files); clear() touches nothing else.
_OWN_FILE = re.compile(r"^(?:[0-9a-f]{64}\.(?:meta|[0-9a-f]{16})\.json|\.tmp-.*\.part)$")


class CacheError(RuntimeError):
    """A cache entry is damaged or cannot be written; the message says which file and what to do."""


@dataclass(frozen=True)
class CachedResponse:
    path: Path  # the body file
    label: str  # e.g. "twinning-statements batch 3/12"
    endpoint: str
    query_sha256: str
    retrieved_at: str
    rows: int
    body_sha256: str

    def read_body(self) -> bytes:
        """The body, byte for byte; raises CacheError if the file is missing or its sha256 differs."""
        try:
            body = self.path.read_bytes()
        except OSError as error:
            raise CacheError(
                f"cached body {self.path} ({self.label}) cannot be read: {error}; fetch it again"
            ) from None
        actual = hashlib.sha256(body).hexdigest()
        if actual != self.body_sha256:
            raise CacheError(
                f"cached body {self.path} ({self.label}) is damaged: sha256 {actual}, "
                f"expected {self.body_sha256}; fetch it again (it is treated as absent)"
            )
        return body


class ResponseCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def key(self, endpoint: str, query: str) -> str:
        return hashlib.sha256(f"{endpoint}\n{query}".encode()).hexdigest()

    def get(self, endpoint: str, query: str) -> CachedResponse | None:
        """The entry for this endpoint and query, its body verified; None if absent or damaged."""
        key = self.key(endpoint, query)
        entry = self._load(key)
        if entry is None:
            return None
        if entry.endpoint != endpoint or entry.query_sha256 != query_sha256(query):
            log.warning("cache entry %s is for another endpoint or query; ignoring it", self._meta_path(key))
            return None
        try:
            entry.read_body()
        except CacheError as error:
            log.warning("%s", error)
            return None
        return entry

    def put(self, response: WdqsResponse, label: str) -> CachedResponse:
        """Store a response: body first, then metadata, each atomically. Replaces an existing entry."""
        if query_sha256(response.query) != response.query_sha256:
            raise CacheError("the response's query text does not match its query_sha256; not cached")
        key = self.key(response.endpoint, response.query)
        body_sha256 = hashlib.sha256(response.body).hexdigest()
        body_path = self.root / f"{key}.{body_sha256[:16]}.json"
        meta_path = self._meta_path(key)
        metadata = {
            "format": FORMAT_VERSION,
            "label": label,
            "endpoint": response.endpoint,
            "query_sha256": response.query_sha256,
            "retrieved_at": response.retrieved_at,
            "rows": response.rows,
            "variables": list(response.variables),
            "body": body_path.name,
            "body_bytes": len(response.body),
            "body_sha256": body_sha256,
            "query": response.query,
        }
        self.root.mkdir(parents=True, exist_ok=True)
        previous = self._read_meta(meta_path, quiet=True)
        try:
            _write_atomically(body_path, response.body)
            _write_atomically(meta_path, json.dumps(metadata, ensure_ascii=False, indent=2).encode() + b"\n")
        except BaseException:
            # The metadata was not replaced: the previous entry (if any) still stands. Remove the new body
            # unless that entry points to the very same file (same key, same body).
            if previous is None or previous.get("body") != body_path.name:
                with contextlib.suppress(OSError):
                    body_path.unlink()
            raise
        _fsync_directory(self.root)
        if previous is not None and previous.get("body") not in (None, body_path.name):
            with contextlib.suppress(OSError):
                (self.root / Path(str(previous["body"])).name).unlink()
        return self._entry(metadata)

    def entries(self) -> list[CachedResponse]:
        """Every entry whose metadata is readable and whose body file exists, oldest first.

        Bodies are not hashed here (listing stays cheap); `read_body` verifies each one.
        """
        if not self.root.is_dir():
            return []
        found = []
        for meta_path in sorted(self.root.glob(f"*{_META_SUFFIX}")):
            entry = self._load(meta_path.name[: -len(_META_SUFFIX)])
            if entry is not None:
                found.append(entry)
        return sorted(found, key=lambda entry: (entry.retrieved_at, entry.label))

    def clear(self) -> int:
        """Remove every entry and every stray file the cache wrote; return the number of entries removed."""
        if not self.root.is_dir():
            return 0
        removed = 0
        for path in sorted(self.root.iterdir(), key=lambda path: not path.name.endswith(_META_SUFFIX)):
            if path.is_file() and _OWN_FILE.match(path.name):
                path.unlink(missing_ok=True)
                removed += path.name.endswith(_META_SUFFIX)
        _fsync_directory(self.root)
        return removed

    # -- internals --------------------------------------------------------------------------------

    def _meta_path(self, key: str) -> Path:
        return self.root / f"{key}{_META_SUFFIX}"

    def _read_meta(self, meta_path: Path, *, quiet: bool = False) -> dict | None:
        try:
            metadata = json.loads(meta_path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            if not quiet:
                log.warning(
                    "cache metadata %s is unreadable (%s); treating the entry as absent", meta_path, error
                )
            return None
        if not isinstance(metadata, dict):
            if not quiet:
                log.warning("cache metadata %s is not a JSON object; treating the entry as absent", meta_path)
            return None
        return metadata

    def _load(self, key: str) -> CachedResponse | None:
        meta_path = self._meta_path(key)
        metadata = self._read_meta(meta_path)
        if metadata is None:
            return None
        try:
            entry = self._entry(metadata)
        except (KeyError, TypeError, ValueError) as error:
            log.warning(
                "cache metadata %s is incomplete (%s); treating the entry as absent", meta_path, error
            )
            return None
        if not entry.path.is_file():
            log.warning("cache body %s is missing; treating the entry %s as absent", entry.path, meta_path)
            return None
        return entry

    def _entry(self, metadata: dict) -> CachedResponse:
        return CachedResponse(
            path=self.root / Path(str(metadata["body"])).name,
            label=str(metadata["label"]),
            endpoint=str(metadata["endpoint"]),
            query_sha256=str(metadata["query_sha256"]),
            retrieved_at=str(metadata["retrieved_at"]),
            rows=int(metadata["rows"]),
            body_sha256=str(metadata["body_sha256"]),
        )


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temp file beside `path`, fsync it, then rename it over `path`; no temp file survives."""
    fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def _fsync_directory(directory: Path) -> None:
    """Make the renames durable; not every platform can open a directory (Windows cannot)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
