"""How tests speak to a running engine: SPARQL 1.1 Protocol for queries and updates, Graph Store Protocol for loads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import requests
from requests.auth import AuthBase

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


@dataclass(frozen=True)
class RemoteEndpoint:
    """The addresses of one engine's services, the credentials its writes need, its bulk-load parameters."""

    name: str
    query_url: str
    update_url: str
    graph_store_url: str
    write_auth: AuthBase | None = field(default=None, repr=False)
    bulk_load_params: dict[str, str] = field(default_factory=dict)

    def get(
        self,
        query: str,
        accept: str = SPARQL_JSON,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        timeout: float = 60,
    ) -> requests.Response:
        """A query by GET with its dataset in `default-graph-uri` / `named-graph-uri` (both engines answer GET)."""
        params = {
            "query": query,
            "default-graph-uri": list(default_graphs),
            "named-graph-uri": list(named_graphs),
        }
        return requests.get(self.query_url, params=params, headers={"Accept": accept}, timeout=timeout)

    def select(
        self, query: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()
    ) -> list[dict]:
        """The bindings of a SELECT, each variable mapped to its value's lexical form."""
        response = self.get(query, default_graphs=default_graphs, named_graphs=named_graphs)
        response.raise_for_status()
        return [
            {name: term["value"] for name, term in row.items()}
            for row in response.json()["results"]["bindings"]
        ]

    def count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"])

    def ask(self, query: str, default_graphs: Sequence[str] = ()) -> bool:
        response = self.get(query, default_graphs=default_graphs)
        response.raise_for_status()
        return response.json()["boolean"]

    def update(self, update: str, timeout: float = 300) -> requests.Response:
        """A SPARQL Update by form POST (Virtuoso never answers a POST with a direct sparql-update body either)."""
        return requests.post(self.update_url, data={"update": update}, auth=self.write_auth, timeout=timeout)

    def put_graph(
        self,
        graph: str,
        data: bytes | Iterable[bytes],
        media_type: str = N_TRIPLES,
        bulk: bool = False,
        timeout: float = 3600,
    ) -> requests.Response:
        """Replace a named graph by the Graph Store Protocol; `bulk` adds the engine's bulk-load parameters."""
        params = {"graph": graph, **(self.bulk_load_params if bulk else {})}
        return requests.put(
            self.graph_store_url,
            params=params,
            data=data,
            headers={"Content-Type": media_type},
            auth=self.write_auth,
            timeout=timeout,
        )

    def post_graph(
        self, graph: str, data: bytes | Iterable[bytes], media_type: str = N_TRIPLES
    ) -> requests.Response:
        """Add triples to a named graph by the Graph Store Protocol."""
        return requests.post(
            self.graph_store_url,
            params={"graph": graph},
            data=data,
            headers={"Content-Type": media_type},
            auth=self.write_auth,
            timeout=600,
        )
