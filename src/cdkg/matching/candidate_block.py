"""The candidate block of a name query: the name forms sharing the most trigrams with it.

Counted with numpy over the posting lists (arrays of form ids), so the cost stays a few
vectorised passes and two bytes per form even when common trigrams are shared by hundreds of
thousands of forms; a Counter of Python ints took seconds and hundreds of megabytes per query
at ten million triples.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

import numpy as np

EMPTY = array("I")


def most_shared(postings: Sequence[array], limit: int) -> list[int]:
    """Ids of the `limit` forms found in the most of these posting lists (a list counted once per
    time it is given); among forms found equally often, the lower ids. Forms found in none are left out."""
    if limit <= 0:
        return []
    lists = [np.frombuffer(posting, dtype=np.uint32) for posting in postings if len(posting)]
    if not lists:
        return []
    # One small counter per form, added to list by list: no copy of the lists' ids is made (at ten
    # million triples they are millions, and several requests count at once).
    counts = np.zeros(
        max(int(ids.max()) for ids in lists) + 1, dtype=np.uint16 if len(lists) < 65535 else np.uint32
    )
    for ids in lists:
        # A form's trigrams are a set, so an id is at most once in a list: fancy += counts it once.
        counts[ids] += 1
    found = np.flatnonzero(counts)
    if len(found) <= limit:
        return found.tolist()
    found_counts = counts[found]
    # The limit-th largest count, from a histogram of the counts (small numbers, many equal:
    # np.partition is slow on such arrays): every form above it is in, and as many at it as fit.
    forms_per_count = np.bincount(found_counts)
    at_least = np.cumsum(forms_per_count[::-1])
    threshold = len(forms_per_count) - 1 - int(np.argmax(at_least >= limit))
    above = found[found_counts > threshold]
    at = found[found_counts == threshold][: limit - len(above)]
    return np.concatenate((above, at)).tolist()
