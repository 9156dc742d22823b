"""Checks on a query's text before it reaches the engine, by scanning it as SPARQL tokens
(cdkg.graph.sparql_tokens), so a keyword is only ever found where the parser would find one."""

from __future__ import annotations

from collections.abc import Iterator

from cdkg.graph.sparql_tokens import TOKEN as _TOKEN
from cdkg.graph.sparql_tokens import decode_codepoint_escapes as _decode_codepoint_escapes
from cdkg.graph.sparql_tokens import keywords

__all__ = ["FederationRefused", "check_federation", "guarded_keywords", "keywords", "uses_federation"]

# Words whose answer changes from one evaluation to the next (SERVICE among them, a remote answer):
# such answers get no validators (cdkg.web.http_caching).
VOLATILE_WORDS = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE", "SERVICE"})
# The bare words the endpoint's checks look for, SERVICE (federation) and the volatile ones.
GUARDED_WORDS = VOLATILE_WORDS | {"SERVICE"}


def guarded_keywords(query: str, wanted: frozenset[str] = GUARDED_WORDS) -> frozenset[str]:
    """Which of `wanted` (upper-case) the query uses as bare words, as written or with its \\u escapes
    decoded (SPARQL allows them anywhere, so an engine that decodes them cannot be handed a hidden word).

    The text is tokenized only if one of `wanted` is a substring of it upper-cased: a word token
    upper-cased is a piece of the whole text upper-cased (str.upper maps each character on its own),
    so where no substring is found no token can be one of them.
    """
    texts = [query]
    if "\\u" in query or "\\U" in query:
        texts.append(_decode_codepoint_escapes(query))
    found: set[str] = set()
    for text in texts:
        upper = text.upper()
        if any(word in upper for word in wanted):
            found.update(word for word in keywords(text) if word in wanted)
    return frozenset(found)


def uses_federation(query: str, words: frozenset[str] | None = None) -> bool:
    """Whether the query has a SERVICE clause, which would make this server open connections.

    `words` is `guarded_keywords(query)` when the caller already has it.
    """
    return "SERVICE" in (guarded_keywords(query) if words is None else words)


class FederationRefused(ValueError):
    """A SERVICE clause this endpoint will not follow, with why and what is allowed."""


def check_federation(
    query: str, allowlist: tuple[str, ...] | None, words: frozenset[str] | None = None
) -> None:
    """Refuse a query whose SERVICE clauses could reach an endpoint outside `allowlist`.

    `allowlist` None means federation is off: any SERVICE is refused. Otherwise every SERVICE
    must name, as a full IRI, an endpoint on the list; a variable, a prefixed name or anything
    the scan cannot read as an IRI is refused, since only the engine would know where it leads.
    `words` is `guarded_keywords(query)` when the caller already has it.
    """
    if not uses_federation(query, words):
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
