"""What a build's build.json must hold for readers to trust it: each field a build writes, of its type.

Readers (pages, the endpoint, the CLI) index these fields directly, so a record cut short, overwritten
or edited by hand is refused here with the field and what it holds, not met later as a KeyError.
Fields added by later versions are optional, so builds made before them still read.
"""

from __future__ import annotations

import json
from datetime import datetime

# Each field with the type its value must have; the required ones every build since the first writes.
REQUIRED = {"build": str, "built_at": str, "graphs": dict, "triples": int, "sources": list}
OPTIONAL = {
    "quads": int,
    "cdkg_version": str,
    "validation": dict,
    "ontology_sha256": str,
    "store": dict,
    "remote_graphs": dict,
    "snapshots": list,
    "snapshots_superseded": list,
}
SOURCE_FIELDS = ("kind", "file", "graph")


def build_record_problem(info: object, build_id: str) -> str | None:
    """What is wrong with a parsed build.json of the build `build_id`, worded after "build.json", or None."""
    if not isinstance(info, dict):
        return f"holds {describe(info)} where an object describing the build belongs"
    for field in REQUIRED:
        if field not in info:
            return f"has no {field!r} field"
    for field, kind in {**REQUIRED, **OPTIONAL}.items():
        if field in info and not _is(info[field], kind):
            return f"has {field!r} = {describe(info[field])} where {_a(kind)} belongs"
    if info["build"] != build_id:
        return f"names the build {describe(info['build'])}, not {build_id} whose directory holds it"
    try:
        datetime.fromisoformat(info["built_at"])
    except ValueError:
        return f"has 'built_at' = {describe(info['built_at'])}, not a date and time"
    return _counts_problem(info) or _sources_problem(info["sources"]) or _remote_problem(info)


def _counts_problem(info: dict) -> str | None:
    for field in ("triples", "quads"):
        if info.get(field, 0) < 0:
            return f"has {field!r} = {info[field]}, a negative count"
    for graph, count in info["graphs"].items():
        if not _is(count, int) or count < 0:
            return f"counts the graph {graph} as {describe(count)}, not a number of triples"
    return None


def _sources_problem(sources: list) -> str | None:
    for index, source in enumerate(sources):
        if not isinstance(source, dict) or not all(_is(source.get(f), str) for f in SOURCE_FIELDS):
            fields = ", ".join(SOURCE_FIELDS)
            return f"has the source #{index + 1} = {describe(source)}, not an object with {fields}"
    return None


def _remote_problem(info: dict) -> str | None:
    if ("store" in info) != ("remote_graphs" in info):
        return "names a remote store without the graphs it holds there (or the graphs without the store)"
    if "store" not in info:
        return None
    store, graphs = info["store"], info["remote_graphs"]
    if not all(_is(store.get(f), str) for f in ("kind", "query_url")):
        return f"has 'store' = {describe(store)}, without its kind and query_url"
    if not _is(graphs.get("default"), str) or not isinstance(graphs.get("named"), dict):
        return f"has 'remote_graphs' = {describe(graphs)}, without its default and named graphs"
    return None


def _is(value: object, kind: type) -> bool:
    # JSON true and false are Python bools, which are ints: a count must not be one.
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _a(kind: type) -> str:
    return {str: "a string", int: "a whole number", dict: "an object", list: "a list"}[kind]


def describe(value: object) -> str:
    """A value read from a damaged file, as JSON writes it, shortened for a message."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
