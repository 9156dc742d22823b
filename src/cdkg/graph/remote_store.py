"""A published build held by a remote SPARQL engine: read through the SPARQL 1.1 Protocol, loaded through
the Graph Store HTTP Protocol, under per-build graph names that readers never see."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pyoxigraph as ox

from cdkg.graph.store_config import RemoteStoreConfig


class RemoteStoreError(RuntimeError):
    """A remote engine failed or answered unusably: what failed, where, and what to check."""


class RemoteGraphStore:
    """What a reader needs of a published build held by a remote engine: the same calls our code makes
    on a read-only pyoxigraph Store (`query`, `quads_for_pattern`), with the same result types."""

    def __init__(
        self,
        config: RemoteStoreConfig,
        build_id: str,
        named_graphs: Sequence[str],
        *,
        timeout: float = 60,
    ) -> None:
        self.config = config
        self.build_id = build_id
        self.named_graphs = tuple(named_graphs)
        self.timeout = timeout

    def query(
        self,
        sparql: str,
        *,
        default_graph=None,
        named_graphs=None,
        use_default_graph_as_union: bool = False,
    ) -> ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]:
        """Run a query on this build's dataset; SyntaxError for a malformed query, RemoteStoreError else."""
        raise NotImplementedError("RemoteGraphStore.query")

    def quads_for_pattern(self, subject, predicate, object, graph_name=None) -> Iterator[ox.Quad]:
        """The quads matching a pattern in the build's default graph (or one logical named graph)."""
        raise NotImplementedError("RemoteGraphStore.quads_for_pattern")


class RemoteLoader:
    """The build's write side: per-build graphs in, counted, or dropped."""

    def __init__(self, config: RemoteStoreConfig, *, batch_triples: int = 50_000) -> None:
        self.config = config
        self.batch_triples = batch_triples

    def load_graph(self, physical: str, triples: Iterable[ox.Triple], expected: int) -> None:
        """Add `triples` to the graph `physical` in batches, then check the engine holds `expected`."""
        raise NotImplementedError("RemoteLoader.load_graph")

    def count(self, physical: str) -> int:
        """How many triples the engine holds in the graph `physical`."""
        raise NotImplementedError("RemoteLoader.count")

    def drop(self, physicals: Iterable[str]) -> None:
        """Remove these graphs from the engine (silently if absent)."""
        raise NotImplementedError("RemoteLoader.drop")
