"""`cdkg serve`: the server, its limits and its supervision."""

from __future__ import annotations

import subprocess
import sys
import threading

import click

from cdkg.cli.group import (
    data_dir_of,
    fail,
    main,
    published_or_newest,
)
from cdkg.graph.datadir import DataDirError
from cdkg.web.plumbing.endpoint_settings import DEFAULTS as ENDPOINT_DEFAULTS


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="Server processes; each has its own query workers and rate limit, so keep 1.",
)
@click.option(
    "--threads",
    default=None,
    type=int,
    help="Request threads per process (default: one per query worker, which it waits on, and one "
    "more for pages).",
)
@click.option(
    "--query-workers",
    default=ENDPOINT_DEFAULTS["CDKG_QUERY_WORKERS"],
    show_default=True,
    type=int,
    help="Processes evaluating queries.",
)
@click.option(
    "--query-timeout",
    default=ENDPOINT_DEFAULTS["CDKG_QUERY_TIMEOUT"],
    show_default=True,
    type=float,
    help="Seconds per query at most.",
)
@click.option(
    "--query-memory",
    default=ENDPOINT_DEFAULTS["CDKG_QUERY_MEMORY_MB"],
    show_default=True,
    type=click.IntRange(min=64),
    help="Megabytes a query's worker may hold while it evaluates; past it the query is stopped (503).",
)
@click.option(
    "--query-budget",
    default=ENDPOINT_DEFAULTS["CDKG_QUERY_BUDGET"],
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds of evaluation per minute per client, summed over its queries (429 beyond); 0: off.",
)
@click.option(
    "--quick-lane",
    default=ENDPOINT_DEFAULTS["CDKG_QUICK_LANE_SECONDS"],
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds a query may run on the worker kept for when all others are busy; 0: no such worker.",
)
@click.option(
    "--client-queries",
    default=ENDPOINT_DEFAULTS["CDKG_CLIENT_QUERIES"],
    show_default=True,
    type=click.IntRange(min=0),
    help="Queries one client may have running at once; 0: all query workers but one; as many as the "
    "workers (or more) lets one client use every worker.",
)
@click.option(
    "--max-rows",
    default=ENDPOINT_DEFAULTS["CDKG_MAX_ROWS"],
    show_default=True,
    type=int,
    help="Rows per result at most; 0: all.",
)
@click.option(
    "--rate-limit",
    default=ENDPOINT_DEFAULTS["CDKG_RATE_LIMIT"],
    show_default=True,
    type=int,
    help="Requests per minute per client; 0: off.",
)
@click.option(
    "--max-body",
    default=ENDPOINT_DEFAULTS["CDKG_MAX_BODY_BYTES"],
    show_default=True,
    type=int,
    help="Request body bytes at most.",
)
@click.option(
    "--federation",
    is_flag=True,
    help="Allow SERVICE (federated queries), only to the allowed endpoints (default: Wikidata's).",
)
@click.option(
    "--allow-service",
    "allow_service",
    multiple=True,
    metavar="IRI",
    help="An endpoint SERVICE may call (repeat for several; implies --federation).",
)
@click.option(
    "--public-url",
    default=None,
    metavar="URL",
    help="The address readers reach this server at, for the links on its pages (default: the "
    "address each request came to; also $CDKG_PUBLIC_URL). IRIs in the data never change.",
)
@click.option(
    "--store",
    "store_url",
    default=None,
    metavar="URL",
    help="The store the published build must be held by (default: $CDKG_STORE); the server always "
    "reads the store its build names, and refuses to start if this contradicts it. Builds made "
    "while serving take it from `cdkg build --store`.",
)
@click.option("--access-log", is_flag=True, help="Log each request (Granian's access log).")
@click.option(
    "--request-read-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds a client has to send a request's headers, then as many for its body (408 after).",
)
@click.option("--dev", is_flag=True, help="Use Flask's development server instead of Granian.")
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    workers: int,
    threads: int | None,
    query_workers: int,
    query_timeout: float,
    query_memory: int,
    query_budget: float,
    client_queries: int,
    quick_lane: float,
    max_rows: int,
    rate_limit: int,
    max_body: int,
    federation: bool,
    allow_service: tuple[str, ...],
    public_url: str | None,
    store_url: str | None,
    access_log: bool,
    request_read_timeout: float,
    dev: bool,
) -> None:
    """Serve the graph: SPARQL endpoint at /sparql, overview at /.

    Builds the default graph first if nothing has been built yet. A build or import
    published while serving is picked up without a restart. A query past --query-timeout
    is stopped; /sparql/limits tells clients the limits in force.
    """
    from cdkg.graph.remote.publication import store_contradiction
    from cdkg.graph.remote.store_config import StoreConfigError
    from cdkg.web.plumbing.endpoint_settings import SettingsError
    from cdkg.web.serving.server import ServerStartError
    from cdkg.web.serving.server import serve as run_server

    data_dir = data_dir_of(ctx)
    try:
        # Damage is the server's to report (it serves an intact older build, or 503 with the message);
        # the store is not opened here, in the process the server forks from.
        current = published_or_newest(data_dir)
        contradiction = store_contradiction(store_url, current.info if current else None)
    except (DataDirError, StoreConfigError) as exc:
        fail(str(exc))
    if contradiction:
        fail(contradiction)
    if current is None:
        click.echo(f"no intact graph in {data_dir.root}: building the default graph")
        # The build runs in its own process: RocksDB's thread pool must not exist in the
        # process the server forks its workers from, or the workers hang when they exit.
        command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir.root), "build"]
        if store_url:
            command += ["--store", store_url]
        if subprocess.run(command, check=False).returncode != 0:
            fail("the default graph could not be built; see the message above.")
        # A fresh graph is offered for download (/dumps/, the dataset description) as soon as its
        # dumps are written, beside the server: writing them takes as long as the build, and the
        # dumps page lists a build's files only once all of them are in place.
        command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir.root), "export"]
        click.echo("writing the dumps in the background; /dumps/ lists them when they are complete")
        export = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        threading.Thread(target=_report_export, args=(export,), daemon=True).start()
    click.echo(f"serving {data_dir.root} at http://{host}:{port}/sparql")
    limits = {
        "CDKG_QUERY_WORKERS": query_workers,
        "CDKG_QUERY_TIMEOUT": query_timeout,
        "CDKG_QUERY_MEMORY_MB": query_memory,
        "CDKG_QUERY_BUDGET": query_budget,
        "CDKG_CLIENT_QUERIES": client_queries,
        "CDKG_QUICK_LANE_SECONDS": quick_lane,
        "CDKG_MAX_ROWS": max_rows,
        "CDKG_RATE_LIMIT": rate_limit,
        "CDKG_MAX_BODY_BYTES": max_body,
        "CDKG_FEDERATION": federation or bool(allow_service),
        "CDKG_FEDERATION_ALLOWLIST": allow_service or ENDPOINT_DEFAULTS["CDKG_FEDERATION_ALLOWLIST"],
    }
    if public_url:
        limits["CDKG_PUBLIC_URL"] = public_url
    try:
        run_server(
            data_dir.root,
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            development=dev,
            access_log=access_log,
            request_read_timeout=request_read_timeout,
            **limits,
        )
    except (SettingsError, ServerStartError) as exc:
        fail(str(exc))


def _report_export(export: subprocess.Popen) -> None:
    if export.wait() != 0:
        click.echo("the dumps could not be written (see above); serving without them", err=True)
