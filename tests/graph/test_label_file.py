"""The label file `cdkg build` writes answers every search exactly as the labels in memory do."""

from __future__ import annotations

import random

import pytest

from cdkg.graph.label_file import LABELS_FILE, StoredLabelIndex, open_label_index
from cdkg.graph.label_index import LabelIndex
from cdkg.graph.served import ServedGraph


@pytest.fixture(scope="module")
def both(imported_data_dir) -> tuple[LabelIndex, StoredLabelIndex]:
    opened = ServedGraph(imported_data_dir).open()
    stored = open_label_index(opened.build.store_path.parent, opened.store)
    assert isinstance(stored, StoredLabelIndex)
    return LabelIndex.of_store(opened.store), stored


def _queries(memory: LabelIndex) -> list[str]:
    rng = random.Random(11)
    labels = [entry.label for entry in rng.sample(memory.entries, 150)]
    pieces = []
    for label in labels:
        start = rng.randrange(len(label))
        pieces.append(label[start : start + rng.randint(1, 8)])
    return labels + pieces + ["a", "sa", "San", "saint josse", "ESKISEHIR", "köln", "Ö", "-", "zzzzqq"]


def test_the_label_file_holds_every_label(both):
    memory, stored = both
    assert len(stored) == len(memory) > 5000


def test_searches_of_whole_labels_pieces_and_short_strings_answer_as_in_memory(both):
    memory, stored = both
    for query in _queries(memory):
        for limit in (1, 20):
            assert stored.search(query, limit) == memory.search(query, limit), (query, limit)


def test_empty_queries_and_limits_below_one_find_nothing(both):
    _, stored = both
    assert stored.search("   ", 20) == [] and stored.search("vilnius", 0) == []


def test_a_build_without_the_file_is_searched_in_memory(imported_data_dir, tmp_path):
    opened = ServedGraph(imported_data_dir).open()
    assert (opened.build.store_path.parent / LABELS_FILE).is_file()
    index = open_label_index(tmp_path, opened.store)
    assert isinstance(index, LabelIndex) and len(index) > 5000
