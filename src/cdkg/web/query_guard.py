"""Checks on a query's text before it reaches the engine, by scanning it as SPARQL tokens
(cdkg.graph.sparql_tokens), so a keyword is only ever found where the parser would find one."""

from __future__ import annotations

from collections.abc import Iterator

from cdkg.graph.sparql_tokens import TOKEN as _TOKEN
from cdkg.graph.sparql_tokens import decode_codepoint_escapes as _decode_codepoint_escapes
from cdkg.graph.sparql_tokens import keywords

__all__ = ["FederationRefused", "check_federation", "keywords", "uses_federation"]


def uses_federation(query: str) -> bool:
    """Whether the query has a SERVICE clause, which would make this server open connections.

    SPARQL allows \\u escapes anywhere in a query's text; the text is scanned both as written
    and with them decoded, so an engine that decodes them cannot be handed a hidden SERVICE.
    """
    return "SERVICE" in keywords(query) or "SERVICE" in keywords(_decode_codepoint_escapes(query))


class FederationRefused(ValueError):
    """A SERVICE clause this endpoint will not follow, with why and what is allowed."""


def check_federation(query: str, allowlist: tuple[str, ...] | None) -> None:
    """Refuse a query whose SERVICE clauses could reach an endpoint outside `allowlist`.

    `allowlist` None means federation is off: any SERVICE is refused. Otherwise every SERVICE
    must name, as a full IRI, an endpoint on the list; a variable, a prefixed name or anything
    the scan cannot read as an IRI is refused, since only the engine would know where it leads.
    """
    if not uses_federation(query):
        return
    if allowlist is None:
        raise FederationRefused("federated queries (SERVICE) are disabled on this endpoint.")
    for text in (query, _decode_codepoint_escapes(query)):
        for target in _service_targets(text):
            if target is None or not (target.startswith("<") and target.endswith(">")):
                raise FederationRefused(
                    f"SERVICE {target or '(nothing)'} is refused: name the endpoint as a full IRI, "
                    f"one of {', '.join(f'<{iri}>' for iri in allowlist)}."
                )
            if target[1:-1] not in allowlist:
                raise FederationRefused(
                    f"SERVICE {target} is not on this endpoint's allowlist; allowed: "
                    f"{', '.join(f'<{iri}>' for iri in allowlist) or 'none'}."
                )


def _service_targets(query: str) -> Iterator[str | None]:
    """The token naming the endpoint after each SERVICE (and SILENT), None at the end of the text."""
    tokens = (m for m in _TOKEN.finditer(query) if m.lastgroup not in ("space", "comment"))
    for token in tokens:
        if token.lastgroup != "word" or token.group().upper() != "SERVICE":
            continue
        target = next(tokens, None)
        if target is not None and target.lastgroup == "word" and target.group().upper() == "SILENT":
            target = next(tokens, None)
        yield None if target is None else target.group()
