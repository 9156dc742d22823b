"""Dereferenceable IRIs: `/id/…` and `/scheme/…` answer 303 to `/doc/…`, which negotiates HTML or RDF.

A city is not a web page, so the IRI of a thing never answers 200: it sends the client to the
document about it (303 See Other, the same answer whatever it accepts). The document answers by
`Accept` (q-values honoured; HTML for browsers and for `*/*`) with `Vary: Accept` and the chosen
variant's address in `Content-Location`, or by extension (`.html`, `.ttl`, `.jsonld`, `.nt`,
`.rdf`). IRIs the graph never names answer 404: a page for people, plain text for RDF clients.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from cdkg.graph.datadir import DataDirError, PublishedBuild
from cdkg.graph.resource_description import (
    InvalidIri,
    ResourceDescription,
    describe_named_graph,
    describe_resource,
    named_graph_exists,
    resource_exists,
)
from cdkg.namespaces import BASE, GRAPH, PREFIXES
from cdkg.web.linked_data.resource_pages import render_resource_page
from cdkg.web.plumbing.app_state import served_graph
from cdkg.web.plumbing.formats import GRAPH_FORMATS, NotAcceptable, ResultFormat, choose_format, prefers_html
from cdkg.web.plumbing.http_caching import Validators
from cdkg.web.plumbing.negotiation import alternate_links
from cdkg.web.plumbing.resource_links import (
    check_public_url,
    document_path,
    iri_of_document,
    is_iri_text,
    public_base,
)

blueprint = Blueprint("linked_data", __name__)
blueprint.record_once(lambda state: check_public_url(state.app))

HTML = ResultFormat("text/html", ("html",))
DOCUMENT_FORMATS = (HTML, *GRAPH_FORMATS)
EXTENSIONS = {"html": HTML, "ttl": GRAPH_FORMATS[0], "nt": GRAPH_FORMATS[1]}
EXTENSIONS |= {"rdf": GRAPH_FORMATS[2], "jsonld": GRAPH_FORMATS[3]}
EXTENSION_OF = {fmt.media_type: name for name, fmt in EXTENSIONS.items()}


@blueprint.route("/id/<path:local>")
def thing(local: str) -> Response:
    return _see_other(BASE + "id/" + local)


@blueprint.route("/scheme/<path:local>")
def concept(local: str) -> Response:
    """SKOS concepts (statuses, themes...) are things too: 303 like `/id/`."""
    return _see_other(BASE + "scheme/" + local)


@blueprint.route("/graph/<path:local>")
def named_graph(local: str) -> Response:
    """Named graphs (one per source) are described too: their size and, for imports, the record."""
    return _see_other(BASE + "graph/" + local)


@blueprint.route("/resource")
def resource() -> Response:
    """`?iri=https://w3id.org/cdkg/…`: any of our IRIs, answered on this server; `?label=`: a search."""
    label = request.args.get("label", "").strip()
    if label:
        return redirect(url_for("query_page.query_page", query=label_search_query(label)), 303)
    iri = request.args.get("iri", "").strip()
    if iri and not is_iri_text(iri):
        return _text(
            f"the iri parameter {iri[:200]!r} holds a space, a control character or one of "
            '< > " { } | \\ ^ `, which no IRI may hold; percent-encode them (a line break is %0A), '
            f"or give one of our IRIs, starting with {BASE}.",
            400,
        )
    if not iri.startswith(BASE):
        return _not_found(iri or "(no iri parameter)", f"give ?iri= one of our IRIs, starting with {BASE}")
    path = document_path(iri)
    if path is None:
        return redirect(public_base() + iri.removeprefix(BASE), 303)
    return _see_other(iri)


@blueprint.route("/doc/<path:local>")
def document(local: str) -> Response:
    try:
        opened = served_graph(current_app).open()
    except DataDirError as exc:
        return _text(str(exc), 503)
    store, build = opened.store, opened.build
    stem, dot, extension = local.rpartition(".")
    try:
        if dot and extension in EXTENSIONS and _exists(store, iri_of_document(stem)):
            return _respond(
                store, build, iri_of_document(stem), stem, EXTENSIONS[extension], negotiated=False
            )
        iri = iri_of_document(local)
        if not _exists(store, iri):
            return _not_found(iri)
    except InvalidIri as exc:
        return _not_found(iri_of_document(local), str(exc))
    try:
        fmt = choose_format(DOCUMENT_FORMATS, request.accept_mimetypes, request.args.get("format"))
    except NotAcceptable as exc:
        alternatives = ", ".join(f"/doc/{local}.{name}" for name in EXTENSIONS)
        response = _text(f"{exc} The variants are also at {alternatives}.", 406)
        response.headers["Vary"] = "Accept"
        return response
    return _respond(store, build, iri, local, fmt, negotiated=True)


def label_search_query(text: str) -> str:
    """SPARQL finding resources whose label, in any language, contains `text` (case-insensitive)."""
    literal = ox.Literal(text.lower())
    return (
        "SELECT DISTINCT ?resource ?label WHERE {\n"
        "  ?resource rdfs:label ?label .\n"
        f"  FILTER(CONTAINS(LCASE(STR(?label)), {literal}))\n"
        "}\nORDER BY STRLEN(STR(?label)) ?label\nLIMIT 100\n"
    )


def _see_other(iri: str) -> Response:
    try:
        store = served_graph(current_app).open().store
        exists = _exists(store, iri)
    except DataDirError as exc:
        return _text(str(exc), 503)
    except InvalidIri as exc:
        return _not_found(iri, str(exc))
    if not exists:
        return _not_found(iri)
    target = public_base() + document_path(iri)
    carried = {name: request.args[name] for name in ("lang", "format") if name in request.args}
    if carried:
        target += "?" + urlencode(carried)
    response = redirect(target, 303)
    response.headers["Vary"] = "Accept"
    return response


def _validators(build: PublishedBuild, fmt: ResultFormat) -> Validators:
    """A document depends on the build, its format, and for HTML the reader's language and our host."""
    variant = fmt.names[0]
    if fmt is HTML:
        asked = "\0".join(
            (request.args.get("lang", ""), request.headers.get("Accept-Language", ""), public_base())
        )
        variant += "." + hashlib.sha1(asked.encode()).hexdigest()[:12]
    return Validators(build, variant)


