"""ResponseCache: round trip, atomic writes, damage detection, and nothing partial from a failed fetch."""

from __future__ import annotations

import hashlib
import json
import logging
import os

import pytest

from cdkg.ingest.wdqs import CachedResponse, CacheError, ResponseCache, WdqsClient, WdqsError, WdqsResponse
from cdkg.ingest.wdqs import cache as cache_module
from tests.wdqs_replay import ReplayServer, Reply, recorded

QUERY = (
    "SELECT ?statement ?city ?sister WHERE { ?city p:P190 ?statement . ?statement ps:P190 ?sister . } LIMIT 4"
)
LABEL = "twinning-statements batch 3/12"


def no_sleep(seconds: float) -> None:
    pass


@pytest.fixture
def wdqs():
    with ReplayServer(lifetime=30) as server:
        yield server


def fetch(server: ReplayServer, query: str = QUERY, **options) -> WdqsResponse:
    settings = {"read_timeout": 0.5, "max_attempts": 3, "sleep": no_sleep}
    settings.update(options)
    return WdqsClient(server.url, **settings).select(query)


def response(body: bytes, query: str = QUERY, endpoint: str = "http://127.0.0.1:1/sparql") -> WdqsResponse:
    return WdqsResponse(
        body=body,
        rows=len(json.loads(body)["results"]["bindings"]),
        variables=json.loads(body)["head"]["vars"],
        retrieved_at="2026-11-23T12:00:00Z",
        endpoint=endpoint,
        query_sha256=hashlib.sha256(query.encode()).hexdigest(),
        query=query,
    )


def files(root) -> list[str]:
    return sorted(path.name for path in root.iterdir()) if root.exists() else []


def test_a_fetched_response_round_trips(tmp_path, wdqs):
    cache = ResponseCache(tmp_path / "cache")
    assert cache.get(wdqs.url, QUERY) is None
    fetched = fetch(wdqs)
    stored = cache.put(fetched, LABEL)
    assert isinstance(stored, CachedResponse)
    assert stored.label == LABEL
    assert stored.endpoint == wdqs.url
    assert stored.query_sha256 == fetched.query_sha256
    assert stored.retrieved_at == fetched.retrieved_at
    assert stored.rows == 4
    assert stored.body_sha256 == hashlib.sha256(recorded("p190-weimar.srj.json")).hexdigest()

    reopened = ResponseCache(tmp_path / "cache")  # another run, same directory
    found = reopened.get(wdqs.url, QUERY)
    assert found == stored
    assert found.read_body() == recorded("p190-weimar.srj.json")
    assert reopened.entries() == [stored]


def test_the_files_on_disk_can_be_read_by_hand(tmp_path):
    cache = ResponseCache(tmp_path)
    stored = cache.put(response(recorded("p190-weimar.srj.json")), LABEL)
    key = cache.key("http://127.0.0.1:1/sparql", QUERY)
    assert key == hashlib.sha256(f"http://127.0.0.1:1/sparql\n{QUERY}".encode()).hexdigest()
    assert files(tmp_path) == sorted([f"{key}.meta.json", stored.path.name])
    assert stored.path.name.startswith(key) and stored.path.suffix == ".json"
    assert stored.path.read_bytes() == recorded("p190-weimar.srj.json")
    metadata = json.loads((tmp_path / f"{key}.meta.json").read_text(encoding="utf-8"))
    assert metadata["query"] == QUERY
    assert metadata["query_sha256"] == hashlib.sha256(QUERY.encode()).hexdigest()
    assert metadata["endpoint"] == "http://127.0.0.1:1/sparql"
    assert metadata["retrieved_at"] == "2026-11-23T12:00:00Z"
    assert metadata["rows"] == 4
    assert metadata["label"] == LABEL
    assert metadata["body_sha256"] == stored.body_sha256
    assert metadata["body"] == stored.path.name


