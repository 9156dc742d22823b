"""Checks on a query's text before it reaches the engine: SERVICE (federation) and nesting.

The engine's parser needs no space after a keyword and backtracks between readings, so a scan of
whole tokens can read a keyword as part of a longer word (`SERVICESILENT<…>`, `SERVICE:x{…}`,
`trueSERVICE`) or an expression's `<` as the start of an IRI. The federation check therefore reads
every spelling the engine might take for SERVICE (see `uses_federation`), and when federation is on
it admits a query only if every occurrence of the letters S-E-R-V-I-C-E, anywhere in its text, is a
SERVICE clause naming an allowlisted endpoint. Behind this guard, query workers cannot open sockets
at all unless they are meant to (cdkg.graph.worker_sandbox), so a spelling it missed still reaches
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from cdkg.graph.sparql_tokens import TOKEN as _TOKEN
from cdkg.graph.sparql_tokens import decode_codepoint_escapes as _decode_codepoint_escapes
from cdkg.graph.sparql_tokens import keywords

__all__ = [
    "FederationRefused",
    "QueryTooComplex",
    "check_complexity",
    "check_federation",
    "guarded_keywords",
    "keywords",
    "uses_federation",
]

# Words whose answer changes from one evaluation to the next (SERVICE among them, a remote answer):
# such answers get no validators (cdkg.web.plumbing.http_caching).
VOLATILE_WORDS = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE", "SERVICE"})
# The bare words the endpoint's checks look for, SERVICE (federation) and the volatile ones.
GUARDED_WORDS = VOLATILE_WORDS | {"SERVICE"}

# Brackets open at once, and operators (UNION, OPTIONAL, MINUS, path and arithmetic or logical
# operators) in all: the engine parses and evaluates nesting by recursion, and at 3,000 nested groups
# or 10,000 chained terms it overflowed a default 8 MB stack. Far above what a person writes.
MAX_NESTING = 256
MAX_OPERATORS = 5000
_OPERATOR_CHARS = "/|^+-*&=<>!"
_OPERATOR_WORDS = ("UNION", "OPTIONAL", "MINUS")


def guarded_keywords(query: str, wanted: frozenset[str] = GUARDED_WORDS) -> frozenset[str]:
    """Which of `wanted` (upper-case) the query uses as bare words, as written or with its \\u escapes
    decoded (SPARQL allows them anywhere, so an engine that decodes them cannot be handed a hidden word).

    The text is tokenized only if one of `wanted` is a substring of it upper-cased: a word token
    upper-cased is a piece of the whole text upper-cased (str.upper maps each character on its own),
    so where no substring is found no token can be one of them.
    """
    found: set[str] = set()
    for text in _texts(query):
        upper = text.upper()
        if any(word in upper for word in wanted):
            found.update(word for word in keywords(text) if word in wanted)
            service = "SERVICE" in wanted and "SERVICE" in upper and "SERVICE" not in found
            if service and _may_read_service(text):
                found.add("SERVICE")
    return frozenset(found)


def _texts(query: str) -> list[str]:
    """The query as written and, if it has \\u escapes, as the parser reads it after decoding them."""
    if "\\u" in query or "\\U" in query:
        return [query, _decode_codepoint_escapes(query)]
    return [query]


def uses_federation(query: str, words: frozenset[str] | None = None) -> bool:
    """Whether the engine might read a SERVICE clause in the query, which would make it open connections.

    Found in a word (`SERVICE`, `SERVICESILENT`, `trueSERVICE`), in a prefixed name's prefix
    (`SERVICE:x`) or in a local part the parser cannot start with (`ex:.SERVICE`), and, inside
    parentheses, in an IRI or in what follows an `<` read as less-than. Not in strings, comments,
    variables, other prefixed names or IRIs outside parentheses. `words` is accepted for callers that
    scanned the query already; the answer does not depend on it.
    """
    del words
    return any("SERVICE" in text.upper() and _may_read_service(text) for text in _texts(query))


def _may_read_service(text: str) -> bool:
    return _scan_for_service(text, iri_in_parentheses=True) or _scan_for_service(
        text, iri_in_parentheses=False
    )


def _scan_for_service(text: str, iri_in_parentheses: bool) -> bool:
    """One reading of `text`: with `iri_in_parentheses` False, an `<` inside parentheses is an operator."""
    depth = 0
    position, end = 0, len(text)
    while position < end:
        token = _TOKEN.match(text, position)
        if token is None:  # pragma: no cover - the last alternative matches any character
            return True
        kind, value = token.lastgroup, token.group()
        if kind == "iri" and depth > 0:
            if not iri_in_parentheses:
                position += 1
                continue
            if "SERVICE" in value.upper():
                return True
        elif kind == "word" and "SERVICE" in value.upper():
            return True
        elif kind == "pname":
            prefix, _, local = value.partition(":")
            if "SERVICE" in prefix.upper() or (local[:1] in (".", "-") and "SERVICE" in local.upper()):
                return True
        elif kind == "other":
            if value == "(":
                depth += 1
            elif value == ")":
                depth = max(0, depth - 1)
        position = token.end()
    return False


class FederationRefused(ValueError):
    """A SERVICE clause this endpoint will not follow, with why and what is allowed."""


def check_federation(
    query: str, allowlist: tuple[str, ...] | None, words: frozenset[str] | None = None
) -> bool:
    """Refuse a query whose SERVICE clauses could reach an endpoint outside `allowlist`; True when the
    query is federated (and allowed), so that it goes to a worker that may open connections.

    `allowlist` None means federation is off: any SERVICE is refused. Otherwise every SERVICE
    must name, as a full IRI, an endpoint on the list, and the letters SERVICE may appear in the
    query nowhere else (not in a variable, a string, a comment or an IRI), so that no reading of
    the text the engine might make can hide another clause. `words` is ignored (older callers).
    """
    del words
    if not uses_federation(query):
        return False
    if allowlist is None:
        raise FederationRefused(
            "federated queries (SERVICE) are disabled on this endpoint. If SERVICE is not meant as a "
            "keyword here, it is written where the parser could read one: rename the prefix or write "
            "the IRI in full outside parentheses."
        )
    allowed = ", ".join(f"<{iri}>" for iri in allowlist) or "none"
    for text in _texts(query):
        clauses = list(_service_targets(text))
        for target in clauses:
            if target is None or not (target.startswith("<") and target.endswith(">")):
                raise FederationRefused(
                    f"SERVICE {target or '(nothing)'} is refused: name the endpoint as a full IRI, "
                    f"one of {allowed}."
                )
            if target[1:-1] not in allowlist:
                raise FederationRefused(
                    f"SERVICE {target} is not on this endpoint's allowlist; allowed: {allowed}."
                )
        occurrences = text.upper().count("SERVICE")
        if occurrences != len(clauses):
            raise FederationRefused(
                f"in a federated query the word SERVICE may appear only as the keyword of its SERVICE "
                f"clauses, each followed by an allowed endpoint ({allowed}); this query has it "
                f"{occurrences} times for {len(clauses)} such clauses: rename variables, prefixes or "
                "strings that contain it."
            )
    return True


def _service_targets(query: str) -> Iterator[str | None]:
    """The token naming the endpoint after each SERVICE word (and SILENT), None at the end of the text."""
    tokens = (m for m in _TOKEN.finditer(query) if m.lastgroup not in ("space", "comment"))
    for token in tokens:
        if token.lastgroup != "word" or token.group().upper() != "SERVICE":
            continue
        target = next(tokens, None)
        if target is not None and target.lastgroup == "word" and target.group().upper() == "SILENT":
            target = next(tokens, None)
        yield None if target is None else target.group()


class QueryTooComplex(ValueError):
    """A query nested or chained deeper than the endpoint evaluates, refused before evaluation."""


def check_complexity(query: str) -> None:
    """Refuse a query with more than MAX_NESTING brackets open at once or MAX_OPERATORS operators.

    Counted on the raw characters first (an upper bound: strings and IRIs hold slashes and
    brackets too), and on the query's tokens only when that bound is passed.
    """
    upper = query.upper()
    brackets = query.count("{") + query.count("(") + query.count("[")
    operators = sum(query.count(c) for c in _OPERATOR_CHARS) + sum(upper.count(w) for w in _OPERATOR_WORDS)
    if brackets <= MAX_NESTING and operators <= MAX_OPERATORS:
        return
    for text in _texts(query):
        depth = deepest = counted = 0
        for token in _TOKEN.finditer(text):
            kind, value = token.lastgroup, token.group()
            if kind == "other":
                if value in "{([":
                    depth += 1
                    deepest = max(deepest, depth)
                elif value in "})]":
                    depth = max(0, depth - 1)
                elif value in _OPERATOR_CHARS:
                    counted += 1
            elif kind == "word" and value.upper() in _OPERATOR_WORDS:
                counted += 1
        if deepest > MAX_NESTING:
            raise QueryTooComplex(
                f"the query nests {deepest} brackets deep; this endpoint evaluates at most {MAX_NESTING} "
                "levels of { }, ( ) and [ ] (see /sparql/limits). Flatten the nesting."
            )
        if counted > MAX_OPERATORS:
            raise QueryTooComplex(
                f"the query has {counted} operators (UNION, OPTIONAL, MINUS, path steps, arithmetic and "
                f"comparisons); this endpoint evaluates at most {MAX_OPERATORS} (see /sparql/limits). "
                "Use VALUES for long lists of alternatives."
            )
