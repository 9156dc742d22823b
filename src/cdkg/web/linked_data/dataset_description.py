"""`/dataset` and `/.well-known/void`: the dataset described in DCAT and VoID, for catalogues and crawlers.

Licences (each named graph's, as it states them; one for the whole only where all agree), sources,
the SPARQL endpoint, statistics of the whole and of each named graph, class
partitions, example resources and the dumps with their checksums. Data IRIs use the public base
(https://w3id.org/cdkg/); download and endpoint URLs are this server's. `/dataset` gives browsers
a page; `/.well-known/void` gives Turtle unless asked otherwise (RFC 5785, VoID section 7).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, url_for

from cdkg import __version__
from cdkg.graph.datadir import DataDirError
from cdkg.graph.dataset_counts import ENTITY_SPACE, class_partitions, count_entities, example_resources
from cdkg.graph.dump_files import DumpManifest, DumpManifestError
from cdkg.graph.graph_licences import CC0, GraphLicence, licence_groups, rights_statement
from cdkg.graph.per_build import PerBuild
from cdkg.graph.served import OpenBuild
from cdkg.namespaces import BASE, CDO, CURATED_GRAPH, DCT, OWL, PREFIXES, PROV, RDF, RDFS, XSD
from cdkg.web.linked_data.dumps import published_dumps
from cdkg.web.linked_data.search import resource_path
from cdkg.web.plumbing.app_state import served_graph
from cdkg.web.plumbing.formats import GRAPH_FORMATS, ResultFormat
from cdkg.web.plumbing.negotiation import alternate_links, by_extension, negotiate
from cdkg.web.plumbing.page_context import readable_time, served_licences
from cdkg.web.sparql import SD, VOID, default_graph_statistics

blueprint = Blueprint("dataset_description", __name__)

DATASET = BASE + "dataset"
PUBLISHER = BASE
WIKIDATA = "https://www.wikidata.org/"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
FOAF = "http://xmlns.com/foaf/0.1/"
MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
TITLE = "City Diplomacy Knowledge Graph"
DESCRIPTION = (
    "Cities and other local governments, the city networks they join and the agreements between them "
    "(twinning or sister-city, friendship, cooperation), with dates at their precision, status and the "
    "source of every statement, each source in a named graph of its own that states its licence and the "
    "date of its data: Wikidata's P190 claims (both sides merged into one agreement each), city networks' "
    "rosters and curated cases with their references."
)
DESCRIPTION_PREFIXES = {
    name: PREFIXES[name] for name in ("cdo", "actor", "twinning", "rdf", "rdfs", "owl", "xsd", "dct", "prov")
}
DESCRIPTION_PREFIXES |= {"void": VOID, "dcat": DCAT, "spdx": SPDX, "foaf": FOAF, "sd": SD}

HTML = ResultFormat("text/html", ("html",))
EXTENSIONS = {"html": HTML, "ttl": GRAPH_FORMATS[0], "nt": GRAPH_FORMATS[1]}
EXTENSIONS |= {"rdf": GRAPH_FORMATS[2], "jsonld": GRAPH_FORMATS[3]}


@dataclass(frozen=True)
class DatasetFigures:
    """What the description counts in one build (each computed once per build)."""

    statistics: dict[str, int]
    class_partitions: dict[str, int]
    examples: list[str]


@dataclass(frozen=True)
class DatasetFacts:
    """Everything the description states, for the RDF and for the page alike."""

    build: dict
    figures: DatasetFigures
    dumps: DumpManifest | None
    endpoint: str
    dumps_page: str
    home: str
    licences: dict[str, GraphLicence]

    @property
    def one_licence(self) -> str | None:
        """The licence every named graph states, when they all state the same one (else None)."""
        groups = licence_groups(self.licences.values())
        return groups[0].licence if len(groups) == 1 else None

    @property
    def rights(self) -> str:
        return rights_statement(self.licences.values())

    def download_url(self, name: str) -> str:
        return self.dumps_page + name


@blueprint.route("/dataset")
def dataset() -> Response:
    return _negotiated((HTML, *GRAPH_FORMATS))


@blueprint.route("/dataset.<extension>")
def dataset_as(extension: str) -> Response:
    return by_extension("/dataset", extension, EXTENSIONS, _respond, "the description")


@blueprint.route("/.well-known/void")
def well_known_void() -> Response:
    return _negotiated((*GRAPH_FORMATS, HTML))


def _negotiated(offered: tuple[ResultFormat, ...]) -> Response:
    return negotiate(offered, _respond)


def _respond(fmt: ResultFormat, vary: bool) -> Response:
    try:
        facts = _facts()
    except (DataDirError, DumpManifestError) as exc:
        return _text(str(exc), 503)
    if fmt is HTML:
        body = render_template("dataset.html", facts=facts, **_page_fields(facts))
        response = Response(body, mimetype="text/html")
    else:
        prefixes = DESCRIPTION_PREFIXES if fmt.rdf == ox.RdfFormat.TURTLE else None
        response = Response(
            ox.serialize(describe_dataset(facts), format=fmt.rdf, prefixes=prefixes), mimetype=fmt.media_type
        )
    if vary:
        response.headers["Vary"] = "Accept"
    response.headers["Link"] = alternate_links("/dataset", EXTENSIONS, fmt)
    exported = facts.dumps.exported_at if facts.dumps else "none"
    response.set_etag(f"{facts.build['build']}-{exported}-{fmt.names[0]}", weak=True)
    return response.make_conditional(request)


def _facts() -> DatasetFacts:
    opened = served_graph(current_app).open()
    figures = current_app.extensions.setdefault("cdkg_dataset_figures", PerBuild(_count)).get(opened)
    _, _, manifest = published_dumps()
    return DatasetFacts(
        build=opened.build.info,
        figures=figures,
        dumps=manifest,
        endpoint=url_for("sparql.sparql", _external=True),
        dumps_page=url_for("dumps.listing", _external=True),
        home=url_for("home.home", _external=True),
        licences=served_licences(),
    )


def _count(opened: OpenBuild) -> DatasetFigures:
    statistics = {
        "triples": int(opened.build.info.get("triples", 0)),
        "entities": count_entities(opened.store),
    }
    statistics |= default_graph_statistics(opened.build, opened.store)
    return DatasetFigures(statistics, class_partitions(opened.store), example_resources(opened.store))


def describe_dataset(facts: DatasetFacts) -> list[ox.Triple]:
    """The DCAT and VoID description of the published build as triples."""
    dataset = ox.NamedNode(DATASET)
    endpoint = ox.NamedNode(facts.endpoint)
    publisher = ox.NamedNode(PUBLISHER)
    out = _Triples()
    out.add(dataset, RDF + "type", ox.NamedNode(VOID + "Dataset"), ox.NamedNode(DCAT + "Dataset"))
    out.add(dataset, DCT + "title", ox.Literal(TITLE, language="en"))
    out.add(dataset, DCT + "description", ox.Literal(DESCRIPTION, language="en"))
    _licensed(out, dataset, facts)
    out.add(dataset, DCT + "publisher", publisher)
    out.add(dataset, DCT + "creator", publisher)
    out.add(publisher, RDF + "type", ox.NamedNode(FOAF + "Organization"))
    out.add(publisher, FOAF + "name", ox.Literal(f"{TITLE} project", language="en"))
    out.add(dataset, DCAT + "landingPage", ox.NamedNode(facts.home))
    out.add(
        dataset, DCAT + "keyword", *(ox.Literal(k, language="en") for k in ("city diplomacy", "twinning"))
    )
    out.add(dataset, VOID + "uriSpace", ox.Literal(ENTITY_SPACE))
    out.add(dataset, VOID + "vocabulary", ox.NamedNode(CDO))
    out.add(dataset, VOID + "sparqlEndpoint", endpoint)
    for source in sorted({s for terms in facts.licences.values() for s in terms.sources}):
        out.add(dataset, DCT + "source", ox.NamedNode(source))
    if any(WIKIDATA in terms.sources for terms in facts.licences.values()):
        out.add(ox.NamedNode(WIKIDATA), RDFS + "label", ox.Literal("Wikidata", language="en"))
    for graph in sorted(facts.build.get("graphs", {})):
        if graph.startswith(CURATED_GRAPH):
            out.add(dataset, DCT + "source", ox.NamedNode(graph))
            out.add(
                ox.NamedNode(graph), RDFS + "label", ox.Literal(_curated_file(facts, graph), language="en")
            )
    built_at = facts.build.get("built_at")
    if built_at:
        out.add(dataset, DCT + "modified", ox.Literal(built_at, datatype=ox.NamedNode(XSD + "dateTime")))
    out.add(dataset, OWL + "versionInfo", ox.Literal(f"build {facts.build['build']} (cdkg {__version__})"))
    out.add(dataset, DCAT + "version", ox.Literal(facts.build["build"]))

    out.add(endpoint, RDF + "type", ox.NamedNode(DCAT + "DataService"), ox.NamedNode(SD + "Service"))
    out.add(endpoint, DCT + "title", ox.Literal(f"{TITLE} SPARQL 1.1 endpoint", language="en"))
    out.add(endpoint, DCAT + "endpointURL", endpoint)
    out.add(endpoint, DCAT + "endpointDescription", endpoint)
    out.add(endpoint, DCAT + "servesDataset", dataset)
    _licensed(out, endpoint, facts)

    for name, count in facts.figures.statistics.items():
        out.add(dataset, VOID + name, _integer(count))
    for example in facts.figures.examples:
        out.add(dataset, VOID + "exampleResource", ox.NamedNode(example))
    for index, (graph, count) in enumerate(sorted(facts.build.get("graphs", {}).items())):
        subset = ox.BlankNode(f"graph{index}")
        out.add(dataset, VOID + "subset", subset)
        out.add(dataset, DCT + "hasPart", subset)
        out.add(subset, RDF + "type", ox.NamedNode(VOID + "Dataset"), ox.NamedNode(DCAT + "Dataset"))
        out.add(subset, SD + "name", ox.NamedNode(graph))
        out.add(subset, DCT + "isPartOf", dataset)
        out.add(subset, VOID + "triples", _integer(count))
        if graph.startswith(CURATED_GRAPH):
            out.add(subset, DCT + "source", ox.NamedNode(graph))
        if graph in facts.licences:
            _graph_terms(out, subset, facts.licences[graph])
    for index, (cls, count) in enumerate(facts.figures.class_partitions.items()):
        partition = ox.BlankNode(f"class{index}")
        out.add(dataset, VOID + "classPartition", partition)
        out.add(partition, VOID + "class", ox.NamedNode(cls))
        out.add(partition, VOID + "entities", _integer(count))
    for dump in facts.dumps.files if facts.dumps else ():
        distribution = ox.NamedNode(f"{DATASET}#dump-{dump.format}")
        download = ox.NamedNode(facts.download_url(dump.name))
        checksum = ox.BlankNode(f"checksum-{dump.format.replace('.', '-')}")
        out.add(dataset, DCAT + "distribution", distribution)
        out.add(dataset, VOID + "dataDump", download)
        out.add(distribution, RDF + "type", ox.NamedNode(DCAT + "Distribution"))
        out.add(distribution, DCT + "title", ox.Literal(f"{dump.title}: {dump.content}", language="en"))
        out.add(distribution, DCAT + "downloadURL", download)
        out.add(distribution, DCAT + "accessURL", ox.NamedNode(facts.dumps_page))
        out.add(distribution, DCAT + "mediaType", ox.NamedNode(MEDIA_TYPES + dump.media_type))
        if dump.download_media_type != dump.media_type:
            out.add(
                distribution, DCAT + "compressFormat", ox.NamedNode(MEDIA_TYPES + dump.download_media_type)
            )
        out.add(
            distribution, DCAT + "byteSize", ox.Literal(str(dump.bytes), datatype=_xsd("nonNegativeInteger"))
        )
        _licensed(out, distribution, facts)
        out.add(distribution, SPDX + "checksum", checksum)
        out.add(checksum, RDF + "type", ox.NamedNode(SPDX + "Checksum"))
        out.add(checksum, SPDX + "algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256"))
        out.add(checksum, SPDX + "checksumValue", ox.Literal(dump.sha256, datatype=_xsd("hexBinary")))
    return out.grouped()


def _licensed(out: _Triples, subject: ox.NamedNode, facts: DatasetFacts) -> None:
    """dct:license where all named graphs have the same one; always dct:rights: which applies to what."""
    if facts.one_licence is not None:
        out.add(subject, DCT + "license", ox.NamedNode(facts.one_licence))
    out.add(subject, DCT + "rights", ox.Literal(facts.rights, language="en"))


def _graph_terms(out: _Triples, subset: ox.BlankNode, terms: GraphLicence) -> None:
    """A named graph's title, sources, licence (or that none is stated), rights holder and date of data."""
    out.add(subset, DCT + "title", ox.Literal(terms.title, language="en"))
    for source in terms.sources:
        out.add(subset, DCT + "source", ox.NamedNode(source))
    if terms.licence is not None:
        out.add(subset, DCT + "license", ox.NamedNode(terms.licence))
    out.add(subset, DCT + "rights", ox.Literal(terms.notice, language="en"))
    if terms.rights_holder is not None:
        holder = terms.rights_holder
        out.add(subset, DCT + "rightsHolder", ox.NamedNode(holder) if "://" in holder else ox.Literal(holder))
    if terms.citation is not None:
        out.add(subset, DCT + "bibliographicCitation", ox.Literal(terms.citation))
    if terms.data_date is not None:
        out.add(subset, PROV + "generatedAtTime", terms.data_date)


