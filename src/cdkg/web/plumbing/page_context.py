"""What the frame of every page shows: the build being served, its date, sources and their licences.

Given to every template by a context processor; with nothing built yet the footer says so instead
of failing, so error pages still render. The licences are those the named graphs state of
themselves (cdkg.graph.graph_licences), read once per build.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from cdkg.graph.datadir import DataDirError
from cdkg.graph.graph_licences import CC0, GraphLicence, licence_groups, read_graph_licences
from cdkg.graph.per_build import PerBuild
from cdkg.graph.served import OpenBuild
from cdkg.namespaces import WIKIDATA_GRAPH
from cdkg.web.plumbing.app_state import served_graph
from cdkg.web.plumbing.resource_links import href

__all__ = ["CC0", "page_context", "readable_time", "served_licences"]


def page_context() -> dict[str, object]:
    """`served_build`: id, build date, curated files and licence groups; None when nothing is published."""
    try:
        opened = served_graph(current_app).open()
    except DataDirError:
        return {"served_build": None, "cc0": CC0, "graph_href": href}
    info = opened.build.info
    curated = [source["file"] for source in info.get("sources", []) if source.get("kind") == "curated"]
    built_at = info.get("built_at", "")
    licences = _licences().get(opened)
    return {
        "served_build": {
            "id": info.get("build", ""),
            "built_at": built_at,
            "built_on": readable_time(built_at),
            "curated_files": curated,
            "licence_groups": licence_groups(licences.values()),
            "from_wikidata": any(graph.startswith(WIKIDATA_GRAPH) for graph in licences),
            "other_sources": [
                terms.title
                for terms in licences.values()
                if terms.stated and not terms.graph.startswith(WIKIDATA_GRAPH)
            ],
        },
        "cc0": CC0,
        "graph_href": href,
    }


def served_licences() -> dict[str, GraphLicence]:
    """The licence terms of every named graph of the build being served, by graph IRI."""
    return _licences().get(served_graph(current_app).open())


def _licences() -> PerBuild[dict[str, GraphLicence]]:
    return current_app.extensions.setdefault("cdkg_graph_licences", PerBuild(_read))


def _read(opened: OpenBuild) -> dict[str, GraphLicence]:
    return read_graph_licences(opened.store, opened.build.info.get("graphs", {}))


def readable_time(iso: str) -> str:
    """`2026-11-23T13:29:14+00:00` as `2026-11-23 13:29 UTC`."""
    try:
        return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def licence_link(iri: str | None) -> str:
    """Where a reader is sent for a licence: its page over HTTPS (the IRI naming it stays http://)."""
    if iri and iri.startswith("http://creativecommons.org/"):
        return "https://" + iri.removeprefix("http://")
    return iri or ""
