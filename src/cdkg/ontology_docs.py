"""HTML documentation of the ontology, generated with pyLODE, for `/ontology` to serve.

The page is written once per build, next to the build's store, so serving it costs a file read.
It is self-contained (pyLODE inlines its stylesheet and icons), so it reads well offline.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, SDO

from cdkg.graph.datadir import DOCUMENTATION_FILE  # noqa: F401  (re-exported)

# Predicates pyLODE reads as a term's title: it prints all of them, run together, as the heading.
_LABELS = (RDFS.label, SKOS.prefLabel, DCTERMS.title, DC.title, SDO.name)
_VANN_NAMESPACE = URIRef("http://purl.org/vocab/vann/preferredNamespaceUri")
_HTML_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")


class OntologyDocumentationError(RuntimeError):
    """The documentation could not be generated; the message names the file and the cause."""


def write_ontology_documentation(ontology_files: list[Path], target_html: Path) -> None:
    """Merge the ontology files (OWL and SKOS Turtle) and write pyLODE's HTML page to `target_html`.

    Pass the files the build loads into the ontology graph, so the page documents what is served.
    """
    files = [Path(path) for path in ontology_files]
    if not files:
        raise OntologyDocumentationError("no ontology files were given to document.")
    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many types (BadSyntax, OSError, ...)
            raise OntologyDocumentationError(
                f"{path}: cannot be read to document the ontology: {exc}"
            ) from exc
    _only_the_ontology_as_the_document(graph)
    _one_heading_per_term(graph)
    names = ", ".join(str(path) for path in files)
    try:
        # Importing pyLODE sets the root logger to DEBUG: undo that before it runs, so its
        # INFO messages stay quiet at the caller's level, and undo what running it adds.
        with _root_logging_kept():
            from pylode import OntPub
        with _root_logging_kept():
            # sort_subjects makes the page the same for the same ontology, build after build.
            doc = OntPub(graph, sort_subjects=True)
            # Anchor each term at its IRI's fragment, so /ontology#City shows cdo:City.
            doc.fids.update(_term_fragments(graph))
            html = doc.make_html()
    except (Exception, SystemExit) as exc:  # pyLODE raises bare Exceptions and may call exit()
        raise OntologyDocumentationError(f"pyLODE could not document {names}: {exc}") from exc
    target = Path(target_html)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        partial.write_text(html, encoding="utf-8")
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise OntologyDocumentationError(f"cannot write the ontology documentation {target}: {exc}") from exc


@contextmanager
def _root_logging_kept() -> Iterator[None]:
    """Undo pyLODE's changes to the root logger: it sets DEBUG on import and logs through root."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


def _only_the_ontology_as_the_document(graph: Graph) -> None:
    """Keep SKOS schemes out of the page's metadata, which is about the OWL ontology.

    pyLODE merges every owl:Ontology and skos:ConceptScheme into the metadata section, so the
    schemes' titles would be run into the ontology's and a scheme's IRI shown as the page's.
    """
    for scheme in list(graph.subjects(RDF.type, SKOS.ConceptScheme)):
        if (scheme, RDF.type, OWL.Ontology) not in graph:
            graph.remove((scheme, RDF.type, SKOS.ConceptScheme))


def _one_heading_per_term(graph: Graph) -> None:
    """Keep one label per term for pyLODE's heading and list the others in a note under it.

    pyLODE prints every label as the heading, so "city" "ville" "Stadt" would read "cityvilleStadt".
    """
    subjects = {s for predicate in _LABELS for s in graph.subjects(predicate, None)}
    for subject in sorted(subjects, key=str):
        labels = sorted(
            ((p, o) for p in _LABELS for o in graph.objects(subject, p) if isinstance(o, Literal)),
            key=lambda pair: (str(pair[1]), pair[1].language or "", str(pair[0])),
        )
        if len(labels) < 2:
            continue
        main = min(labels, key=lambda pair: _label_rank(subject, pair[1]))
        others = list(dict.fromkeys(label for _, label in labels if label != main[1]))
        for predicate, label in labels:
            if label != main[1]:
                graph.remove((subject, predicate, label))
        listed = ", ".join(
            f"{label} ({label.language})" if label.language else str(label) for label in others
        )
        graph.add((subject, SKOS.note, Literal(f"Also labelled: {listed}.", lang="en")))


def _label_rank(subject: object, label: Literal) -> tuple[int, int, int, str]:
    """English first, then no language; the label spelling the IRI's local name; then the shortest."""
    language = 0 if (label.language or "").lower().startswith("en") else 1 if not label.language else 2
    local = re.split(r"[#/]", str(subject))[-1]
    spells_local_name = _squash(str(label)) == _squash(local)
    return (language, 0 if spells_local_name else 1, len(str(label)), str(label))


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _term_fragments(graph: Graph) -> dict[str, str]:
    """IRI -> fragment for the terms in the ontology's own hash namespace."""
    namespaces = {f"{o}#" for o in graph.subjects(RDF.type, OWL.Ontology) if isinstance(o, URIRef)}
    namespaces |= {str(o) for o in graph.objects(None, _VANN_NAMESPACE) if str(o).endswith("#")}
    fragments: dict[str, str] = {}
    for subject in set(graph.subjects()):
        if not isinstance(subject, URIRef):
            continue
        namespace, _, fragment = str(subject).rpartition("#")
        if f"{namespace}#" in namespaces and _HTML_ID.fullmatch(fragment):
            fragments[str(subject)] = fragment
    return fragments
