"""The dumps of a build: which formats there are, what their files are called, and their manifest.

`cdkg export` writes them (cdkg.export); the server lists and serves them from the manifest,
which names every file with its size, SHA-256 and the licences of the named graphs it holds, so
only files it names are ever served and each says under what terms it may be reused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cdkg.graph.graph_licences import CC0, GraphLicence, licence_groups

MANIFEST_FILE = "manifest.json"
CHECKSUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class DumpFormat:
    """One kind of dump: its extension (the --formats name), syntax and what of the build it holds."""

    extension: str
    title: str
    rdf_format: ox.RdfFormat
    media_type: str
    gzip: bool
    content: str

    @property
    def download_media_type(self) -> str:
        """The Content-Type of the file as served: a gzip file is sent as such, to be checksummed as is."""
        return "application/gzip" if self.gzip else self.media_type


DUMP_FORMATS = {
    fmt.extension: fmt
    for fmt in (
        DumpFormat(
            "nq.gz", "N-Quads, gzip", ox.RdfFormat.N_QUADS, "application/n-quads", True, "every named graph"
        ),
        DumpFormat(
            "ttl", "Turtle", ox.RdfFormat.TURTLE, "text/turtle", False, "the default graph (the merge)"
        ),
        DumpFormat(
            "jsonld",
            "JSON-LD",
            ox.RdfFormat.JSON_LD,
            "application/ld+json",
            False,
            "the default graph (the merge)",
        ),
    )
}


def dump_file_name(build_id: str, fmt: DumpFormat) -> str:
    return f"cdkg-{build_id}.{fmt.extension}"


@dataclass(frozen=True)
class DumpFile:
    """One file of an export as its manifest records it."""

    name: str
    format: str
    media_type: str
    download_media_type: str
    content: str
    statements: int
    bytes: int
    sha256: str
    # One entry per licence of the graphs the file holds: licence IRI (None: none stated), name,
    # graphs, and the attribution owed (empty for CC0). Empty in a manifest written before licences.
    licences: tuple[dict, ...] = ()

    @property
    def licence_names(self) -> list[str]:
        return [entry["name"] for entry in self.licences]

    @property
    def attributions(self) -> list[str]:
        return [text for entry in self.licences for text in entry.get("attribution", [])]

    def as_dict(self) -> dict:
        return {**self.__dict__, "licences": [dict(entry) for entry in self.licences]}

    @property
    def title(self) -> str:
        return DUMP_FORMATS[self.format].title if self.format in DUMP_FORMATS else self.format


@dataclass(frozen=True)
class DumpManifest:
    """What one export of a build wrote."""

    build_id: str
    exported_at: str
    files: tuple[DumpFile, ...]

    def file(self, name: str) -> DumpFile | None:
        return next((dump for dump in self.files if dump.name == name), None)

    def as_dict(self) -> dict:
        return {
            "build": self.build_id,
            "exported_at": self.exported_at,
            "files": [dump.as_dict() for dump in self.files],
        }


class DumpManifestError(ValueError):
    """A manifest that cannot be read; exporting the build again rewrites it."""


def read_manifest(dumps_dir: Path) -> DumpManifest | None:
    """The manifest of the dumps in `dumps_dir`, or None when nothing has been exported there."""
    path = dumps_dir / MANIFEST_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        files = tuple(
            DumpFile(**{**entry, "licences": tuple(entry.get("licences", ()))}) for entry in payload["files"]
        )
        return DumpManifest(payload["build"], payload["exported_at"], files)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DumpManifestError(
            f"{path} is unreadable ({exc}); run `cdkg export` again to rewrite it."
        ) from exc


def dump_licences(licences: Iterable[GraphLicence]) -> tuple[dict, ...]:
    """The licence entries of a dump holding these named graphs, as its manifest records them."""
    return tuple(
        {
            "licence": group.licence,
            "name": group.name,
            "graphs": [terms.graph for terms in group.graphs],
            "titles": [terms.title for terms in group.graphs],
            "attribution": [] if group.licence == CC0 else [terms.notice for terms in group.graphs],
        }
        for group in licence_groups(licences)
    )
