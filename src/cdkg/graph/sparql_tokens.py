"""A query's text as SPARQL tokens, and the renaming of the graphs or other IRIs it names, unparsed.

The scan walks the query left to right, taking whole tokens (strings, IRIs, comments, variables,
prefixed names with their escapes, words), so a keyword is only ever found where the parser
would find one: `"SERVICE"`, `?service`, `ex:public-service` or `ex:a\\#` hide nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from urllib.parse import urljoin

_PN_LOCAL_CHAR = r"(?:[\w\-.:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
TOKEN = re.compile(
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


def significant_tokens(query: str) -> Iterator[re.Match[str]]:
    """The query's tokens without white space and comments, each with its kind (`lastgroup`) and span."""
    return (m for m in TOKEN.finditer(query) if m.lastgroup not in ("space", "comment"))


def keywords(query: str) -> Iterator[str]:
    """The bare words of a query (keywords and function names), upper-cased, in order."""
    for match in TOKEN.finditer(query):
        if match.lastgroup == "word":
            yield match.group().upper()


_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def decode_codepoint_escapes(query: str) -> str:
    """The query with its \\u and \\U escapes replaced by their characters, as SPARQL does before parsing."""

    def decode(match: re.Match[str]) -> str:
        codepoint = int(match.group(1) or match.group(2), 16)
        return chr(codepoint) if codepoint <= 0x10FFFF else match.group()

    return _CODEPOINT_ESCAPE.sub(decode, query)


_LOCAL_ESCAPE = re.compile(r"\\(.)")


def rewrite_graph_iris(
    query: str, rename: Callable[[str], str], clauses: tuple[str, ...] = ("GRAPH", "FROM", "FROM NAMED")
) -> str:
    """The query with every graph it names after GRAPH, FROM or FROM NAMED (those of `clauses`) replaced
    by `rename(iri)`.

    Graphs written as `<…>` (relative ones resolved against the query's BASE, when it has one) or as
    prefixed names (resolved with the query's own PREFIX declarations) are rewritten as `<…>`; a graph
    IRI anywhere else (a subject, a VALUES row, a string) is left as written. Codepoint escapes are
    decoded first, as the SPARQL grammar does, so an escaped IRI cannot slip past.
    """

    def names_graph(previous: list[str]) -> bool:
        return (
            (previous[-1:] == ["GRAPH"] and "GRAPH" in clauses)
            or (previous[-1:] == ["FROM"] and "FROM" in clauses)
            or (previous[-2:] == ["FROM", "NAMED"] and "FROM NAMED" in clauses)
        )

    return _rewrite_iris(query, rename, names_graph, expand_prefixed_names=True)


def rename_iris(query: str, renamed: Mapping[str, str]) -> str:
    """The query with every IRI it writes that is a key of `renamed` (as `<…>`, relative to its BASE, or
    as a prefixed name) replaced by its value, wherever it stands; strings are left as written."""
    return _rewrite_iris(query, lambda iri: renamed.get(iri, iri), lambda previous: True)


def _rewrite_iris(
    query: str,
    rename: Callable[[str], str],
    where: Callable[[list[str]], bool],
    expand_prefixed_names: bool = False,
) -> str:
    """The query with the IRIs for which `where(the two tokens before)` holds replaced by `rename(iri)`."""
    if _CODEPOINT_ESCAPE.search(query):
        query = decode_codepoint_escapes(query)
    prefixes: dict[str, str] = {}
    base: str | None = None
    replacements: list[tuple[int, int, str]] = []
    previous: list[str] = []
    tokens = significant_tokens(query)
    for token in tokens:
        kind, text = token.lastgroup, token.group()
        upper = text.upper() if kind == "word" else ""
        if upper == "PREFIX":
            name, iri = next(tokens, None), next(tokens, None)
            if name is not None and iri is not None and iri.lastgroup == "iri":
                prefixes[name.group().rstrip(":").split(":")[0]] = _resolve(iri.group()[1:-1], base)
            previous = []
            continue
        if upper == "BASE":
            iri = next(tokens, None)
            if iri is not None and iri.lastgroup == "iri":
                base = _resolve(iri.group()[1:-1], base)
            previous = []
            continue
        if kind in ("iri", "pname") and where(previous):
            iri = _written_iri(kind, text, prefixes, base)
            if iri is not None:
                renamed = rename(iri)
                if renamed != iri or (kind == "pname" and expand_prefixed_names):
                    replacements.append((token.start(), token.end(), f"<{renamed}>"))
        previous = (previous + [upper or kind])[-2:]
    for start, end, text in reversed(replacements):
        query = query[:start] + text + query[end:]
    return query


def dataset_clauses(query: str) -> tuple[list[str], list[str]]:
    """The IRIs a query names in FROM and in FROM NAMED, as written in `<…>` (after `rewrite_graph_iris`)."""
    default: list[str] = []
    named: list[str] = []
    previous: list[str] = []
    for token in significant_tokens(query):
        kind, text = token.lastgroup, token.group()
        if kind == "iri" and previous[-2:] == ["FROM", "NAMED"]:
            named.append(text[1:-1])
        elif kind == "iri" and previous[-1:] == ["FROM"]:
            default.append(text[1:-1])
        previous = (previous + [text.upper() if kind == "word" else kind])[-2:]
    return default, named


def _written_iri(kind: str, text: str, prefixes: dict[str, str], base: str | None) -> str | None:
    if kind == "iri":
        return _resolve(text[1:-1], base)
    prefix, _, local = text.partition(":")
    if prefix not in prefixes:
        return None
    return prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)


def _resolve(iri: str, base: str | None) -> str:
    if base is None or re.match(r"[A-Za-z][A-Za-z0-9+\-.]*:", iri):
        return iri
    return urljoin(base, iri)


_TRAILING_LIMIT = re.compile(
    r"(?:\A|[\s)}])(?:LIMIT\s+(\d+)(?:\s+OFFSET\s+\d+)?|OFFSET\s+\d+\s+LIMIT\s+(\d+))\s*\Z", re.IGNORECASE
)


def trailing_limit(query: str) -> int | None:
    """The LIMIT a query ends with (before an optional OFFSET), or None when its text ends otherwise.

    In a valid query a LIMIT that ends the text belongs to the outermost query: a subquery's sits
    inside braces, and only a VALUES block may follow the outer one's. Strings, IRIs and comments
    are skipped as the parser skips them, with \\u escapes decoded first, so none can fake one.
    """
    if "\\u" in query or "\\U" in query:
        query = decode_codepoint_escapes(query)
    if "LIMIT" not in query.upper():
        return None
    found = _TRAILING_LIMIT.search(query, max(0, len(query) - 120))
    # Ending the text, it is no string's or IRI's (they would be left open); with no `#` on its
    # lines, no comment's either. Otherwise the comments are found by a scan of the tokens.
    if found is not None and "#" not in query[query.rfind("\n", 0, found.start()) + 1 :]:
        return int(found.group(1) or found.group(2))
    after_last_brace: list[str] = []
    for match in TOKEN.finditer(query):
        kind, text = match.lastgroup, match.group()
        if kind == "other" and text == "}":
            after_last_brace = []
        else:
            after_last_brace.append(" " if kind == "comment" else text)
    found = _TRAILING_LIMIT.search("".join(after_last_brace))
    if found is None:
        return None
    return int(found.group(1) or found.group(2))
