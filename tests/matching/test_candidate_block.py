"""The candidate block: the forms in the most posting lists, ties to the lower ids, bounded."""

from __future__ import annotations

import random
from array import array
from collections import Counter

from cdkg.matching.candidate_block import EMPTY, most_shared


def _lists(*lists: list[int]) -> list[array]:
    return [array("I", ids) for ids in lists]


def test_the_forms_in_the_most_lists_come_first_and_ties_go_to_the_lower_ids():
    postings = _lists([1, 5, 9], [5, 9, 12], [5, 7], [3, 9])
    assert sorted(most_shared(postings, 2)) == [5, 9]
    assert sorted(most_shared(postings, 3)) == [1, 5, 9]


def test_a_list_given_twice_counts_twice():
    postings = _lists([4, 8], [8], [4])
    assert most_shared(postings, 1) == [4]
    assert most_shared(_lists([4, 8], [8], [4], [8]), 1) == [8]


def test_fewer_forms_than_the_limit_are_all_returned_and_empty_input_gives_none():
    assert sorted(most_shared(_lists([2, 3], [3]), 10)) == [2, 3]
    assert most_shared([], 10) == []
    assert most_shared([EMPTY, EMPTY], 10) == []
    assert most_shared(_lists([1, 2]), 0) == []


def test_on_random_lists_the_block_holds_exactly_the_best_counted_forms():
    rng = random.Random(7)
    for _ in range(200):
        postings = _lists(
            *[sorted(rng.sample(range(500), rng.randint(0, 60))) for _ in range(rng.randint(1, 12))]
        )
        counts = Counter(form for posting in postings for form in posting)
        limit = rng.randint(1, 80)
        block = most_shared(postings, limit)
        assert len(block) == min(limit, len(counts)) == len(set(block))
        expected = sorted(counts, key=lambda form: (-counts[form], form))[:limit]
        assert sorted(block) == sorted(expected)
