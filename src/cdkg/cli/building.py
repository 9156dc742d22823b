"""Commands that make the graph: build, import a results file, fetch from Wikidata."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cdkg.cli.group import (
    PARTY_CLASS_OPTION,
    chosen_store_or_exit,
    data_dir_of,
    fail,
    main,
    store_option,
)
from cdkg.graph.datadir import DataDirError

SNAPSHOTS_HELP = (
    "Which snapshots of triples/snapshots/ to build in: `all`, `none`, or names separated by commas "
    "(wikidata-p190-2021, wikidata-p190-2016, gcom-mycovenant-2024, eurocities-members-2025). "
    "Default: $CDKG_SNAPSHOTS if set, else those of the published build, else all. "
    "After `cdkg fetch`, live Wikidata stands in for the Wikidata snapshots."
)


@main.command()
@store_option
@click.option("--snapshots", "snapshots_setting", default=None, metavar="NAMES", help=SNAPSHOTS_HELP)
@click.pass_context
def build(ctx: click.Context, store_url: str | None, snapshots_setting: str | None) -> None:
    """Rebuild the graph from the shipped files and all imports, and publish it.

    With a remote store, the build is staged here as usual, then loaded into the engine under
    graph names of its own, counted, and only then published.
    """
    from cdkg.build import BuildError, build_graph
    from cdkg.ingest.shipped_snapshots import NAMES, SnapshotChoiceError, snapshot_names

    data_dir = data_dir_of(ctx)
    store = chosen_store_or_exit(data_dir, store_url)
    snapshots = None
    if snapshots_setting is not None:
        try:
            snapshots = snapshot_names(snapshots_setting)
        except SnapshotChoiceError as exc:
            fail(f"--snapshots: {exc}")
        snapshots = NAMES if snapshots is None else snapshots
    try:
        result = build_graph(data_dir, store=store, snapshots=snapshots)
    except (BuildError, DataDirError) as exc:
        fail(str(exc))
    _print_build(result)


def _print_build(result) -> None:
    click.echo(f"published build {result.build_id}: {result.triples:,} triples in {result.seconds:.1f} s")
    if result.store is not None:
        click.echo(f"  held by the {result.store.kind} store at {result.store.query_url}")
    for graph, count in sorted(result.graphs.items()):
        click.echo(f"  {count:>9,}  {graph}")
    for snapshot in result.snapshots:
        if "superseded_by" in snapshot:
            stand_in = snapshot["superseded_by"]
            click.echo(f"  snapshot {snapshot['name']}: left out, {stand_in} stands in for it")
        elif not snapshot.get("reused"):
            click.echo(f"  snapshot {snapshot['name']}:")
            for line in snapshot.get("summary", []):
                click.echo(f"    {line}")
    if result.validation is not None and result.validation.warnings:
        click.echo(result.validation.text(limit=20))


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
    data_dir = data_dir_of(ctx)
    store = chosen_store_or_exit(data_dir, store_url)
    try:
        prepared = prepare_twinning_import(file, options, name=name)
        result = import_and_build(data_dir, prepared, store=store)
    except (ResultsFileError, ColumnError, ValueError, BuildError, DataDirError) as exc:
        fail(str(exc))
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

    data_dir = data_dir_of(ctx)
    store = chosen_store_or_exit(data_dir, store_url)
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
        fail(str(exc))
    counts = result.counts
    click.echo(
        f"batches: {counts.from_cache + counts.fetched} ({counts.fetched} fetched, "
        f"{counts.from_cache} from the cache), {counts.rows:,} result rows"
    )
    for line in result.imported.summary.lines():
        click.echo(line)
    if result.imported.build:
        _print_build(result.imported.build)
