"""The stores the scale benchmark builds into, and each one's peer: the engine's own endpoint.

- embedded: no engine; the peer is `oxigraph serve-read-only` over the build's own store directory (the
  same files our server reads, nothing copied: a published store is never written again).
- oxigraph-server: `oxigraph serve` started by tests/engines; the peer is its `/query`.
- virtuoso: a private Virtuoso 7 started by tests/engines (random passwords, a digest-auth loader account);
  the peer is its `/sparql`. Its buffers are sized for the data (the harness's default suits test graphs).

A remote engine's peer gets the same dataset our server gives the engine: the build's merged default graph
and its named graphs under their per-build names, read from the published build.json.
"""

from __future__ import annotations

import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from _servers import ServerProcess, free_port

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.engines.oxigraph_server import OxigraphServer, oxigraph_program  # noqa: E402
from tests.engines.virtuoso import LOADER_USER, VirtuosoServer, virtuoso_programs  # noqa: E402

STORE_KINDS = ("embedded", "oxigraph-server", "virtuoso")
# 8 KB pages: about 2.6 GB of buffers, Virtuoso's advice for a machine that gives it 4 GB; the machine has 24.
VIRTUOSO_BUFFERS = 340_000


@dataclass
class Peer:
    """An engine endpoint answering the same queries as our server, on the same dataset."""

    name: str
    port: int
    path: str
    dataset: dict[str, list[str]] = field(default_factory=dict)

    def query_path(self, sparql: str) -> str:
        params = [("query", sparql)]
        for key, graphs in self.dataset.items():
            params += [(key, graph) for graph in graphs]
        return self.path + "?" + urllib.parse.urlencode(params)


class StoreUnderTest:
    """One kind of store for one size: its engine's life, the URL `cdkg --store` takes, its credentials."""

    def __init__(self, kind: str, workdir: Path) -> None:
        if kind not in STORE_KINDS:
            raise ValueError(f"unknown store {kind!r}: choose among {', '.join(STORE_KINDS)}")
        self.kind = kind
        self.workdir = workdir
        self.engine: OxigraphServer | VirtuosoServer | None = None
        self.peer_process: ServerProcess | None = None

    @staticmethod
    def missing_program(kind: str) -> str | None:
        """Why this store cannot be measured here (a program not installed), or None."""
        if kind in ("embedded", "oxigraph-server") and oxigraph_program() is None:
            return "the `oxigraph` program is missing: pip install -e '.[bench]'"
        if kind == "virtuoso" and virtuoso_programs() is None:
            return "Virtuoso is missing: apt-get install -y --no-install-recommends virtuoso-opensource-7-bin"
        return None

    def start_engine(self) -> None:
        engine_dir = self.workdir / f"engine-{self.kind}"
        engine_dir.mkdir(parents=True, exist_ok=True)
        if self.kind == "oxigraph-server":
            self.engine = OxigraphServer(engine_dir)
        elif self.kind == "virtuoso":
            self.engine = VirtuosoServer(engine_dir, buffers=VIRTUOSO_BUFFERS)
        if self.engine is not None:
            self.engine.start()

    @property
    def engine_session(self) -> int | None:
        """The engine's session id (it runs as the leader of its own session), for memory sampling."""
        return self.engine.pid if self.engine is not None else None

    @property
    def store_args(self) -> list[str]:
        """The `--store` option of `cdkg build` / `cdkg serve` for this store."""
        if self.engine is None:
            return []
        scheme = "oxigraph" if self.kind == "oxigraph-server" else "virtuoso"
        return ["--store", f"{scheme}+{self.engine.base_url}"]

    @property
    def environment(self) -> dict[str, str]:
        """The engine's write credentials, for our processes' environment only (never a command line)."""
        if isinstance(self.engine, VirtuosoServer):
            return {"CDKG_STORE_USER": LOADER_USER, "CDKG_STORE_PASSWORD": self.engine.loader_password}
        return {}

    def start_peer(self, build_info: dict, store_path: Path, log_dir: Path) -> Peer:
        """The engine's own endpoint for this build: started for the embedded store, the engine otherwise."""
        if self.engine is None:
            port = free_port()
            command = [oxigraph_program(), "serve-read-only", "--location", str(store_path)]
            command += ["--bind", f"127.0.0.1:{port}"]
            self.peer_process = ServerProcess(
                "oxigraph serve-read-only", command, port, "/query", log_dir / "peer.log"
            )
            self.peer_process.start()
            self.peer_process.wait_until_answering("/query?query=ASK%7B%7D", {}, deadline_seconds=120)
            return Peer("oxigraph serve-read-only", port, "/query")
        names = build_info["remote_graphs"]
        dataset = {"default-graph-uri": [names["default"]], "named-graph-uri": list(names["named"].values())}
        path = "/query" if self.kind == "oxigraph-server" else "/sparql"
        name = "oxigraph serve" if self.kind == "oxigraph-server" else "virtuoso"
        return Peer(
            name, self.engine.port if self.kind == "oxigraph-server" else self.engine.http_port, path, dataset
        )

    def stop(self) -> None:
        if self.peer_process is not None:
            self.peer_process.stop()
            self.peer_process = None
        if self.engine is not None:
            self.engine.stop()
            self.engine = None
