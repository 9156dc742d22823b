"""Every solution of one of our own SELECTs, whatever row limit the store answers under.

A remote engine may cap answers (Virtuoso's ResultSetMaxRows) and the adapter refuses a capped answer
rather than pass it on cut; our reports and counts need all rows, so they are read in pages below the cap.
The embedded store has no cap and answers in one go.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox


def all_solutions(store, select: str, prologue: str = "") -> Iterator[ox.QuerySolution]:
    """The solutions of `select` (a SELECT without ORDER BY, LIMIT or OFFSET; prefixes in `prologue`).

    Pages are ordered by every projected variable inside a subquery, then cut by OFFSET and LIMIT
    outside it (an ordered top level with OFFSET runs into Virtuoso's sort limits).
    """
    cap = getattr(store, "engine_max_rows", None)
    if not cap:
        yield from store.query(prologue + select)
        return
    variables = store.query(f"{prologue}{select} LIMIT 0").variables
    names = " ".join(str(v) for v in variables)
    page = max(1, cap - 1)
    offset = 0
    while True:
        rows = 0
        ordered = f"{{ {{ {select} ORDER BY {names} }} }}"
        paged = f"{prologue}SELECT {names} WHERE {ordered} OFFSET {offset} LIMIT {page}"
        for solution in store.query(paged):
            rows += 1
            yield solution
        if rows < page:
            return
        offset += page
