"""Checks on a query's text before it reaches the engine, by scanning it as SPARQL tokens.

The scan walks the query left to right, taking whole tokens (strings, IRIs, comments, variables,
prefixed names with their escapes, words), so a keyword is only ever found where the parser
would find one: `"SERVICE"`, `?service`, `ex:public-service` or `ex:a\\#` hide nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_PN_LOCAL_CHAR = r"(?:[\w\-.:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_TOKEN = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*')"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<variable>[?$]\w+)"
    rf"|(?P<pname>(?:[^\W\d][\w\-.]*)?:{_PN_LOCAL_CHAR}*)"
    r"|(?P<word>[^\W\d]\w*)"
    r"|(?P<other>\S)"
    r"|(?P<space>\s+)",
    re.DOTALL,
)


def keywords(query: str) -> Iterator[str]:
    """The bare words of a query (keywords and function names), upper-cased, in order."""
    for match in _TOKEN.finditer(query):
        if match.lastgroup == "word":
            yield match.group().upper()


_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _decode_codepoint_escapes(query: str) -> str:
    def decode(match: re.Match[str]) -> str:
        codepoint = int(match.group(1) or match.group(2), 16)
        return chr(codepoint) if codepoint <= 0x10FFFF else match.group()

    return _CODEPOINT_ESCAPE.sub(decode, query)


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
