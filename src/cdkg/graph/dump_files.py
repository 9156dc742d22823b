"""The dumps of a build: which formats there are, what their files are called, and their manifest.

`cdkg export` writes them (cdkg.export); the server lists and serves them from the manifest,
which names every file with its size and SHA-256, so only files it names are ever served.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

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
            "files": [dump.__dict__ for dump in self.files],
        }


class DumpManifestError(ValueError):
    """A manifest that cannot be read; exporting the build again rewrites it."""


def read_manifest(dumps_dir: Path) -> DumpManifest | None:
    """The manifest of the dumps in `dumps_dir`, or None when nothing has been exported there."""
    path = dumps_dir / MANIFEST_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        files = tuple(DumpFile(**entry) for entry in payload["files"])
        return DumpManifest(payload["build"], payload["exported_at"], files)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DumpManifestError(
            f"{path} is unreadable ({exc}); run `cdkg export` again to rewrite it."
        ) from exc
