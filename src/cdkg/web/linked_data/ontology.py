"""`/ontology`: the ontology's IRI in local form, as pyLODE documentation or as RDF by `Accept`.

Term IRIs are `https://w3id.org/cdkg/ontology#Term`, so they all resolve here; the HTML page
anchors each term at its fragment. The RDF is the published build's ontology graph, so the page,
the RDF and the SPARQL endpoint always describe the same ontology.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from cdkg.graph.datadir import DOCUMENTATION_FILE, DataDirError
from cdkg.namespaces import ONTOLOGY, ONTOLOGY_GRAPH, OWL, PREFIXES
from cdkg.web.plumbing.app_state import served_graph
from cdkg.web.plumbing.formats import GRAPH_FORMATS, ResultFormat
from cdkg.web.plumbing.negotiation import alternate_links, by_extension, negotiate

blueprint = Blueprint("ontology", __name__)

HTML = ResultFormat("text/html", ("html",))
# HTML first: browsers and `Accept: */*` get the documentation.
ONTOLOGY_FORMATS = (HTML, *GRAPH_FORMATS)
EXTENSIONS = {"html": HTML, "ttl": GRAPH_FORMATS[0], "nt": GRAPH_FORMATS[1]}
EXTENSIONS |= {"rdf": GRAPH_FORMATS[2], "jsonld": GRAPH_FORMATS[3]}
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"


@blueprint.route("/ontology")
def ontology() -> Response:
    return _negotiated()


@blueprint.route("/ontology.<extension>")
def ontology_as(extension: str) -> Response:
    return by_extension("/ontology", extension, EXTENSIONS, _respond, "the ontology")


@blueprint.route("/ontology/<version>")
def ontology_version(version: str) -> Response:
    """The owl:versionIRI of the published ontology, answered like `/ontology`; other versions 404."""
    try:
        published = served_graph(current_app).query(
            f"SELECT ?v WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <{ONTOLOGY}> <{OWL}versionIRI> ?v }} }}"
        )
        versions = [row["v"].value for row in published]
    except DataDirError as exc:
        return _text(str(exc), 503)
    if f"{ONTOLOGY}/{version}" not in versions:
        listed = ", ".join(versions) or "none"
        return _text(f"version {version} is not published here; published version IRIs: {listed}.", 404)
    return _negotiated()


def _negotiated() -> Response:
    return negotiate(ONTOLOGY_FORMATS, _respond)


def _respond(fmt: ResultFormat, vary: bool) -> Response:
    try:
        opened = served_graph(current_app).open()
        if fmt is HTML:
            response = _documentation(opened.build.store_path.parent / DOCUMENTATION_FILE)
        else:
            triples = opened.store.query(CONSTRUCT)
            prefixes = PREFIXES if fmt.rdf == ox.RdfFormat.TURTLE else None
            body = ox.serialize(triples, format=fmt.rdf, prefixes=prefixes)
            response = Response(body, mimetype=fmt.media_type)
    except DataDirError as exc:
        return _text(str(exc), 503)
    if response.status_code != 200:
        return response
    if vary:
        response.headers["Vary"] = "Accept"
    # Where to get each representation, for clients that follow links rather than negotiate.
    response.headers["Link"] = alternate_links("/ontology", EXTENSIONS, fmt)
    # A build never changes once published: its id and the format identify the bytes.
    response.set_etag(f"{opened.build.build_id}-{fmt.names[0]}")
    return response.make_conditional(request)


def _documentation(path: Path) -> Response:
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        return _text(
            "the published build has no ontology documentation; run `cdkg build` to generate it. "
            "The ontology is available as RDF meanwhile: /ontology.ttl",
            503,
        )
    return Response(_with_site_footer(body), mimetype="text/html")


# pyLODE's page has its own styles; the footer brings the few it needs.
_FOOTER_STYLE = (
    "<style>.site-footer { margin: 3rem auto 1rem; padding: .5rem 1rem 0; border-top: 1px solid #ddd; "
    "font-size: .85rem; color: #555; max-width: 60rem; }</style>"
)


def _with_site_footer(page: bytes) -> bytes:
    """The documentation page with the footer every page of the site carries (licence, sources, build)."""
    footer = (_FOOTER_STYLE + render_template("_site_footer.html")).encode("utf-8")
    at = page.rfind(b"</body>")
    return page[:at] + footer + page[at:] if at >= 0 else page + footer


def _text(message: str, status: int) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
