"""Where a remote SPARQL engine holding our graphs lives, and the per-build names of graphs on it."""

from __future__ import annotations

from dataclasses import dataclass

from cdkg.namespaces import GRAPH

PHYSICAL_GRAPH_BASE = GRAPH + "build/"


class StoreConfigError(ValueError):
    """A store URL or recorded store that cannot be used, with what is wrong and how to write it."""


@dataclass(frozen=True)
class RemoteStoreConfig:
    """A remote engine's kind and the endpoints our code speaks to (never credentials)."""

    kind: str  # "oxigraph" | "virtuoso" | "sparql"
    query_url: str
    update_url: str | None
    graph_store_url: str | None

    @classmethod
    def parse(cls, url: str) -> RemoteStoreConfig:
        """Read a store URL such as `oxigraph+http://127.0.0.1:7878`; StoreConfigError says how to fix it."""
        raise NotImplementedError("RemoteStoreConfig.parse")

    def as_dict(self) -> dict:
        """The configuration as recorded in build.json."""
        raise NotImplementedError("RemoteStoreConfig.as_dict")

    @classmethod
    def from_dict(cls, data: dict) -> RemoteStoreConfig:
        """The configuration recorded by `as_dict`."""
        raise NotImplementedError("RemoteStoreConfig.from_dict")


def physical_graph(logical: str, build_id: str) -> str:
    """The engine's name for one build's copy of a logical graph of ours."""
    raise NotImplementedError("physical_graph")


def merged_default_graph(build_id: str) -> str:
    """The engine's name for one build's default graph, stored as the merge of its named graphs."""
    raise NotImplementedError("merged_default_graph")