def _respond(
    store: ox.Store, build: PublishedBuild, iri: str, local: str, fmt: ResultFormat, negotiated: bool
) -> Response:
    validators = _validators(build, fmt)
    if validators.not_modified(request):
        response = validators.not_modified_response()
        if negotiated:
            response.headers["Vary"] = "Accept, Accept-Language" if fmt is HTML else "Accept"
        return response
    description = _describe(store, iri)
    if fmt is HTML:
        response = Response(render_resource_page(description, _alternates(local)), mimetype="text/html")
        vary = ["Accept", "Accept-Language"] if negotiated else ["Accept-Language"]
    else:
        prefixes = PREFIXES if fmt.rdf == ox.RdfFormat.TURTLE else None
        body = ox.serialize(description.triples(), format=fmt.rdf, prefixes=prefixes)
        response = Response(body, mimetype=fmt.media_type)
        vary = ["Accept"] if negotiated else []
    if vary:
        response.headers["Vary"] = ", ".join(vary)
    if negotiated:
        response.headers["Content-Location"] = f"/doc/{local}.{EXTENSION_OF[fmt.media_type]}"
    describes = f'<{BASE}{iri.removeprefix(BASE)}>; rel="describes"'
    response.headers["Link"] = f"{describes}, {alternate_links(f'/doc/{local}', EXTENSIONS, fmt)}"
    return validators.add_to(response)


def _exists(store: ox.Store, iri: str) -> bool:
    if iri.startswith(GRAPH) and named_graph_exists(store, iri):
        return True
    return resource_exists(store, iri)


def _describe(store: ox.Store, iri: str) -> ResourceDescription:
    if iri.startswith(GRAPH) and not resource_exists(store, iri):
        return describe_named_graph(store, iri)
    return describe_resource(store, iri)


def _alternates(local: str) -> list[tuple[str, str]]:
    names = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML"}
    return [(label, f"/doc/{local}.{extension}") for extension, label in names.items()]


def _not_found(iri: str, problem: str | None = None) -> Response:
    explanation = problem or "no statement in this graph has it as subject or object"
    if prefers_html(request.accept_mimetypes, GRAPH_FORMATS) or not request.accept_mimetypes:
        if "search.search" in current_app.view_functions:
            search = (url_for("search.search"), "q")
        else:
            search = (url_for("linked_data.resource"), "label")
        body = render_template("not_found.html", iri=iri, problem=explanation, base=BASE, search=search)
        return Response(body, status=404, mimetype="text/html")
    return _text(
        f"{iri} is not described here: {explanation}. Our IRIs are {BASE}id/actor/Q<Wikidata number>, "
        f"{BASE}id/twinning/Q<a>-Q<b> (numbers in ascending order), {BASE}id/agreement/<slug>, "
        f"{BASE}id/membership/<member>-<network>, {BASE}scheme/<scheme>/<concept>; "
        "search them with SPARQL at /sparql.",
        404,
    )


def _text(message: str, status: int) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
