"""Oxigraph's own HTTP server (`oxigraph serve`, the `oxigraph` PyPI package) on a private port of 127.0.0.1.

Services of 0.5.13: `/query` and `/update` (SPARQL 1.1 Protocol, GET and POST), `/store?graph=IRI` (Graph
Store Protocol: GET, PUT, POST, DELETE, HEAD). On `/store`, `no_transaction` (any value) loads through the bulk
loader instead of one transaction, and `lenient` skips validation. The default graph is the store's real default
graph unless `--union-default-graph` is given (or `union-default-graph` per request). `serve-read-only` serves a
store another process does not write (the CLI calls concurrent writes undefined behaviour) and answers 403
to every write.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.engines.engine_process import EngineProcess, assert_loopback_only, free_port
from tests.engines.remote_endpoint import RemoteEndpoint

INSTALL_HINT = (
    "Oxigraph's server program `oxigraph` is not installed: pip install 'oxigraph==0.5.13' "
    "(it is in cdkg's test extra: pip install -e '.[test]')"
)
START_TIMEOUT_S = 30


def oxigraph_program() -> str | None:
    """The `oxigraph` program of this Python environment (its venv's bin), else the one on PATH."""
    beside_python = Path(sys.executable).parent / "oxigraph"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("oxigraph")


class OxigraphServer:
    """`oxigraph serve` over a store directory under `workdir`, bound to 127.0.0.1 only."""

    def __init__(self, workdir: Path, read_only: bool = False, timeout_s: int | None = None) -> None:
        self.workdir = workdir
        self.store_dir = workdir / "store"
        self.read_only = read_only
        self.timeout_s = timeout_s
        self.port = 0
        self.startup_seconds = 0.0
        self._process: EngineProcess | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self._process is not None, "the server is not running"
        return self._process.pid

    def start(self) -> OxigraphServer:
        program = oxigraph_program()
        if program is None:
            raise FileNotFoundError(INSTALL_HINT)
        self.port = free_port()
        argv = [program, "serve-read-only" if self.read_only else "serve"]
        argv += ["--location", str(self.store_dir), "--bind", f"127.0.0.1:{self.port}"]
        if self.timeout_s is not None:
            argv += ["--timeout-s", str(self.timeout_s)]
        self._process = EngineProcess("oxigraph", argv, self.workdir)
        self.startup_seconds = self._process.wait_until_answering(
            f"{self.base_url}/query?query=ASK%7B%7D", START_TIMEOUT_S
        )
        assert_loopback_only(self._process, {self.port})
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> RemoteEndpoint:
        return RemoteEndpoint(
            name="oxigraph-server",
            query_url=f"{self.base_url}/query",
            update_url=f"{self.base_url}/update",
            graph_store_url=f"{self.base_url}/store",
            bulk_load_params={"no_transaction": "true"},
        )
