"""The Covenant of Mayors roster (JRC, MyCovenant, January 2024) as quads of one named graph.

`covenant_quads()` reads the snapshot shipped in triples/snapshots/gcom-mycovenant-2024/, checks
it, and returns the quads (made as they are consumed) with a summary of what went in, what was left
out and why. The build loads the quads as they come; the summary is known before the first quad.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cdkg.config import ShippedSources
from cdkg.ingest.covenant_graph import (
    body_triples,
    country_triples,
    graph_description,
    network_triples,
    signatory_triples,
)
from cdkg.ingest.covenant_points import own_points
from cdkg.ingest.covenant_rows import RowProblem, SignatoryRow, read_countries, read_rows
from cdkg.namespaces import GRAPH

COVENANT_SNAPSHOT_DIR: Path = ShippedSources.default().curated_dir / "snapshots" / "gcom-mycovenant-2024"
COVENANT_SNAPSHOT: Path = COVENANT_SNAPSHOT_DIR / "signatories.csv.xz"
COVENANT_COUNTRIES: Path = COVENANT_SNAPSHOT_DIR / "countries.csv"
COVENANT_GRAPH: str = GRAPH + "gcom-mycovenant-2024"


@dataclass(frozen=True)
class CovenantSummary:
    """What the import made of the roster: counts of what went in, and of what was left out and why."""

    rows_read: int
    signatories: int
    local_governments: int
    groups: int
    group_memberships: int
    rows_naming_a_group_not_in_file: int
    coordinators: int
    supporters: int
    rows_with_coordinator: int
    rows_with_supporter: int
    mayors: int
    memberships_by_status: dict[str, int]
    commitments: dict[str, int]
    adhesion_types: dict[str, int]
    populations: int
    points_kept: int
    points_missing: int
    points_left_out: dict[str, int]
    gcom_ids: int
    gcom_ids_left_out: int
    problems: tuple[RowProblem, ...]

    @property
    def rows_left_out(self) -> int:
        return self.rows_read - self.signatories

    def problems_by_column(self) -> dict[str, int]:
        return dict(Counter(problem.column for problem in self.problems))

    def text(self) -> str:
        """A few lines for the build's log."""
        left_out = ", ".join(f"{n:,} {why}" for why, n in sorted(self.points_left_out.items())) or "none"
        return "\n".join(
            [
                f"Covenant of Mayors roster: {self.signatories:,} signatories ({self.local_governments:,} "
                f"local governments, {self.groups:,} groups) of {self.rows_read:,} rows; "
                f"{self.rows_left_out:,} rows left out.",
                "memberships: "
                + ", ".join(f"{n:,} {status}" for status, n in sorted(self.memberships_by_status.items())),
                f"{self.coordinators:,} coordinators, {self.supporters:,} supporters, "
                f"{self.mayors:,} mayors, {self.group_memberships:,} group memberships.",
                f"coordinates: {self.points_kept:,} kept, {self.points_missing:,} missing; "
                f"left out: {left_out}.",
                f"{len(self.problems):,} values not read: "
                + (", ".join(f"{n} in {c}" for c, n in sorted(self.problems_by_column().items())) or "none"),
            ]
        )


def covenant_quads(
    path: Path = COVENANT_SNAPSHOT, countries_path: Path = COVENANT_COUNTRIES
) -> tuple[Iterator[ox.Quad], CovenantSummary]:
    """The roster's quads, all in the graph COVENANT_GRAPH, and the summary of the import.

    Raises CovenantFileError when a file is missing, damaged or lacks a column.
    """
    countries = read_countries(countries_path)
    rows, problems = read_rows(path, countries)
    groups = {row.organisation_id for row in rows if row.is_group}
    points, left_out = own_points(rows)
    gcom_counts = Counter(row.gcom_id for row in rows if row.gcom_id is not None)
    unique_gcom_ids = {gcom_id for gcom_id, n in gcom_counts.items() if n == 1}
    bodies = _bodies(rows)
    summary = CovenantSummary(
        rows_read=len(rows)
        + len({(p.line, p.organisation_id) for p in problems if p.reason.endswith("row left out")}),
        signatories=len(rows),
        local_governments=len(rows) - len(groups),
        groups=len(groups),
        group_memberships=sum(1 for row in rows if row.group_id in groups),
        rows_naming_a_group_not_in_file=sum(1 for row in rows if row.group_id and row.group_id not in groups),
        coordinators=bodies["coordinator"],
        supporters=bodies["supporter"],
        rows_with_coordinator=sum(1 for row in rows if row.coordinator),
        rows_with_supporter=sum(1 for row in rows if row.supporter),
        mayors=sum(1 for row in rows if row.mayor),
        memberships_by_status=dict(Counter(row.status for row in rows)),
        commitments=dict(Counter(concept for row in rows for concept in row.commitments)),
        adhesion_types=dict(Counter(row.adhesion_type for row in rows if row.adhesion_type)),
        populations=sum(1 for row in rows if row.population is not None),
        points_kept=len(points),
        points_missing=sum(1 for row in rows if row.raw_point is None),
        points_left_out=dict(left_out),
        gcom_ids=len(unique_gcom_ids),
        gcom_ids_left_out=len(rows) - len(unique_gcom_ids),
        problems=tuple(problems),
    )
    used = [countries[code] for code in sorted({row.country_code for row in rows})]
    return _quads(rows, countries, used, groups, points, unique_gcom_ids), summary


def _bodies(rows: list[SignatoryRow]) -> Counter[str]:
    return body_triples(rows, lambda s, p, o: None)


def _quads(rows, countries, used, groups, points, unique_gcom_ids) -> Iterator[ox.Quad]:
    graph = ox.NamedNode(COVENANT_GRAPH)
    batch: list[ox.Quad] = []

    def add(subject: ox.NamedNode, predicate: str, obj: ox.NamedNode | ox.Literal) -> None:
        batch.append(ox.Quad(subject, ox.NamedNode(predicate), obj, graph))

    graph_description(graph, add)
    network_triples(add)
    country_triples(used, add)
    body_triples(rows, add)
    yield from batch
    for row in rows:
        batch.clear()
        signatory_triples(row, countries, groups, points, unique_gcom_ids, add)
        yield from batch
