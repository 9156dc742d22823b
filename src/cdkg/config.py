"""Where the graph lives and how the project is configured, resolved once from options and environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "CDKG_DATA_DIR"


def default_data_dir() -> Path:
    """The documented default: `$XDG_DATA_HOME/cdkg`, else `~/.local/share/cdkg`."""
    xdg = os.environ.get("XDG_DATA_HOME")
    root = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return root / "cdkg"


def resolve_data_dir(option: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: the option if given, else `$CDKG_DATA_DIR`, else the default."""
    if option:
        return Path(option).expanduser().resolve()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return default_data_dir()


def _shipped_dir(name: str) -> Path:
    """A folder the repository ships (ontology, triples, queries), installed or in a checkout."""
    packaged = Path(__file__).resolve().parent / "_shipped" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / name


@dataclass(frozen=True)
class ShippedSources:
    """The folders whose files make the embedded default graph."""

    ontology_dir: Path
    curated_dir: Path
    queries_dir: Path

    @classmethod
    def default(cls) -> ShippedSources:
        return cls(_shipped_dir("ontology"), _shipped_dir("triples"), _shipped_dir("queries"))
