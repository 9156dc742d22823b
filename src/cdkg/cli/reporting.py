"""Commands that check and hand out the graph: validate, status, export, reports."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cdkg.cli.group import (
    data_dir_of,
    fail,
    main,
)
from cdkg.graph.datadir import DataDirError
from cdkg.graph.remote.store import RemoteStoreError
from cdkg.graph.served import ServedGraph


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

    data_dir = data_dir_of(ctx)
    try:
        current = data_dir.current()
    except DataDirError as exc:
        fail(str(exc))
    if current is None:
        fail(f"no graph built yet in {data_dir.root}: run `cdkg build` first.")
    try:
        shapes = load_shapes(ShippedSources.default().ontology_dir)
        report = validate_store(ox.Store.read_only(str(current.store_path)), shapes, scope)
    except ShapesError as exc:
        fail(str(exc))
    click.echo(f"validating build {current.build_id} ({scope})")
    click.echo(report.text(limit=limit or None, warnings=not no_warnings))
    if not report.conforms:
        sys.exit(1)


@main.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the data directory, the published build and the imported sources.

    Checks that the published build reads and its store opens; exits with status 1 naming what is
    damaged (and the older build served meanwhile, if one is intact).
    """
    from cdkg.graph.served import NoGraphError, intact_build

    data_dir = data_dir_of(ctx)
    click.echo(f"data directory: {data_dir.root}")
    try:
        opened, damage = intact_build(data_dir)
    except NoGraphError:
        click.echo("no graph built yet: run `cdkg build`")
        return
    except DataDirError as exc:
        fail(f"{exc} No intact build is left to serve meanwhile.")
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
        named = source.get("name") or source["file"]
        click.echo(f"  {source['kind']:<9} {named:<30} -> {source['graph']}")
    for source in current.info.get("snapshots_superseded", []):
        if isinstance(source, dict) and {"kind", "name", "superseded_by"} <= source.keys():
            stand_in = source["superseded_by"]
            click.echo(f"  {source['kind']:<9} {source['name']:<30} left out: {stand_in} stands in")
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

    data_dir = data_dir_of(ctx)
    try:
        result = export_dumps(data_dir, parse_formats(formats), out)
    except Exception as exc:
        if disk_full(exc):
            fail(disk_full_message(out or data_dir.root, "nothing of the export was kept"))
        if isinstance(exc, ExportError | DataDirError):
            fail(str(exc))
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
        gaps = find_wikidata_gaps(ServedGraph(data_dir_of(ctx)))
        written = write_gap_report(gaps, out)
    except (DataDirError, RemoteStoreError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write the report into {out}: {exc}")
    for line in summary_lines(gaps, written):
        click.echo(line)
