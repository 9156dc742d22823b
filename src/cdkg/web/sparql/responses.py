"""The endpoint's words for its limits: syntax errors, timeouts, cut results and the limits page."""

from __future__ import annotations

from cdkg.graph.query_jobs import QuerySyntaxError
from cdkg.web.plumbing.endpoint_settings import EndpointSettings
from cdkg.web.sparql.guard import MAX_NESTING, MAX_OPERATORS


def syntax_error_text(error: QuerySyntaxError, query: str) -> str:
    """The parser's message with its line and column, and the line of the query marked there."""
    if error.line is None or error.column is None:
        return f"SPARQL syntax error: {error.message}"
    text = f"SPARQL syntax error at line {error.line}, column {error.column}: {error.reason}"
    lines = query.splitlines()
    if 0 < error.line <= len(lines):
        line = lines[error.line - 1]
        caret = " " * (min(error.column, len(line) + 1) - 1) + "^"
        text += f"\n\n  {line}\n  {caret}"
    return text


def timeout_text(seconds: float, settings: EndpointSettings) -> str:
    return (
        f"the query ran longer than its time limit of {seconds:g} s and was stopped. "
        "Make it cheaper (more selective patterns, a LIMIT, fewer OPTIONALs), or page through it. "
        f"This endpoint allows at most {settings.query_timeout:g} s per query; a request may ask for "
        "less with the `timeout` parameter (seconds), e.g. timeout=5."
    )


def truncation_headers(
    max_rows: int, graph: bool, limits_url: str, cut_by_engine: bool = False
) -> dict[str, str]:
    """Headers saying a result was cut at the row cap (or, first, at the limit of the SPARQL engine
    holding the graph), and how to get the rest."""
    unit = "triples" if graph else "rows"
    cut = (
        f"the SPARQL engine holding this graph cut the result at its limit of {max_rows} {unit}; "
        f"these are its first {max_rows}. "
        if cut_by_engine
        else f"the result has more than {max_rows} {unit}; only the first {max_rows} are sent. "
    )
    return {
        # The header Virtuoso sends on a cut result, which some clients already look for.
        "X-SPARQL-MaxRows": str(max_rows),
        "CDKG-Results-Truncated": (
            cut + f"Page through it: add ORDER BY and LIMIT {max_rows}, then OFFSET {max_rows}, "
            f"OFFSET {2 * max_rows}, ..."
        ),
        "Link": f'<{limits_url}>; rel="describedby"',
    }


def limits_text(settings: EndpointSettings) -> str:
    rows = f"{settings.max_rows}" if settings.max_rows else "no limit on the number of"
    rate = (
        f"{settings.rate_limit} requests per minute per client address (429 with Retry-After beyond)"
        if settings.rate_limit
        else "no rate limit"
    )
    federation = (
        "SERVICE to " + ", ".join(f"<{iri}>" for iri in settings.federation_allowlist)
        if settings.federation_allowlist is not None
        else "no federated queries (SERVICE)"
    )
    budget = (
        f"{settings.query_budget:g} s of evaluation per minute per client address, summed over its "
        "queries (429 with Retry-After beyond)"
        if settings.query_budget
        else "no budget per client"
    )
    lane = (
        f"one more worker answers queries that need at most {settings.quick_lane_seconds:g} s "
        "(503 with Retry-After beyond)"
        if settings.quick_lane_seconds
        else "queries wait for a worker until their time limit"
    )
    return "\n".join(
        [
            "Limits of this SPARQL endpoint",
            "",
            f"- time: {settings.query_timeout:g} s per query, counted from the request's arrival; ask for "
            "less with timeout=<seconds>.",
            f"- memory: {settings.query_memory_mb} MB per query (503 with CDKG-Query-Memory-Limit beyond).",
            f"- evaluation time: {budget}.",
            f"- queries at once: {settings.client_queries} per client address, of {settings.query_workers} "
            "workers; the last free worker goes to a client with none running (429 beyond).",
            f"- while every worker is busy: {lane}.",
            f"- nesting: {MAX_NESTING} levels of brackets and {MAX_OPERATORS} operators per query "
            "(400 beyond).",
            f"- rows: {rows} rows per result (triples for CONSTRUCT and DESCRIBE).",
            f"- requests: {rate}.",
            f"- request body: {settings.max_body_bytes} bytes.",
            f"- federation: {federation}.",
            "",
            "A result cut at the row limit says so: the header CDKG-Results-Truncated, X-SPARQL-MaxRows,",
            "and in SPARQL JSON and XML results a link to this page in the head. To get every row, page",
            "through the result with a stable order:",
            "",
            f"  SELECT ... WHERE {{ ... }} ORDER BY ?x LIMIT {settings.max_rows or 10000} OFFSET 0",
            f"  SELECT ... WHERE {{ ... }} ORDER BY ?x LIMIT {settings.max_rows or 10000} "
            f"OFFSET {settings.max_rows or 10000}",
            "  ... until a page comes back with fewer rows than the limit.",
        ]
    )
