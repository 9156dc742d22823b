"""A published build held by a remote SPARQL engine, read through the SPARQL 1.1 Protocol under per-build
graph names that readers never see: graph IRIs in queries become physical, and physical ones in answers
become logical again (a byte replace of the build's unique graph prefix, before parsing)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import requests

from cdkg.graph.remote.errors import EngineCutResult, EngineTimeout, RemoteStoreError
from cdkg.graph.remote.http_client import engine_message, engine_session, refused, send
from cdkg.graph.remote.loader import N_TRIPLES, SPARQL_XML, RemoteLoader
from cdkg.graph.remote.stand_ins import rename_to_stand_ins, restore_stood_in, stand_ins_for
from cdkg.graph.remote.store_config import (
    RemoteStoreConfig,
    build_graph_prefix,
    merged_default_graph,
    physical_graph,
)
from cdkg.graph.sparql_tokens import dataset_clauses, keywords, rewrite_graph_iris
from cdkg.namespaces import GRAPH

__all__ = ["EngineCutResult", "EngineTimeout", "RemoteGraphStore", "RemoteLoader", "RemoteStoreError"]

# Queries go by form POST: never by POST application/sparql-query, which Virtuoso never answers, and not
# by GET, whose URL requests re-encodes character by character (about 1 ms a query with our prefixes).
_FORM = "application/x-www-form-urlencoded"
# How long after its time limit an engine told of it may take to stop and say so.
_ENGINE_STOP_SECONDS = 10
# Virtuoso's ResultSetMaxRows when nobody changed it.
VIRTUOSO_DEFAULT_MAX_ROWS = 10_000
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# Virtuoso's words for a query refused on its cost estimate (MaxQueryCostEstimationTime), before it runs.
_COST_REFUSAL = re.compile(r"estimated execution time -?\d+ \(sec\) exceeds the limit")


class RemoteGraphStore:
    """What a reader needs of a published build held by a remote engine: the same calls our code makes
    on a read-only pyoxigraph Store (`query`, `quads_for_pattern`), with the same result types.

    `named_graphs` are the build's logical named graphs. `engine_max_rows` is the engine's own cap on
    result rows (Virtuoso's ResultSetMaxRows, 10,000 unless given): a CONSTRUCT or DESCRIBE answer that
    reaches it may have been cut without a sign, so it is refused, and quads_for_pattern pages below it.
    `timeout` bounds each request, and Virtuoso is told it too, so that the engine's work stops with it.
    `stand_ins` are the IRIs the build was loaded with in place of others (the loader's, by default):
    queries name the stand-ins, answers the originals.
    """

    def __init__(
        self,
        config: RemoteStoreConfig,
        build_id: str,
        named_graphs: Sequence[str],
        *,
        timeout: float = 60,
        engine_max_rows: int | None = None,
        stand_ins: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.build_id = build_id
        self.named_graphs = tuple(named_graphs)
        self.timeout = timeout
        if engine_max_rows is None and config.kind == "virtuoso":
            engine_max_rows = VIRTUOSO_DEFAULT_MAX_ROWS
        self.engine_max_rows = engine_max_rows
        self.stand_ins = dict(stand_ins_for(config.kind) if stand_ins is None else stand_ins)
        self._prefix = build_graph_prefix(build_id)
        self._merged = merged_default_graph(build_id)
        self._physical_named = [self._rename(graph) for graph in self.named_graphs]
        # Named in place of an empty graph list: Virtuoso reads an absent list as "every graph".
        self._empty = self._prefix + "empty"
        self._session = engine_session()

    def __repr__(self) -> str:
        return f"RemoteGraphStore({self.config.query_url}, build {self.build_id})"

    def close(self) -> None:
        """Close the connections kept open to the engine."""
        self._session.close()

    def query(
        self,
        sparql: str,
        *,
        default_graph=None,
        named_graphs=None,
        use_default_graph_as_union: bool = False,
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run a query on this build's dataset; SyntaxError for a malformed query, RemoteStoreError else
        (EngineCutResult for a SELECT result the engine cut at its row limit).

        Without `default_graph`, `named_graphs` or FROM clauses the dataset is the build's: its merged
        default graph and its named graphs (`use_default_graph_as_union` asks for the same). Results come
        as pyoxigraph's own types, so they serialize and compare as the embedded store's do.
        """
        text = _prologue(prefixes, base_iri) + sparql
        text = rewrite_graph_iris(text, self._rename)
        default, named = self._dataset(text, default_graph, named_graphs)
        form = next((word for word in keywords(text) if word in _FORMS), "SELECT")
        graph_result = form in ("CONSTRUCT", "DESCRIBE")
        if self.config.kind != "oxigraph":
            text, named = self._only_graphs_in_dataset(text, named)
        response = self._send(
            text, default, named, N_TRIPLES if graph_result else SPARQL_XML, cut_allowed=not graph_result
        )
        body = response.content.replace(self._prefix.encode(), GRAPH.encode())
        if self.stand_ins:
            body = restore_stood_in(body, self.stand_ins)
        if graph_result:
            return self._triples(body)
        try:
            solutions = ox.parse_query_results(body, ox.QueryResultsFormat.XML)
        except (SyntaxError, ValueError) as error:
            raise RemoteStoreError(
                f"the engine at {self.config.query_url} answered results that are not SPARQL XML ({error})."
            ) from None
        if "X-SPARQL-MaxRows" in response.headers:
            limit = response.headers["X-SPARQL-MaxRows"]
            raise EngineCutResult(self._cut_message(limit), solutions, int(limit) if limit.isdigit() else 0)
        return solutions

    def quads_for_pattern(self, subject, predicate, object, graph_name=None) -> Iterator[ox.Quad]:
        """The quads matching a pattern in the build's default graph (DefaultGraph), one logical named
        graph, or, with graph_name None, all of them, as a pyoxigraph Store would give them."""
        if any(isinstance(term, ox.BlankNode) for term in (subject, predicate, object, graph_name)):
            return iter(())
        s, p, o = (
            "?s" if subject is None else str(subject),
            "?p" if predicate is None else str(predicate),
            "?o" if object is None else str(object),
        )
        triple = f"{s} {p} {o} ."
        if graph_name is None:
            pattern = f"{{ {triple} }} UNION {{ GRAPH ?g {{ {triple} }} }}"
        elif isinstance(graph_name, ox.DefaultGraph):
            pattern = triple
        else:
            pattern = f"GRAPH {graph_name} {{ {triple} }}"
        return self._matching_quads(pattern, subject, predicate, object, graph_name)

    def _matching_quads(self, pattern: str, subject, predicate, object, graph_name) -> Iterator[ox.Quad]:
        select = f"SELECT ?s ?p ?o ?g WHERE {{ {pattern} }}"
        # Below the engine's limit: Virtuoso flags a result that reaches it as cut.
        page = None if self.engine_max_rows is None else max(1, self.engine_max_rows - 1)
        offset = 0
        while True:
            query = select
            if page is not None:
                # Pages of an ordered subquery: an ordered top level with OFFSET hits Virtuoso's sort limit.
                ordered = f"{{ {select} ORDER BY ?s ?p ?o ?g }}"
                query = f"SELECT ?s ?p ?o ?g WHERE {ordered} OFFSET {offset} LIMIT {page}"
            rows = 0
            for row in self.query(query):
                rows += 1
                graph = row["g"] if graph_name is None else graph_name
                yield ox.Quad(
                    row["s"] if subject is None else subject,
                    row["p"] if predicate is None else predicate,
                    row["o"] if object is None else object,
                    ox.DefaultGraph() if graph is None else graph,
                )
            if page is None or rows < page:
                return
            offset += page

    def _rename(self, logical: str) -> str:
        """The physical name of any graph a query names: ours per build, others as empty graphs of the build
        (a shared engine's other graphs, its system graphs or other builds are never readable)."""
        if logical.startswith(self._prefix):
            return logical
        if logical.startswith(GRAPH):
            return physical_graph(logical, self.build_id)
        return self._prefix + "outside/" + quote(logical, safe="")

    def _dataset_graph(self, graph) -> str:
        if isinstance(graph, ox.DefaultGraph):
            return self._merged
        if isinstance(graph, ox.BlankNode):
            return self._empty
        return self._rename(graph.value if isinstance(graph, ox.NamedNode) else str(graph))

    def _dataset(self, query: str, default_graph, named_graphs) -> tuple[list[str], list[str]]:
        if default_graph is not None or named_graphs is not None:
            if default_graph is None:
                default = [self._merged]
            else:
                graphs = default_graph if isinstance(default_graph, list | tuple) else [default_graph]
                default = [self._dataset_graph(graph) for graph in graphs]
            named = (
                list(self._physical_named)
                if named_graphs is None
                else [self._dataset_graph(graph) for graph in named_graphs]
            )
        else:
            default, named = dataset_clauses(query)
            if not default and not named:
                default, named = [self._merged], list(self._physical_named)
        if self.config.kind != "oxigraph":
            default, named = default or [self._empty], named or [self._empty]
        return default, named

    def _only_graphs_in_dataset(self, query: str, named: list[str]) -> tuple[str, list[str]]:
        """`GRAPH <g>` for a g outside the named graphs becomes the build's empty graph, added to them.

        Virtuoso 7.2 answers a pattern on a graph outside the dataset as matching once when none of its
        variables is needed (ASK true, COUNT(*) 1); on a named graph of the dataset that holds nothing
        it answers correctly.
        """
        known = set(named)
        query = rewrite_graph_iris(query, lambda g: g if g in known else self._empty, clauses=("GRAPH",))
        return query, named if self._empty in known else [*named, self._empty]

    def _send(
        self, query: str, default: list[str], named: list[str], accept: str, cut_allowed: bool = False
    ) -> requests.Response:
        """The engine's answer; a result it cut at its row limit is refused unless `cut_allowed`."""
        if self.stand_ins:
            query = rename_to_stand_ins(query, self.stand_ins)
        params = [("query", query), *(("default-graph-uri", g) for g in default)]
        params += [("named-graph-uri", g) for g in named]
        waited = self.timeout
        if self.config.kind == "virtuoso":
            # Milliseconds; past them Virtuoso stops and flags what it sends as incomplete (S1TAT),
            # a second or two later: the client waits that long more, to hear it.
            params.append(("timeout", str(max(1, round(self.timeout * 1000)))))
            waited += _ENGINE_STOP_SECONDS
        encoded = urlencode(params)
        doing = "querying the remote store"
        headers = {"Accept": accept, "Content-Type": _FORM}
        response = send(
            self._session,
            "POST",
            self.config.query_url,
            data=encoded,
            headers=headers,
            timeout=waited,
            doing=doing,
        )
        if response.status_code == 400:
            message = self._logical(engine_message(response))
            raise SyntaxError(f"the query was refused by the SPARQL engine: {message}")
        if response.status_code != 200:
            if _COST_REFUSAL.search(response.text):
                raise RemoteStoreError(
                    f"the engine at {self.config.query_url} refused the query before running it: its "
                    "estimate of the work passes its limit. Make the query narrower (give its patterns more "
                    "constants, avoid unconnected patterns) or raise the engine's limit (Virtuoso: "
                    "MaxQueryCostEstimationTime in the [SPARQL] section of virtuoso.ini)."
                )
            error = refused(response, doing)
            raise RemoteStoreError(self._logical(str(error)))
        if "X-SPARQL-MaxRows" in response.headers and not cut_allowed:
            raise RemoteStoreError(self._cut_message(response.headers["X-SPARQL-MaxRows"]))
        if response.headers.get("X-SQL-State") == "S1TAT":
            raise EngineTimeout(
                f"the engine at {self.config.query_url} stopped the query at its time limit of "
                f"{self.timeout:g} s."
            )
        if "X-SQL-State" in response.headers:
            raise RemoteStoreError(
                f"the engine at {self.config.query_url} answered a partial result "
                f"({response.headers['X-SQL-State']}: {response.headers.get('X-SQL-Message', '')}); it ran "
                "out of time: simplify the query or raise the engine's MaxQueryExecutionTime."
            )
        return response

    def _logical(self, message: str) -> str:
        """An engine's message with the build's graph names and the stand-in IRIs as readers know them."""
        return restore_stood_in(message.replace(self._prefix, GRAPH), self.stand_ins)

    def _cut_message(self, limit: str) -> str:
        return (
            f"the engine at {self.config.query_url} cut the result at its limit of {limit} rows; ask for "
            "fewer rows (LIMIT, OFFSET) or raise the engine's limit (Virtuoso: ResultSetMaxRows in the "
            "[SPARQL] section of virtuoso.ini)."
        )

    def _triples(self, body: bytes) -> ox.QueryTriples:
        held = ox.Store()
        try:
            held.load(body, ox.RdfFormat.N_TRIPLES)
        except (SyntaxError, ValueError) as error:
            raise RemoteStoreError(
                f"the engine at {self.config.query_url} answered a graph that is not N-Triples ({error})."
            ) from None
        if self.engine_max_rows is not None and len(held) >= self.engine_max_rows:
            raise RemoteStoreError(
                f"the engine at {self.config.query_url} answered {len(held)} triples, at its limit of "
                f"{self.engine_max_rows} rows, so the graph may have been cut without a sign; ask for less "
                "(LIMIT) or raise the engine's limit (Virtuoso: ResultSetMaxRows in virtuoso.ini) and tell "
                "cdkg (engine_max_rows)."
            )
        return held.query("CONSTRUCT WHERE { ?s ?p ?o }")


def _prologue(prefixes: dict[str, str] | None, base_iri: str | None) -> str:
    """Declarations for Store.query's `prefixes` and `base_iri`, put first so the query's own win."""
    lines = [f"BASE <{base_iri}>"] if base_iri else []
    lines += [f"PREFIX {name}: <{iri}>" for name, iri in (prefixes or {}).items()]
    return "\n".join(lines) + "\n" if lines else ""