def _page_fields(facts: DatasetFacts) -> dict[str, object]:
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "built_on": readable_time(facts.build.get("built_at", "")),
        "examples": [(iri, resource_path(iri)) for iri in facts.figures.examples],
        "curated": [
            (graph, _curated_file(facts, graph))
            for graph in sorted(facts.build.get("graphs", {}))
            if graph.startswith(CURATED_GRAPH)
        ],
        "prefixed": _prefixed,
        "licence_groups": licence_groups(facts.licences.values()),
        "cc0": CC0,
    }


def _curated_file(facts: DatasetFacts, graph: str) -> str:
    files = [s["file"] for s in facts.build.get("sources", []) if s.get("graph") == graph]
    return f"curated file {files[0]}" if files else f"curated file {graph.rsplit('/', 1)[-1]}"


def _prefixed(iri: str) -> str:
    """`https://w3id.org/cdkg/ontology#City` as `cdo:City`, for the page's tables."""
    for name, namespace in DESCRIPTION_PREFIXES.items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{name}:{iri[len(namespace) :]}"
    return iri


class _Triples:
    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, subject: ox.NamedNode | ox.BlankNode, predicate: str, *objects: object) -> None:
        for value in objects:
            self.triples.append(ox.Triple(subject, ox.NamedNode(predicate), value))

    def grouped(self) -> list[ox.Triple]:
        """The triples, each subject's together (in order of first mention), so Turtle states each once."""
        order: dict[object, int] = {}
        for triple in self.triples:
            order.setdefault(triple.subject, len(order))
        return sorted(self.triples, key=lambda triple: order[triple.subject])


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=_xsd("integer"))


def _xsd(name: str) -> ox.NamedNode:
    return ox.NamedNode(XSD + name)


def _text(message: str, status: int) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
