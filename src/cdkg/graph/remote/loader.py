"""The build's write side of a remote engine: per-build graphs in by the Graph Store HTTP Protocol, counted,
or dropped by SPARQL Update."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from cdkg.graph.remote.http_client import RemoteStoreError, engine_session, refused, send
from cdkg.graph.remote.stand_ins import TermStandIns, stand_ins_for
from cdkg.graph.remote.store_config import RemoteStoreConfig

N_TRIPLES = "application/n-triples"
SPARQL_XML = "application/sparql-results+xml"
_DROPS_PER_REQUEST = 50
# Oxigraph's Graph Store loads without a transaction with this option: several times faster and lighter
# at 1M triples. Not atomic, which is fine for per-build graphs that no reader names before publication.
_BULK_OPTIONS = {"oxigraph": {"no_transaction": "true"}}


class RemoteLoader:
    """The build's write side: per-build graphs in, counted, or dropped."""

    def __init__(
        self, config: RemoteStoreConfig, *, batch_triples: int = 50_000, timeout: float = 600
    ) -> None:
        config.check_writable()
        if batch_triples < 1:
            raise ValueError(f"batch_triples must be at least 1, not {batch_triples}")
        self.config = config
        self.batch_triples = batch_triples
        self.timeout = timeout
        # Original IRI -> the stand-in this engine holds instead (see cdkg.graph.remote.stand_ins).
        self.stand_ins = stand_ins_for(config.kind)
        self._terms = TermStandIns(self.stand_ins)
        self._session = engine_session()

    def load_graph(self, physical: str, triples: Iterable[ox.Triple | ox.Quad], expected: int) -> None:
        """Add `triples` to the graph `physical` in batches, then check the engine holds `expected`.

        Each batch is N-Triples written by pyoxigraph from terms of our own store, so valid by construction
        (Virtuoso would load invalid N-Triples without complaint); each is sent whole with its
        Content-Length, since Virtuoso answers 201 to a chunked body and loads nothing. On a wrong count
        the graph is dropped and RemoteStoreError raised. IRIs the engine cannot hold as written are
        loaded as their stand-ins (`stand_ins`).
        """
        statements = (_triple_of(t, physical) for t in triples)
        if self._terms:
            statements = map(self._terms.triple, statements)
        for number, batch in enumerate(_batches(statements, self.batch_triples), start=1):
            body = ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)
            doing = f"loading batch {number} ({len(batch)} triples) into <{physical}>"
            response = send(
                self._session,
                "POST",
                self.config.graph_store_url,
                doing=doing,
                params={"graph": physical, **_BULK_OPTIONS.get(self.config.kind, {})},
                data=body,
                headers={"Content-Type": N_TRIPLES, "Content-Length": str(len(body))},
                timeout=self.timeout,
            )
            if response.status_code not in (200, 201, 204):
                raise refused(response, doing)
        held = self.count(physical)
        if held != expected:
            self.drop([physical])
            raise RemoteStoreError(
                f"the engine at {self.config.graph_store_url} holds {held} triples in <{physical}> after "
                f"loading, not the {expected} sent; the graph was dropped. Check the engine's log for "
                "lost writes (Virtuoso loses triples in very large requests: use smaller batches)."
            )

    def count(self, physical: str) -> int:
        """How many triples the engine holds in the graph `physical`."""
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{physical}> {{ ?s ?p ?o }} }}"
        doing = f"counting the triples of <{physical}>"
        response = send(
            self._session,
            "GET",
            self.config.query_url,
            doing=doing,
            params={"query": query, "named-graph-uri": physical},
            headers={"Accept": SPARQL_XML},
            timeout=self.timeout,
        )
        if response.status_code != 200:
            raise refused(response, doing)
        try:
            rows = list(ox.parse_query_results(response.content, ox.QueryResultsFormat.XML))
            return int(rows[0]["n"].value)
        except (SyntaxError, ValueError, IndexError, TypeError, AttributeError):
            raise RemoteStoreError(
                f"{doing}: the engine at {self.config.query_url} answered something that is not a count."
            ) from None

    def drop(self, physicals: Iterable[str]) -> None:
        """Remove these graphs from the engine (silently if absent)."""
        graphs = list(dict.fromkeys(physicals))
        for start in range(0, len(graphs), _DROPS_PER_REQUEST):
            chunk = graphs[start : start + _DROPS_PER_REQUEST]
            update = " ;\n".join(f"DROP SILENT GRAPH <{graph}>" for graph in chunk)
            doing = f"dropping {len(chunk)} graph(s) starting with <{chunk[0]}>"
            response = send(
                self._session,
                "POST",
                self.config.update_url,
                doing=doing,
                data={"update": update},
                timeout=self.timeout,
            )
            if response.status_code not in (200, 204):
                raise refused(response, doing)


def _batches(triples: Iterator[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    while batch := list(itertools.islice(triples, size)):
        yield batch


def _triple_of(statement: ox.Triple | ox.Quad, physical: str) -> ox.Triple:
    if isinstance(statement.subject, ox.BlankNode) or isinstance(statement.object, ox.BlankNode):
        raise ValueError(
            f"a blank node cannot be loaded into <{physical}>: an engine cannot name it across requests; "
            "skolemize blank nodes to IRIs before loading (see cdkg.graph.remote.publication)."
        )
    if isinstance(statement, ox.Quad):
        return statement.triple
    return statement
