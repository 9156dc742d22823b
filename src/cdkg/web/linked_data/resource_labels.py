"""Labels in the reader's language: `?lang=`, then `Accept-Language`, then English, untagged, any."""

from __future__ import annotations

from flask import request

from cdkg.namespaces import BASE, PREFIXES

FALLBACK = ("en", "")


def reader_languages() -> list[str]:
    """Language tags in the reader's order of preference, lower case, ending with the fallbacks."""
    wanted: list[str] = []
    override = request.args.get("lang", "").strip().lower()
    if override:
        wanted.append(override)
    wanted += [tag.lower() for tag, quality in request.accept_languages if tag != "*" and quality > 0]
    wanted += list(FALLBACK)
    return list(dict.fromkeys(wanted))


def pick_label(labels: list[tuple[str, str]], languages: list[str]) -> tuple[str, str] | None:
    """The (label, tag) best matching `languages`: an exact tag, then one of the same language."""
    if not labels:
        return None
    for wanted in languages:
        for value, tag in sorted(labels):
            if tag.lower() == wanted:
                return value, tag
        primary = wanted.split("-")[0]
        if primary:
            for value, tag in sorted(labels):
                if tag.lower().split("-")[0] == primary:
                    return value, tag
    return sorted(labels, key=lambda label: (label[1], label[0]))[0]


def short_name(iri: str) -> str:
    """A readable stand-in for an IRI without a label: its prefixed name, else its last segment."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            best, name = namespace, f"{prefix}:{iri.removeprefix(namespace)}"
    if best and "/" not in iri.removeprefix(best):
        return name
    if iri.startswith(BASE):
        return iri.removeprefix(BASE)
    return iri.rstrip("/").rsplit("/", 1)[-1] or iri
