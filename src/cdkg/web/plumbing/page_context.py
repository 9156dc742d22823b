"""What the frame of every page shows: the build being served, its date and sources, for the footer.

Given to every template by a context processor; with nothing built yet the footer says so instead
of failing, so error pages still render.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from cdkg.graph.datadir import DataDirError
from cdkg.web.plumbing.app_state import served_graph

CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"


def page_context() -> dict[str, object]:
    """`served_build`: id, build date (ISO, readable) and curated files; None when nothing is published."""
    try:
        info = served_graph(current_app).open().build.info
    except DataDirError:
        return {"served_build": None, "cc0": CC0}
    curated = [source["file"] for source in info.get("sources", []) if source.get("kind") == "curated"]
    built_at = info.get("built_at", "")
    return {
        "served_build": {
            "id": info.get("build", ""),
            "built_at": built_at,
            "built_on": readable_time(built_at),
            "curated_files": curated,
        },
        "cc0": CC0,
    }


def readable_time(iso: str) -> str:
    """`2026-11-23T13:29:14+00:00` as `2026-11-23 13:29 UTC`."""
    try:
        return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso
