"""Result formats of the SPARQL endpoint, and choosing one from `Accept` or a `format` parameter."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class ResultFormat:
    media_type: str
    names: tuple[str, ...]
    results: ox.QueryResultsFormat | None = None
    rdf: ox.RdfFormat | None = None


SOLUTION_FORMATS = (
    ResultFormat("application/sparql-results+json", ("json", "srj"), results=ox.QueryResultsFormat.JSON),
    ResultFormat("application/sparql-results+xml", ("xml", "srx"), results=ox.QueryResultsFormat.XML),
    ResultFormat("text/csv", ("csv",), results=ox.QueryResultsFormat.CSV),
    ResultFormat("text/tab-separated-values", ("tsv",), results=ox.QueryResultsFormat.TSV),
)
GRAPH_FORMATS = (
    # Turtle is a subset of N3, so a client asking for N3 can read it.
    ResultFormat("text/turtle", ("turtle", "ttl", "n3"), rdf=ox.RdfFormat.TURTLE),
    ResultFormat("application/n-triples", ("ntriples", "nt", "n-triples"), rdf=ox.RdfFormat.N_TRIPLES),
    ResultFormat("application/rdf+xml", ("rdfxml", "rdf", "xml", "rdf+xml"), rdf=ox.RdfFormat.RDF_XML),
    ResultFormat("application/ld+json", ("jsonld", "json-ld", "json"), rdf=ox.RdfFormat.JSON_LD),
)
# Media types clients send that mean one of the above.
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/plain": "application/n-triples",
    "text/n3": "text/turtle",
}


class NotAcceptable(ValueError):
    """None of the formats the client accepts can carry this kind of result."""


def choose_format(
    offered: tuple[ResultFormat, ...], accept: MIMEAccept, format_param: str | None
) -> ResultFormat:
    """The `format` parameter if given, else the best match for `Accept`, else the first offered."""
    if format_param:
        wanted = format_param.strip().lower()
        for fmt in offered:
            if wanted in fmt.names or wanted == fmt.media_type:
                return fmt
        raise NotAcceptable(not_acceptable_message(offered, format_param))
    if not accept:
        return offered[0]
    by_type = {fmt.media_type: fmt for fmt in offered}
    candidates = [fmt.media_type for fmt in offered]
    candidates += [alias for alias, target in ALIASES.items() if target in by_type]
    best = accept.best_match(candidates)
    if best is None:
        raise NotAcceptable(not_acceptable_message(offered, None))
    return by_type.get(best) or by_type[ALIASES[best]]


def acceptable_format(
    offered: tuple[ResultFormat, ...], accept: MIMEAccept, format_param: str | None
) -> ResultFormat | None:
    """Like `choose_format`, but None when nothing fits (the query may not give this kind of result)."""
    try:
        return choose_format(offered, accept, format_param)
    except NotAcceptable:
        return None


def not_acceptable_message(offered: tuple[ResultFormat, ...], format_param: str | None) -> str:
    """Why a result of this kind could not be sent, and what to ask for instead."""
    if format_param:
        names = ", ".join(fmt.names[0] for fmt in offered)
        return f"format={format_param!r} is not available for this result; use one of {names}."
    available = ", ".join(fmt.media_type for fmt in offered)
    return f"none of the accepted media types fits this result; available: {available}."


def prefers_html(accept: MIMEAccept, offered: tuple[ResultFormat, ...]) -> bool:
    """Whether a client's best match among `offered` and text/html is text/html (a browser)."""
    if not accept:
        return False
    candidates = [fmt.media_type for fmt in offered]
    candidates += [alias for alias, target in ALIASES.items() if target in candidates]
    # Listed last, so that `*/*` alone prefers a data format.
    return accept.best_match(candidates + ["text/html"]) == "text/html"


@dataclass(frozen=True)
class QueryFormats:
    """What one request to the endpoint may be answered in: the solution and the graph format its
    `Accept` and `format` allow (None where nothing fits), and whether `Accept` prefers a web page."""

    solutions: ResultFormat | None
    graph: ResultFormat | None
    prefers_html: bool


@lru_cache(maxsize=256)
def query_formats(accept_header: str | None, format_param: str | None) -> QueryFormats:
    """The formats for this `Accept` header (as sent) and `format` parameter, negotiated once.

    Clients send the same few headers again and again, so the answer is kept for the most recent
    ones (a bounded cache: a header is at most a request line long).
    """
    accept = parse_accept_header(accept_header, MIMEAccept)
    return QueryFormats(
        solutions=acceptable_format(SOLUTION_FORMATS, accept, format_param),
        graph=acceptable_format(GRAPH_FORMATS, accept, format_param),
        prefers_html=prefers_html(accept, SOLUTION_FORMATS + GRAPH_FORMATS),
    )