def test_the_key_separates_endpoints_and_queries(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put(response(recorded("p190-weimar.srj.json")), LABEL)
    assert cache.get("http://127.0.0.1:1/sparql", QUERY) is not None
    assert cache.get("http://127.0.0.1:2/sparql", QUERY) is None
    assert cache.get("http://127.0.0.1:1/sparql", QUERY + " ") is None


def test_a_refresh_replaces_the_entry_and_its_old_body(tmp_path):
    cache = ResponseCache(tmp_path)
    old = cache.put(response(recorded("p190-weimar.srj.json")), "first")
    new = cache.put(response(recorded("empty.srj.json")), "second")
    assert cache.get("http://127.0.0.1:1/sparql", QUERY) == new
    assert new.read_body() == recorded("empty.srj.json")
    assert not old.path.exists()
    assert len(files(tmp_path)) == 2
    again = cache.put(response(recorded("empty.srj.json")), "third")  # same body: same body file
    assert again.path == new.path and again.path.exists()
    assert [entry.label for entry in cache.entries()] == ["third"]


def test_entries_lists_every_entry_oldest_first(tmp_path):
    cache = ResponseCache(tmp_path)
    first = cache.put(response(recorded("empty.srj.json"), query="SELECT 1"), "batch 1/2")
    second = cache.put(response(recorded("p190-weimar.srj.json"), query="SELECT 2"), "batch 2/2")
    assert cache.entries() == [first, second]
    assert ResponseCache(tmp_path / "never-made").entries() == []


def test_clear_removes_every_entry_and_nothing_else(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put(response(recorded("empty.srj.json"), query="SELECT 1"), "a")
    cache.put(response(recorded("p190-weimar.srj.json"), query="SELECT 2"), "b")
    (tmp_path / "notes.json").write_text("{}")
    assert cache.clear() == 2
    assert cache.entries() == []
    assert files(tmp_path) == ["notes.json"]
    assert ResponseCache(tmp_path / "never-made").clear() == 0


# -- interrupted writes ------------------------------------------------------------------------------------


def fail_on_metadata_replace(monkeypatch, exception: BaseException) -> None:
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):
        if str(target).endswith(".meta.json"):
            raise exception
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(cache_module.os, "replace", replace)


@pytest.mark.parametrize(
    "exception", [OSError(28, "No space left on device"), KeyboardInterrupt()], ids=["disk full", "Ctrl-C"]
)
def test_an_interrupted_put_leaves_no_entry_and_no_files(tmp_path, monkeypatch, exception):
    cache = ResponseCache(tmp_path)
    fail_on_metadata_replace(monkeypatch, exception)
    with pytest.raises(type(exception)):
        cache.put(response(recorded("p190-weimar.srj.json")), LABEL)
    monkeypatch.undo()
    assert cache.get("http://127.0.0.1:1/sparql", QUERY) is None
    assert cache.entries() == []
    assert files(tmp_path) == []  # neither the body nor any temp file


def test_an_interrupted_refresh_leaves_the_previous_entry_whole(tmp_path, monkeypatch):
    cache = ResponseCache(tmp_path)
    old = cache.put(response(recorded("p190-weimar.srj.json")), "before")
    fail_on_metadata_replace(monkeypatch, OSError(5, "Input/output error"))
    with pytest.raises(OSError):
        cache.put(response(recorded("empty.srj.json")), "after")
    monkeypatch.undo()
    assert cache.get("http://127.0.0.1:1/sparql", QUERY) == old
    assert old.read_body() == recorded("p190-weimar.srj.json")
    assert len(files(tmp_path)) == 2


def test_a_put_interrupted_while_writing_the_body_leaves_nothing(tmp_path, monkeypatch):
    cache = ResponseCache(tmp_path)

    def fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(cache_module.os, "fsync", fsync)
    with pytest.raises(KeyboardInterrupt):
        cache.put(response(recorded("p190-weimar.srj.json")), LABEL)
    monkeypatch.undo()
    assert cache.get("http://127.0.0.1:1/sparql", QUERY) is None
    assert files(tmp_path) == []


def test_a_body_whose_metadata_never_landed_is_no_entry(tmp_path):
    """What a kill -9 between the two renames leaves: a body file alone, which is no entry."""
    cache = ResponseCache(tmp_path)
    stored = cache.put(response(recorded("p190-weimar.srj.json")), LABEL)
    (tmp_path / f"{cache.key(stored.endpoint, QUERY)}.meta.json").unlink()
    assert cache.get(stored.endpoint, QUERY) is None
    assert cache.entries() == []
    assert cache.clear() == 0 and files(tmp_path) == []  # clear() sweeps the orphan too


def test_put_refuses_a_response_whose_query_does_not_match_its_hash(tmp_path):
    wrong = response(recorded("p190-weimar.srj.json"))
    wrong = WdqsResponse(**{**wrong.__dict__, "query": "SELECT ?other WHERE {}"})
    with pytest.raises(CacheError, match="does not match"):
        ResponseCache(tmp_path).put(wrong, LABEL)
    assert files(tmp_path) == []


# -- damage ---------------------------------------------------------------------------------------------------


def test_a_damaged_body_is_detected_and_treated_as_absent(tmp_path, caplog):
    cache = ResponseCache(tmp_path)
    stored = cache.put(response(recorded("p190-weimar.srj.json")), LABEL)
    body = bytearray(stored.path.read_bytes())
    body[100] ^= 0x01  # one edited byte
    stored.path.write_bytes(bytes(body))
    with caplog.at_level(logging.WARNING, logger="cdkg.ingest.wdqs.cache"):
        assert cache.get(stored.endpoint, QUERY) is None
    assert "damaged" in caplog.text and stored.path.name in caplog.text
    with pytest.raises(CacheError, match=r"is damaged: sha256 .* expected .*fetch it again"):
        stored.read_body()


def test_a_missing_body_is_treated_as_absent(tmp_path, caplog):
    cache = ResponseCache(tmp_path)
    stored = cache.put(response(recorded("p190-weimar.srj.json")), LABEL)
    stored.path.unlink()
    with caplog.at_level(logging.WARNING, logger="cdkg.ingest.wdqs.cache"):
        assert cache.get(stored.endpoint, QUERY) is None
        assert cache.entries() == []
    assert "missing" in caplog.text
    with pytest.raises(CacheError, match="cannot be read"):
        stored.read_body()


@pytest.mark.parametrize(
    "damage",
    [b'{"label": "cut', b"[]", b'{"label": "no other field"}'],
    ids=["truncated", "not an object", "incomplete"],
)
def test_damaged_metadata_is_treated_as_absent(tmp_path, caplog, damage):
    cache = ResponseCache(tmp_path)
    stored = cache.put(response(recorded("p190-weimar.srj.json")), LABEL)
    (tmp_path / f"{cache.key(stored.endpoint, QUERY)}.meta.json").write_bytes(damage)
    with caplog.at_level(logging.WARNING, logger="cdkg.ingest.wdqs.cache"):
        assert cache.get(stored.endpoint, QUERY) is None
        assert cache.entries() == []
    assert ".meta.json" in caplog.text
    repaired = cache.put(response(recorded("p190-weimar.srj.json")), LABEL)  # the next fetch replaces it
    assert cache.get(stored.endpoint, QUERY) == repaired


# -- a failed fetch caches nothing ---------------------------------------------------------------------------------

FAILED_FETCHES = {
    "truncated": Reply.truncated(declare_length=False),
    "deadline mid-stream": Reply.timeout_midstream(query=QUERY),
    "503": Reply.unavailable(),
    "400": Reply.bad_query(QUERY),
}


@pytest.mark.parametrize("fault", FAILED_FETCHES.values(), ids=FAILED_FETCHES.keys())
def test_nothing_partial_lands_when_the_client_fails(tmp_path, fault):
    cache = ResponseCache(tmp_path / "cache")
    with ReplayServer(default=fault, lifetime=30) as wdqs:
        with pytest.raises(WdqsError):
            cache.put(fetch(wdqs), LABEL)
        assert cache.get(wdqs.url, QUERY) is None
    assert cache.entries() == []
    assert files(tmp_path / "cache") == []


def test_a_failed_refresh_keeps_the_cached_response(tmp_path):
    cache = ResponseCache(tmp_path)
    with ReplayServer(lifetime=30) as wdqs:
        before = cache.put(fetch(wdqs), "first fetch")
        wdqs.script(*[Reply.timeout_midstream(query=QUERY)] * 3)
        with pytest.raises(WdqsError):
            cache.put(fetch(wdqs), "refresh")
        assert cache.get(wdqs.url, QUERY) == before
        assert before.read_body() == recorded("p190-weimar.srj.json")
