"""The `cdkg` command: build the graph, import Wikidata results, query it, serve it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from cdkg import __version__
from cdkg.config import DATA_DIR_ENV, resolve_data_dir
from cdkg.graph.datadir import DataDir, DataDirError
from cdkg.graph.remote_store import RemoteStoreError
from cdkg.graph.served import ServedGraph
from cdkg.web.endpoint_settings import DEFAULTS as ENDPOINT_DEFAULTS

DATA_DIR_HELP = (
    f"Where builds and imports live. Default: ${DATA_DIR_ENV} if set, "
    "else $XDG_DATA_HOME/cdkg (~/.local/share/cdkg)."
)

STORE_HELP = (
    "Where the build is held and served from: a remote SPARQL engine, e.g. oxigraph+http://127.0.0.1:7878, "
    "virtuoso+http://127.0.0.1:8890 or sparql+http://host/sparql?update=URL&store=URL, or `embedded`. "
    "Default: $CDKG_STORE, else the store of the published build. Credentials only from "
    "$CDKG_STORE_USER and $CDKG_STORE_PASSWORD."
)
store_option = click.option("--store", "store_url", default=None, metavar="URL", help=STORE_HELP)

PARTY_CLASS_OPTION = {
    "type": click.Choice(["actor", "local-government", "city", "region"]),
    "default": "actor",
    "show_default": True,
}


def _data_dir(ctx: click.Context) -> DataDir:
    return DataDir(ctx.obj["data_dir"])


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _store(data_dir: DataDir, store_url: str | None):
    """The remote store a build goes to (None: the embedded store); exits with the reason if unusable."""
    from cdkg.graph.remote_publication import chosen_store
    from cdkg.graph.store_config import StoreConfigError

    try:
        current = _published_or_newest(data_dir)
        return chosen_store(store_url, current.info if current else None)
    except (StoreConfigError, DataDirError) as exc:
        _fail(str(exc))


def _published_or_newest(data_dir: DataDir):
    """The published build, or if it is damaged the newest build that reads: what a new build or a
    server takes its store from."""
    try:
        return data_dir.current()
    except DataDirError as exc:
        click.echo(f"warning: {exc}", err=True)
        return data_dir.newest_readable()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP)
@click.version_option(__version__, prog_name="cdkg")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """City Diplomacy Knowledge Graph: build it, import Wikidata results, query and serve it.

    The graph is built from the ontology and curated triples the project ships, plus every
    Wikidata result file you import. Each build is published atomically: a failed or
    interrupted build leaves the previous graph serving.
    """
    ctx.ensure_object(dict)
    ctx.obj["data_dir"] = resolve_data_dir(data_dir)


@main.command()
@store_option
@click.pass_context
def build(ctx: click.Context, store_url: str | None) -> None:
    """Rebuild the graph from the shipped files and all imports, and publish it.

    With a remote store, the build is staged here as usual, then loaded into the engine under
    graph names of its own, counted, and only then published.
    """
    from cdkg.build import BuildError, build_graph

    data_dir = _data_dir(ctx)
    store = _store(data_dir, store_url)
    try:
        result = build_graph(data_dir, store=store)
    except (BuildError, DataDirError) as exc:
        _fail(str(exc))
    _print_build(result)


def _print_build(result) -> None:
    click.echo(f"published build {result.build_id}: {result.triples:,} triples in {result.seconds:.1f} s")
    if result.store is not None:
        click.echo(f"  held by the {result.store.kind} store at {result.store.query_url}")
    for graph, count in sorted(result.graphs.items()):
        click.echo(f"  {count:>9,}  {graph}")
    if result.validation is not None and result.validation.warnings:
        click.echo(result.validation.text(limit=20))


@main.command()
@click.option(
    "--scope",
    type=click.Choice(["all", "curated"]),
    default="all",
    show_default=True,
    help="all: the whole published graph, Wikidata imports included; "
    "curated: the curated files with the ontology (what a build checks).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="Print at most this many findings (0: all of them).",
)
@click.option("--no-warnings", is_flag=True, help="Print violations only.")
@click.pass_context
def validate(ctx: click.Context, scope: str, limit: int, no_warnings: bool) -> None:
    """Check the published graph against the SHACL shapes (ontology/shapes.ttl).

    Prints each finding with its severity, the file or import it comes from, the resource,
    the property path and what to do, then a summary with the time taken. Exits with
    status 1 when there is a violation; warnings alone exit 0.
    """
    import pyoxigraph as ox

    from cdkg.config import ShippedSources
    from cdkg.validate import ShapesError, load_shapes, validate_store

    data_dir = _data_dir(ctx)
    try:
        current = data_dir.current()
    except DataDirError as exc:
        _fail(str(exc))
    if current is None:
        _fail(f"no graph built yet in {data_dir.root}: run `cdkg build` first.")
    try:
        shapes = load_shapes(ShippedSources.default().ontology_dir)
        report = validate_store(ox.Store.read_only(str(current.store_path)), shapes, scope)
    except ShapesError as exc:
        _fail(str(exc))
    click.echo(f"validating build {current.build_id} ({scope})")
    click.echo(report.text(limit=limit or None, warnings=not no_warnings))
    if not report.conforms:
        sys.exit(1)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="Name of this source (default: the file name); re-importing a name replaces it.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "tsv", "json", "xml"]),
    help="Results format (default: from the extension).",
)
@click.option(
    "--subject-column",
    help="Column of the item that holds the P190 claim (default: city, item, ...).",
)
@click.option("--partner-column", help="Column of the twinned item (default: sister, twin, partner, ...).")
@click.option(
    "--subject-class",
    **PARTY_CLASS_OPTION,
    help="Class of the subject items, if the query restricted them (e.g. to Q515 city).",
)
@click.option(
    "--partner-class", **PARTY_CLASS_OPTION, help="Class of the partner items, if the query restricted them."
)
@click.option(
    "--label-language",
    help="Language tag for labels that carry none (CSV has no tags): "
    "e.g. it for a WDQS export made in Italian.",
)
@store_option
@click.pass_context
def import_(
    ctx: click.Context,
    file: Path,
    name: str | None,
    fmt: str | None,
    store_url: str | None,
    **columns: str | None,
) -> None:
    """Import a Wikidata Query Service result file of P190 twinnings into the graph.

    FILE is SPARQL results in CSV, TSV, JSON or XML, as WDQS downloads them, with a column
    for the item holding the claim and one for the twinned item; labels, populations,
    coordinates, statement IRIs and dated start/end (with their precision) are read when
    present. Prints what was read, merged and rejected.
    """
    from cdkg.build import BuildError, import_and_build
    from cdkg.ingest.results_file import ResultsFileError
    from cdkg.ingest.twinning_columns import ColumnError
    from cdkg.ingest.wikidata_import import ImportOptions, prepare_twinning_import

    options = ImportOptions(format=fmt, **columns)
    data_dir = _data_dir(ctx)
    store = _store(data_dir, store_url)
    try:
        prepared = prepare_twinning_import(file, options, name=name)
        result = import_and_build(data_dir, prepared, store=store)
    except (ResultsFileError, ColumnError, ValueError, BuildError, DataDirError) as exc:
        _fail(str(exc))
    click.echo(f"imported {file} as {prepared.graph_iri}")
    for line in result.summary.lines():
        click.echo(line)
    if result.build:
        _print_build(result.build)


@main.command()
@click.option(
    "--endpoint",
    default=None,
    help="SPARQL endpoint (default: the Wikidata Query Service; a mirror or QLever's "
    "Wikidata endpoint work the same).",
)
@click.option(
    "--refresh",
    is_flag=True,
    help="Ask the service again instead of using cached answers; the cache is replaced "
    "only when every batch is in.",
)
@click.option(
    "--network",
    "networks",
    multiple=True,
    metavar="QID",
    help="Also fetch P463 memberships in this city network (its Wikidata QID, checked by you; "
    "repeat for several). None are fetched without it.",
)
@store_option
@click.pass_context
def fetch(
    ctx: click.Context, endpoint: str | None, refresh: bool, networks: tuple[str, ...], store_url: str | None
) -> None:
    """Fetch P190 twinnings and their parties from Wikidata, then import and publish them.

    Runs the queries in queries/wikidata/ in batches (every item with a P190 statement, their
    statements with rank, dates at their precision and references, then the parties' labels,
    classes, country, coordinates, population and GeoNames ID; with --network, their memberships
    in those networks). Each answer is cached in the
    data directory, so an interrupted fetch resumes where it stopped and `cdkg build` works
    offline. A failure imports nothing and leaves the served graph as it was.
    """
    from cdkg.build import BuildError
    from cdkg.fetch import FetchError, fetch_wikidata
    from cdkg.ingest.wdqs import DEFAULT_ENDPOINT

    bars: dict[str, object] = {}

    def progress(step: str, done: int, total: int) -> None:
        bar = bars.get(step)
        if bar is None:
            bar = bars[step] = click.progressbar(
                length=total, label=f"{step:<20}", show_pos=True, file=sys.stderr
            )
            bar.__enter__()
        bar.update(1)
        if done == total:
            bar.__exit__(None, None, None)

    data_dir = _data_dir(ctx)
    store = _store(data_dir, store_url)
    try:
        result = fetch_wikidata(
            data_dir,
            endpoint=endpoint or DEFAULT_ENDPOINT,
            refresh=refresh,
            progress=progress,
            networks=networks,
            store=store,
        )
    except (FetchError, BuildError, DataDirError, ValueError) as exc:
        _fail(str(exc))
    counts = result.counts
    click.echo(
        f"batches: {counts.from_cache + counts.fetched} ({counts.fetched} fetched, "
        f"{counts.from_cache} from the cache), {counts.rows:,} result rows"
    )
    for line in result.imported.summary.lines():
        click.echo(line)
    if result.imported.build:
        _print_build(result.imported.build)


@main.command()
@click.argument("sparql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv", "xml", "turtle", "ntriples"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.pass_context
def query(ctx: click.Context, sparql: str, fmt: str) -> None:
    """Run a SPARQL query on the published graph and print the result.

    The project's prefixes (cdo:, status:, wd:, rdfs:, ...) are predefined; the default
    graph is the union of all named graphs. Use '-' to read the query from standard input.
    """
    from cdkg.namespaces import PREFIXES
    from cdkg.query_table import render_result

    if sparql == "-":
        sparql = sys.stdin.read()
    graph = ServedGraph(_data_dir(ctx))
    try:
        result = graph.query(sparql, prefixes=PREFIXES)
    except SyntaxError as exc:
        _fail(f"SPARQL syntax error: {exc}")
    except (DataDirError, RemoteStoreError) as exc:
        _fail(str(exc))
    try:
        click.echo(render_result(result, fmt), nl=False)
    except ValueError as exc:
        _fail(str(exc))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--column", required=True, help="Column holding the names to reconcile.")
@click.option("--country-column", help="Column holding each row's country (name in any language, or QID).")
@click.option(
    "--type", "types", multiple=True, help="Only candidates of this type or a subclass (e.g. City)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the reconciled CSV (default: <file>.reconciled.csv beside it).",
)
@click.pass_context
def reconcile(
    ctx: click.Context,
    file: Path,
    column: str,
    country_column: str | None,
    types: tuple[str, ...],
    out: Path | None,
) -> None:
    """Reconcile a CSV column against the published graph.

    Writes the rows back with the best candidate's IRI, Wikidata QID, name, score (0-100),
    whether it is a sure match, and the features behind the score.
    """
    from cdkg.matching import MatchingEngine
    from cdkg.matching.csv_reconcile import CsvReconcileError, reconcile_csv
    from cdkg.matching.evidence import InvalidQuery
    from cdkg.matching.index_file import open_build_index

    try:
        engine = MatchingEngine(open_build_index(ServedGraph(_data_dir(ctx)).current_build()))
        types = tuple(engine.resolve_type(value) for value in types)
    except (DataDirError, InvalidQuery, RemoteStoreError) as exc:
        _fail(str(exc))
    rows = sum(1 for _ in file.open(encoding="utf-8", errors="replace")) - 1
    try:
        with click.progressbar(length=max(rows, 0), label="Reconciling", file=sys.stderr) as bar:
            summary = reconcile_csv(
                engine,
                file,
                column,
                output=out,
                country_column=country_column,
                types=types,
                on_progress=bar.update,
            )
    except (CsvReconcileError, InvalidQuery) as exc:
        _fail(str(exc))
    click.echo(
        f"{summary.rows} rows: {summary.matched} matched, {summary.candidates_only} with candidates "
        f"to review, {summary.empty} empty -> {summary.output}"
    )


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
    from cdkg.graph.remote_publication import store_contradiction
    from cdkg.graph.store_config import StoreConfigError
    from cdkg.web.endpoint_settings import SettingsError
    from cdkg.web.server import ServerStartError
    from cdkg.web.server import serve as run_server

    data_dir = _data_dir(ctx)
    try:
        # Damage is the server's to report (it serves an intact older build, or 503 with the message);
        # the store is not opened here, in the process the server forks from.
        current = _published_or_newest(data_dir)
        contradiction = store_contradiction(store_url, current.info if current else None)
    except (DataDirError, StoreConfigError) as exc:
        _fail(str(exc))
    if contradiction:
        _fail(contradiction)
    if current is None:
        click.echo(f"no intact graph in {data_dir.root}: building the default graph")
        # The build runs in its own process: RocksDB's thread pool must not exist in the
        # process the server forks its workers from, or the workers hang when they exit.
        command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir.root), "build"]
        if store_url:
            command += ["--store", store_url]
        if subprocess.run(command, check=False).returncode != 0:
            _fail("the default graph could not be built; see the message above.")
        # A fresh graph is offered for download from the start (/dumps/, the dataset description).
        command = [sys.executable, "-m", "cdkg", "--data-dir", str(data_dir.root), "export"]
        if subprocess.run(command, check=False).returncode != 0:
            click.echo("the dumps could not be written (see above); serving without them", err=True)
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
        _fail(str(exc))


@main.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the data directory, the published build and the imported sources.

    Checks that the published build reads and its store opens; exits with status 1 naming what is
    damaged (and the older build served meanwhile, if one is intact).
    """
    from cdkg.graph.served import NoGraphError, intact_build

    data_dir = _data_dir(ctx)
    click.echo(f"data directory: {data_dir.root}")
    try:
        opened, damage = intact_build(data_dir)
    except NoGraphError:
        click.echo("no graph built yet: run `cdkg build`")
        return
    except DataDirError as exc:
        _fail(f"{exc} No intact build is left to serve meanwhile.")
    current = opened.build
    del opened
    info = current.info
    if damage:
        click.echo(f"damaged: {damage}", err=True)
        click.echo(f"served meanwhile: the build {current.build_id}, the newest intact one", err=True)
    click.echo(
        f"{'fallback' if damage else 'published'} build {current.build_id} ({info.get('built_at')}): "
        f"{info.get('triples', 0):,} triples"
    )
    store = info.get("store")
    if store:
        click.echo(f"store: {store['kind']} at {store['query_url']}")
        click.echo(f"  this build's default graph there: {info['remote_graphs']['default']}")
    else:
        click.echo(f"store: embedded, {current.store_path}")
    for source in current.info.get("sources", []):
        click.echo(f"  {source['kind']:<9} {source['file']:<30} -> {source['graph']}")
    if damage:
        sys.exit(1)


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write into. Default: the build's own dumps/, which `cdkg serve` offers at /dumps/.",
)
@click.option(
    "--formats",
    default="nq.gz,ttl,jsonld",
    show_default=True,
    help="Comma-separated: nq.gz (every named graph), ttl and jsonld (the default graph, their merge).",
)
@click.pass_context
def export(ctx: click.Context, out: Path | None, formats: str) -> None:
    """Write dumps of the published build, named by its id, with SHA-256 checksums (SHA256SUMS)."""
    from cdkg.export import ExportError, export_dumps, parse_formats
    from cdkg.graph.datadir import disk_full, disk_full_message

    data_dir = _data_dir(ctx)
    try:
        result = export_dumps(data_dir, parse_formats(formats), out)
    except Exception as exc:
        if disk_full(exc):
            _fail(disk_full_message(out or data_dir.root, "nothing of the export was kept"))
        if isinstance(exc, ExportError | DataDirError):
            _fail(str(exc))
        raise
    click.echo(f"exported build {result.manifest.build_id} into {result.directory}")
    for dump in result.manifest.files:
        click.echo(
            f"  {dump.bytes:>12,} bytes  {dump.statements:>9,} statements  {dump.name}  sha256 {dump.sha256}"
        )


