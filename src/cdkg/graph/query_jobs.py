"""What a query worker is asked to do and what it answers: plain values that cross a process pipe."""

from __future__ import annotations

import re
from dataclasses import dataclass

SOLUTIONS = "solutions"
BOOLEAN = "boolean"
GRAPH = "graph"


@dataclass(frozen=True)
class QueryJob:
    """One query to evaluate on a published build, and how to write its result.

    `default_graphs`/`named_graphs` of None keep the query's own dataset (its FROM clauses, else
    the store's default graph and all named graphs); tuples replace it, as the protocol's
    `default-graph-uri`/`named-graph-uri` do. A format of None means the client accepts no
    format for that kind of result. `max_rows` of 0 means no cap. `prefixes` make Turtle output
    readable; None means the project's own (cdkg.namespaces), so a job need not carry them.
    `remote` holds the `store` and `remote_graphs` entries of a build held by a remote engine
    (then `store_path` is not read), and `timeout` the seconds the engine is given to answer.
    `base_iri` resolves the query's relative IRIs where it declares no BASE (the endpoint's URL).
    """

    store_path: str
    query: str
    solutions_format: str | None
    graph_format: str | None
    max_rows: int = 0
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    prefixes: dict[str, str] | None = None
    truncation_link: str | None = None
    build_id: str = ""
    remote: dict | None = None
    timeout: float | None = None
    base_iri: str | None = None


@dataclass(frozen=True)
class QueryAnswer:
    """A result written in the chosen format; `truncated` when rows beyond `max_rows` were left out.

    `rows` is None when the result was written without being counted (it could not reach the cap).
    `cut_by_engine` when the remote engine holding the build cut it first, below the cap, at `rows`.
    """

    kind: str
    media_type: str
    body: bytes
    rows: int | None
    truncated: bool
    cut_by_engine: bool = False


class QueryFailed(Exception):
    """A query that produced no result; the message is meant for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QuerySyntaxError(QueryFailed):
    """The parser refused the query; `line` and `column` (1-based) say where, when it told."""

    _POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)

    def __init__(self, message: str) -> None:
        super().__init__(message)
        found = self._POSITION.match(message)
        self.line = int(found.group(1)) if found else None
        self.column = int(found.group(2)) if found else None
        self.reason = found.group(3) if found else message

    def __reduce__(self):
        return (type(self), (self.message,))


class QueryEvaluationError(QueryFailed):
    """The engine failed while evaluating the query (a store or expression error)."""


class NoAcceptableFormat(QueryFailed):
    """The result is of a kind (solutions, boolean, graph) the client accepts no format for."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"no acceptable format for a {kind} result")
        self.kind = kind

    def __reduce__(self):
        return (type(self), (self.kind,))


class QueryTimeout(QueryFailed):
    """The query ran past its time limit and its worker was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query ran longer than {seconds:g} s and was stopped")
        self.seconds = seconds

    def __reduce__(self):
        return (type(self), (self.seconds,))


class WorkersBusy(QueryFailed):
    """Every query worker stayed busy for as long as the query was allowed to wait."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"every query worker was busy for {seconds:g} s")
        self.seconds = seconds

    def __reduce__(self):
        return (type(self), (self.seconds,))


class QueryMemoryExceeded(QueryFailed):
    """The query's worker grew past its memory ceiling and was stopped."""

    def __init__(self, megabytes: int) -> None:
        super().__init__(f"the query needed more than {megabytes} MB of memory and was stopped")
        self.megabytes = megabytes

    def __reduce__(self):
        return (type(self), (self.megabytes,))


class WorkerCrashed(QueryFailed):
    """The engine brought its worker process down while evaluating the query (a signal, not an answer)."""


class QueryWorkerError(QueryFailed):
    """A worker process died or could not start; the query may be retried."""
