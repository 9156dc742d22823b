"""The dated snapshots the repository ships (triples/snapshots/), as the build takes them in.

Each snapshot becomes one named graph. Mapping one takes seconds (the Covenant roster and the
2021 export most), so its N-Triples are kept in the data directory, keyed by the snapshot's
files, the mapping code and the day (statuses are stated as of the day of the build).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from cdkg.config import ShippedSources
from cdkg.ingest import covenant_roster, eurocities_roster, p190_crawl, p190_export_2021
from cdkg.ingest.snapshot_graphs import snapshot_dir
from cdkg.ingest.wikidata_import import file_sha256, mapping_sha256

WIKIDATA_KIND = "wikidata snapshot"
ROSTER_KIND = "network roster snapshot"


@dataclass(frozen=True)
class ShippedSnapshot:
    """One shipped snapshot: its name (as `cdkg build --snapshots` takes it), graph and folder."""

    name: str
    graph_iri: str
    kind: str
    folder: str
    title: str
    triples: Callable[[Path, date], tuple[Iterable[ox.Triple], list[str]]]


def _p190_2021(folder: Path, today: date) -> tuple[Iterable[ox.Triple], list[str]]:
    prepared = p190_export_2021.prepare_p190_2021_snapshot(folder, today)
    return prepared.triples, prepared.summary.lines()


def _p190_2016(folder: Path, today: date) -> tuple[Iterable[ox.Triple], list[str]]:
    prepared = p190_crawl.prepare_p190_2016_snapshot(folder, today)
    return prepared.triples, prepared.summary.lines()


def _covenant(folder: Path, today: date) -> tuple[Iterable[ox.Triple], list[str]]:
    quads, summary = covenant_roster.covenant_quads(
        folder / covenant_roster.COVENANT_SNAPSHOT.name, folder / covenant_roster.COVENANT_COUNTRIES.name
    )
    return (ox.Triple(q.subject, q.predicate, q.object) for q in quads), summary.text().splitlines()


def _eurocities(folder: Path, today: date) -> tuple[Iterable[ox.Triple], list[str]]:
    roster = eurocities_roster.eurocities_graph(folder)
    summary = roster.summary
    lines = [
        f"Eurocities roster: {summary.members:,} members from {summary.records:,} records "
        f"({summary.duplicates_merged:,} merged), {summary.unmatched:,} names without a Wikidata match "
        "left out, "
        f"{summary.wider_bodies:,} wider bodies matched to their city's item (flagged on the membership)."
    ]
    return roster.triples, lines


SNAPSHOTS: tuple[ShippedSnapshot, ...] = (
    ShippedSnapshot(
        "wikidata-p190-2021",
        p190_export_2021.GRAPH_IRI,
        WIKIDATA_KIND,
        p190_export_2021.SNAPSHOT,
        "Wikidata P190 between cities, November 2021",
        _p190_2021,
    ),
    ShippedSnapshot(
        "wikidata-p190-2016",
        p190_crawl.GRAPH_IRI,
        WIKIDATA_KIND,
        p190_crawl.SNAPSHOT,
        "Wikidata P190 as crawled in September 2016",
        _p190_2016,
    ),
    ShippedSnapshot(
        "gcom-mycovenant-2024",
        covenant_roster.COVENANT_GRAPH,
        ROSTER_KIND,
        covenant_roster.COVENANT_SNAPSHOT_DIR.name,
        "Global Covenant of Mayors signatories, JRC 5th release, January 2024",
        _covenant,
    ),
    ShippedSnapshot(
        "eurocities-members-2025",
        eurocities_roster.GRAPH_IRI,
        ROSTER_KIND,
        eurocities_roster.SNAPSHOT,
        "Eurocities members, May 2025",
        _eurocities,
    ),
)
NAMES = tuple(snapshot.name for snapshot in SNAPSHOTS)


SNAPSHOTS_ENV = "CDKG_SNAPSHOTS"


class SnapshotChoiceError(ValueError):
    """A snapshot name the project does not ship."""


def snapshot_names(setting: str) -> tuple[str, ...] | None:
    """The names in a `--snapshots` / $CDKG_SNAPSHOTS value: `all` (None), `none` (()), or a comma list."""
    text = setting.strip().lower()
    if text == "all":
        return None
    if text in ("none", ""):
        return ()
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    chosen_snapshots(names)
    return names


def chosen_snapshots(names: Iterable[str] | None) -> tuple[ShippedSnapshot, ...]:
    """The snapshots named (None: every one), in the order the build loads them."""
    if names is None:
        return SNAPSHOTS
    wanted = list(names)
    unknown = [name for name in wanted if name not in NAMES]
    if unknown:
        raise SnapshotChoiceError(
            f"no shipped snapshot is called {', '.join(map(repr, unknown))}; the snapshots are "
            f"{', '.join(NAMES)} (or `all`, or `none`)."
        )
    return tuple(snapshot for snapshot in SNAPSHOTS if snapshot.name in wanted)


@dataclass(frozen=True)
class MappedSnapshot:
    """A snapshot mapped to an N-Triples file the build bulk-loads, and what the mapping said."""

    snapshot: ShippedSnapshot
    path: Path
    summary: list[str]
    reused: bool


def mapped_snapshot(
    snapshot: ShippedSnapshot,
    cache_dir: Path,
    shipped: ShippedSources | None = None,
    today: date | None = None,
) -> MappedSnapshot:
    """The snapshot's N-Triples in `cache_dir`, mapped anew only when its key changed."""
    folder = snapshot_dir(snapshot.folder, shipped)
    day = today or date.today()
    key = _key(folder, day)
    target = cache_dir / f"{snapshot.name}.nt"
    record_path = cache_dir / f"{snapshot.name}.json"
    record = _read_json(record_path)
    if record.get("key") == key and target.is_file() and record.get("sha256") == file_sha256(target):
        return MappedSnapshot(snapshot, target, list(record.get("summary", [])), True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    triples, summary = snapshot.triples(folder, day)
    partial = target.with_suffix(".nt.partial")
    ox.serialize(_checked(triples), str(partial), ox.RdfFormat.N_TRIPLES)
    partial.replace(target)
    record = {"key": key, "sha256": file_sha256(target), "summary": summary}
    record_path.write_text(json.dumps(record, indent=2, ensure_ascii=False), "utf-8")
    return MappedSnapshot(snapshot, target, summary, False)


def _checked(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    for triple in triples:
        if not isinstance(triple, ox.Triple):
            raise TypeError(f"a snapshot mapping gave {triple!r}, not a triple: report this as a bug")
        yield triple


def _key(folder: Path, day: date) -> str:
    digest = hashlib.sha256(f"{mapping_sha256()}\0{day.isoformat()}\0".encode())
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name != "README.md":
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _read_json(path: Path) -> dict:
    try:
        loaded = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