@main.group()
def report() -> None:
    """Reports on the published graph for the people who edit its sources.

    Reports only read the published graph and write local files: nothing is ever sent to
    Wikidata or anywhere else.
    """


@report.command("wikidata-gaps")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Directory to write the three files into (created if missing; files there are replaced).",
)
@click.pass_context
def wikidata_gaps(ctx: click.Context, out: Path) -> None:
    """Twinnings stated on one side only, or with conflicting dates, for Wikidata editors.

    Reads the published graph and writes wikidata-gaps.csv (one row per finding),
    wikidata-gaps.html (a self-contained page) and wikidata-gaps.qs.txt: a QuickStatements V1
    batch that would add each missing reciprocal P190 statement on the partner item, with the
    same P580/P582 qualifiers and a reference URL (S854) to the other side's statement.
    Conflicting dates are reported but get no command.

    The tool never writes to Wikidata: review the batch, then run it yourself, under your own
    account, at quickstatements.toolforge.org if you judge it right.
    """
    from cdkg.report.gap_files import summary_lines, write_gap_report
    from cdkg.report.wikidata_gaps import find_wikidata_gaps

    try:
        gaps = find_wikidata_gaps(ServedGraph(_data_dir(ctx)))
        written = write_gap_report(gaps, out)
    except (DataDirError, RemoteStoreError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write the report into {out}: {exc}")
    for line in summary_lines(gaps, written):
        click.echo(line)
