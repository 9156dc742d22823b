"""The shipped Wikidata queries and their batches: deterministic texts, so that cache keys are stable."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from cdkg.config import ShippedSources
from cdkg.ingest.wikidata_terms import qid_number

ITEMS_MARKER = "#VALUES_ITEMS#"
NETWORKS_MARKER = "#VALUES_NETWORKS#"

# Items per batch, chosen to keep every request far under WDQS's 60 s limit and its POST bodies
# small (a QID is about 12 characters in a VALUES list, so 500 items is a 6 kB query):
BATCH_SIZES = {
    # A few P190 statements per item on average, 50+ for the largest capitals; rows repeat per
    # reference URL. 400 items give a few thousand rows, answered in about a second.
    "twinning-statements": 400,
    # One row per label, alias, class, population statement...: a large city has 30+ labels and
    # aliases and 100+ population statements, so batches are smaller (at most ~20,000 rows).
    "parties": 150,
    # Few P463 statements per item, restricted to a handful of networks.
    "memberships": 500,
}

_QID = re.compile(r"^(?:https?://www\.wikidata\.org/entity/|wd:)?(Q[1-9][0-9]*)$")


class QueryTemplateError(ValueError):
    """A query template lacks its placeholder, or was given values it cannot hold."""


def queries_dir() -> Path:
    return ShippedSources.default().queries_dir / "wikidata"


def load_query(name: str) -> str:
    """The text of a shipped query, by name with or without `.rq` (`twinning-statements`)."""
    stem = name.removesuffix(".rq")
    path = queries_dir() / f"{stem}.rq"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in queries_dir().glob("*.rq"))) or "none"
        raise FileNotFoundError(f"no shipped Wikidata query {stem!r} (known: {known}).")
    return path.read_text(encoding="utf-8")


def sorted_qids(items: Iterable[str]) -> list[str]:
    """QIDs (bare, `wd:` or entity IRIs) as bare QIDs, once each, in numeric order."""
    qids = set()
    for item in items:
        match = _QID.match(item.strip())
        if not match:
            raise QueryTemplateError(f"{item!r} is not a Wikidata item (Q followed by digits).")
        qids.add(match.group(1))
    return sorted(qids, key=qid_number)


def render_values(template: str, marker: str, variable: str, items: Iterable[str]) -> str:
    """Replace the line holding `marker` with `VALUES ?variable { wd:Q1 ... }`, keeping its indent."""
    qids = sorted_qids(items)
    if not qids:
        raise QueryTemplateError(f"no values given for ?{variable}: the query would match everything.")
    lines = template.splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if line.strip() == marker]
    if len(hits) != 1:
        raise QueryTemplateError(f"the template must hold the line {marker!r} exactly once.")
    line = lines[hits[0]]
    indent = line[: len(line) - len(line.lstrip())]
    ending = "\n" if line.endswith("\n") else ""
    values = " ".join(f"wd:{qid}" for qid in qids)
    lines[hits[0]] = f"{indent}VALUES ?{variable} {{ {values} }}{ending}"
    return "".join(lines)


def render_batches(template: str, items: Iterable[str], batch_size: int) -> list[str]:
    """One query text per batch of `batch_size` items, in numeric QID order; same input, same texts."""
    if batch_size < 1:
        raise QueryTemplateError(f"batch size must be at least 1, not {batch_size}.")
    qids = sorted_qids(items)
    return [
        render_values(template, ITEMS_MARKER, "item", qids[start : start + batch_size])
        for start in range(0, len(qids), batch_size)
    ]
