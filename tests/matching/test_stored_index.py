"""The matching index on disk: written whole, refused clearly when unusable, read the same by any thread."""

from __future__ import annotations

import pickle
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from cdkg.graph.datadir import DataDirError
from cdkg.graph.served import ServedGraph
from cdkg.matching import MatchingEngine, MatchQuery
from cdkg.matching.index import EntityIndex
from cdkg.matching.index_file import INDEX_FILE, index_path, open_build_index
from cdkg.matching.stored_index import StoredIndex, StoredIndexError, write_index

NAMES = ["Vilnius", "Kraków", "Lyon", "Sankt Peterburg", "Bologna", "Napoli", "Torino", "Kyiv", "Eurocities"]


@pytest.fixture(scope="module")
def memory_index(imported_data_dir) -> EntityIndex:
    return EntityIndex(ServedGraph(imported_data_dir).open().store)


def _answers(engine: MatchingEngine) -> list[list[tuple[str, float]]]:
    return [
        [(candidate.id, candidate.score) for candidate in engine.match(MatchQuery(name, limit=5))]
        for name in NAMES
    ]


def test_the_stored_index_answers_exactly_as_the_index_in_memory(memory_index, tmp_path):
    path = tmp_path / "index.sqlite"
    write_index(memory_index, path)
    stored = MatchingEngine(StoredIndex(path))
    in_memory = MatchingEngine(memory_index)
    assert len(stored) == len(in_memory)
    assert _answers(stored) == _answers(in_memory)
    assert [c.id for c in stored.suggest_entities("vil")] == [c.id for c in in_memory.suggest_entities("vil")]


def test_threads_reading_one_stored_index_at_once_get_the_same_answers(memory_index, tmp_path):
    path = tmp_path / "index.sqlite"
    write_index(memory_index, path)
    engine = MatchingEngine(StoredIndex(path))
    expected = _answers(engine)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: _answers(engine), range(12)))
    assert all(result == expected for result in results)


def test_writing_replaces_the_file_whole_and_leaves_no_temporary_file(memory_index, tmp_path):
    path = tmp_path / "index.sqlite"
    path.write_bytes(b"an older file")
    write_index(memory_index, path)
    assert StoredIndex(path).entities
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.sqlite"]


def test_a_missing_or_unreadable_file_is_a_clear_data_directory_error(tmp_path):
    with pytest.raises(StoredIndexError, match="no matching index at"):
        StoredIndex(tmp_path / "absent.sqlite")
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DataDirError, match="cannot read the matching index"):
        StoredIndex(garbage)


def test_a_file_of_another_format_version_is_refused(memory_index, tmp_path):
    path = tmp_path / "index.sqlite"
    write_index(memory_index, path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE meta SET value = ? WHERE name = 'format_version'", (pickle.dumps(0),))
    with pytest.raises(StoredIndexError, match="has format 0, not 1"):
        StoredIndex(path)


def test_cdkg_build_writes_the_index_file_beside_the_store(imported_data_dir):
    build = ServedGraph(imported_data_dir).current_build()
    assert index_path(build) == build.store_path.parent / INDEX_FILE
    assert len(StoredIndex(index_path(build)).entities) > 1000


def test_a_build_without_its_index_file_gets_it_written_by_a_child_process(imported_data_dir, tmp_path):
    build = ServedGraph(imported_data_dir).current_build()
    path = index_path(build)
    expected = _answers(MatchingEngine(StoredIndex(path)))
    kept = tmp_path / "kept.sqlite"
    path.rename(kept)
    try:
        path.write_bytes(b"damaged")
        assert _answers(MatchingEngine(open_build_index(build))) == expected
        assert StoredIndex(path).entities
    finally:
        kept.replace(path)
