"""Evaluate one query job on an open store and write its result, capped at a number of rows.

pyoxigraph's serializers write a whole result stream, so a capped SELECT takes its first rows in
Python, writes them as TSV (whose cells are the terms' N-Triples form) and lets pyoxigraph
re-read and write that in the chosen format: every format stays pyoxigraph's own. A SELECT that
cannot reach the cap (no cap, or its own LIMIT below it) is written by pyoxigraph directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from itertools import islice
from typing import TYPE_CHECKING

import pyoxigraph as ox

from cdkg.graph.query_jobs import (
    BOOLEAN,
    GRAPH,
    SOLUTIONS,
    NoAcceptableFormat,
    QueryAnswer,
    QueryEvaluationError,
    QueryJob,
    QuerySyntaxError,
    QueryTimeout,
)
from cdkg.graph.remote.errors import EngineCutResult, EngineTimeout
from cdkg.graph.sparql_tokens import trailing_limit
from cdkg.namespaces import PREFIXES

if TYPE_CHECKING:
    from cdkg.graph.remote.store import RemoteGraphStore


def evaluate(store: ox.Store | RemoteGraphStore, job: QueryJob) -> QueryAnswer:
    """The job's result, written; raises a QueryFailed subclass saying what went wrong.

    A remote engine answers CONSTRUCT and DESCRIBE with an iterator of triples, not QueryTriples. A
    SELECT it cut at its own row limit is sent cut, saying so, when the job caps rows anyway.
    """
    options: dict[str, object] = {}
    if job.base_iri is not None:
        options["base_iri"] = job.base_iri
    if job.default_graphs is not None or job.named_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or ()]
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or ()]
    try:
        # The query declares its own prefixes, as the protocol expects; `job.prefixes` only
        # make Turtle output readable.
        result = store.query(job.query, **options)
        if isinstance(result, ox.QueryBoolean):
            return _boolean(result, job)
        if isinstance(result, ox.QuerySolutions):
            return _solutions(result, job)
        return _graph(result, job)
    except EngineTimeout:
        raise QueryTimeout(job.timeout or 0) from None
    except EngineCutResult as cut:
        if not job.max_rows:
            raise QueryEvaluationError(str(cut)) from None
        return _solutions(cut.solutions, job, engine_limit=cut.limit)
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from None
    except (OSError, RuntimeError, ValueError) as exc:
        # Evaluation is lazy: a failure can surface while the results are being read.
        raise QueryEvaluationError(str(exc)) from None


def _boolean(result: ox.QueryBoolean, job: QueryJob) -> QueryAnswer:
    if job.solutions_format is None:
        raise NoAcceptableFormat(BOOLEAN)
    body = result.serialize(format=ox.QueryResultsFormat.from_media_type(job.solutions_format))
    return QueryAnswer(BOOLEAN, job.solutions_format, body, 1, False)


def _solutions(result: ox.QuerySolutions, job: QueryJob, engine_limit: int | None = None) -> QueryAnswer:
    """`engine_limit`: the row limit at which the engine holding the build already cut `result`."""
    if job.solutions_format is None:
        raise NoAcceptableFormat(SOLUTIONS)
    fmt = ox.QueryResultsFormat.from_media_type(job.solutions_format)
    cannot_reach_cap = (
        not job.max_rows or (limit := trailing_limit(job.query)) is not None and limit <= job.max_rows
    )
    if engine_limit is None and cannot_reach_cap:
        return QueryAnswer(SOLUTIONS, job.solutions_format, result.serialize(format=fmt), None, False)
    variables = result.variables
    rows = list(islice(result, job.max_rows + 1))
    # Past the cap, our own cut says all there is to say; at or below it, the engine's was first.
    engine_cut = engine_limit is not None and len(rows) <= job.max_rows
    truncated = engine_cut or len(rows) > job.max_rows
    if truncated:
        rows = rows[: job.max_rows]
    lines = ["\t".join(str(v) for v in variables)]
    for row in rows:
        lines.append("\t".join("" if (term := row[v]) is None else str(term) for v in variables))
    reread = ox.parse_query_results(("\n".join(lines) + "\n").encode("utf-8"), ox.QueryResultsFormat.TSV)
    body = reread.serialize(format=fmt)
    if truncated and job.truncation_link:
        body = _link_in_head(body, fmt, job.truncation_link)
    return QueryAnswer(SOLUTIONS, job.solutions_format, body, len(rows), truncated, engine_cut)


def _graph(result: Iterable[ox.Triple], job: QueryJob) -> QueryAnswer:
    if job.graph_format is None:
        raise NoAcceptableFormat(GRAPH)
    triples = list(islice(result, job.max_rows + 1)) if job.max_rows else list(result)
    truncated = bool(job.max_rows) and len(triples) > job.max_rows
    if truncated:
        triples = triples[: job.max_rows]
    fmt = ox.RdfFormat.from_media_type(job.graph_format)
    prefixes = (PREFIXES if job.prefixes is None else job.prefixes) if fmt == ox.RdfFormat.TURTLE else None
    body = ox.serialize(triples, format=fmt, prefixes=prefixes or None)
    if truncated and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES):
        note = (
            f"# Truncated to the first {len(triples)} triples; see {job.truncation_link or 'the headers'}.\n"
        )
        body = note.encode("utf-8") + body
    return QueryAnswer(GRAPH, job.graph_format, body, len(triples), truncated)


def _link_in_head(body: bytes, fmt: ox.QueryResultsFormat, link: str) -> bytes:
    """The SPARQL JSON or XML result with a `link` in its head, the place the formats give metadata."""
    if fmt == ox.QueryResultsFormat.JSON and body.startswith(b'{"head":{'):
        return b'{"head":{"link":[' + json.dumps(link).encode("utf-8") + b"]," + body[len(b'{"head":{') :]
    if fmt == ox.QueryResultsFormat.XML:
        head_end = body.find(b"</head>")
        if head_end >= 0:
            return body[:head_end] + f"<link href={_attribute(link)}/>".encode() + body[head_end:]
        empty_head = body.find(b"<head/>")
        if empty_head >= 0:
            element = f"<head><link href={_attribute(link)}/></head>".encode()
            return body[:empty_head] + element + body[empty_head + len(b"<head/>") :]
    return body


def _attribute(value: str) -> str:
    """`value` as a quoted XML attribute value (not xml.sax.saxutils.quoteattr: that module loads
    urllib.request and the HTTP client, about 12 MB in every query worker)."""
    return '"' + escape(value, quote=True) + '"'
