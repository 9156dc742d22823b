"""SHACL validation of a built store, with reports a person can act on.

The shapes (ontology/shapes.ttl) are run by pySHACL over the triples of a store: the curated
graphs with the ontology (what `cdkg build` checks before publishing), or the whole default graph,
Wikidata imports included (what `cdkg validate` checks by default). pySHACL's report graph is read
into `Finding` objects; each names the resource, the property path, the message, the severity and
the source files or imports that hold the resource.

No RDFS/OWL inference is run: the ontology is part of the data, so sh:targetClass and sh:class
follow rdfs:subClassOf, but a resource must be typed explicitly. Inferring types from rdfs:range
would make every value of cdo:party an actor and hide exactly the errors the shapes look for.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as ScopeName

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection

from cdkg.namespaces import CURATED_GRAPH, ONTOLOGY_GRAPH, PREFIXES, WIKIDATA_GRAPH

SHAPES_FILE = "shapes.ttl"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SCOPES = ("curated", "all")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_COMPACT = sorted(
    {**PREFIXES, "sh": str(SH), "cdsh": "https://w3id.org/cdkg/shapes#"}.items(),
    key=lambda item: -len(item[1]),
)


class ShapesError(RuntimeError):
    """The shapes file is missing or cannot be read; worded for the person who has to fix it."""


@dataclass(frozen=True)
class Finding:
    """One result of pySHACL's report, resolved to terms and files a person recognises."""

    severity: str
    focus: str
    path: str | None
    message: str
    value: str | None = None
    shape: str | None = None
    constraint: str | None = None
    sources: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        where = f" in {', '.join(self.sources)}" if self.sources else ""
        lines = [f"{self.severity}{where}", f"  resource: {self.focus}"]
        if self.path:
            lines.append(f"  path:     {self.path}")
        if self.value:
            lines.append(f"  value:    {self.value}")
        lines.append(f"  message:  {self.message}")
        return lines


@dataclass(frozen=True)
class ValidationReport:
    """What a validation run found, over which triples, and how long it took."""

    scope: str
    triples: int
    seconds: float
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        """True when nothing has severity sh:Violation; warnings do not fail a build."""
        return not self.violations

    def summary(self) -> str:
        what = "curated graphs and ontology" if self.scope == "curated" else "whole graph"
        return (
            f"{_count(len(self.violations), 'violation')}, {_count(len(self.warnings), 'warning')} "
            f"in {self.triples:,} triples ({what}), checked in {self.seconds:.2f} s"
        )

    def text(self, limit: int | None = None, warnings: bool = True) -> str:
        """The findings, violations first, then a summary line; at most `limit` findings."""
        shown = self.violations + (self.warnings if warnings else [])
        lines: list[str] = []
        for finding in shown[:limit] if limit else shown:
            lines += finding.lines()
        if limit and len(shown) > limit:
            lines.append(f"... and {len(shown) - limit:,} more")
        lines.append(self.summary())
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "scope": self.scope,
            "triples": self.triples,
            "seconds": round(self.seconds, 3),
            "violations": len(self.violations),
            "warnings": len(self.warnings),
        }


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def load_shapes(ontology_dir: Path) -> rdflib.Graph:
    """The shapes graph, from ontology/shapes.ttl."""
    path = Path(ontology_dir) / SHAPES_FILE
    try:
        return rdflib.Graph().parse(path, format="turtle")
    except FileNotFoundError as exc:
        raise ShapesError(f"{path} is missing: the SHACL shapes are needed to validate the graph.") from exc
    except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
        raise ShapesError(f"{path} cannot be read as Turtle: {exc}; fix the shapes file.") from exc


def validate_store(store: ox.Store, shapes: rdflib.Graph, scope: ScopeName = "curated") -> ValidationReport:
    """Validate the store's curated graphs with the ontology (`curated`) or its default graph (`all`).

    The default graph is the merge of every named graph (see cdkg.build), so `all` checks the
    ontology, the curated files and every Wikidata import together.
    """
    from pyshacl import validate
    from pyshacl.errors import ReportableRuntimeError

    if scope not in SCOPES:
        raise ValueError(f"unknown validation scope {scope!r}: use one of {', '.join(SCOPES)}")
    started = time.perf_counter()
    data = _to_rdflib(store, _graphs_in_scope(store, scope))
    try:
        _conforms, report, _text = validate(
            data, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True
        )
    except ReportableRuntimeError as exc:
        raise ShapesError(f"the SHACL shapes cannot be used: {exc.message}; fix {SHAPES_FILE}.") from exc
    findings = [_finding(report, result, store, data, scope) for result in _results(report)]
    findings.sort(key=lambda f: (f.severity != "Violation", f.sources, f.focus, f.path or "", f.message))
    return ValidationReport(scope, len(data), time.perf_counter() - started, tuple(findings))


def _graphs_in_scope(store: ox.Store, scope: str) -> list[ox.NamedNode | ox.DefaultGraph]:
    if scope == "all":
        return [ox.DefaultGraph()]
    return [
        graph
        for graph in store.named_graphs()
        if graph.value == ONTOLOGY_GRAPH or graph.value.startswith(CURATED_GRAPH)
    ]


# ---------------------------------------------------------------- pyoxigraph terms into rdflib


def _to_rdflib(store: ox.Store, graphs: list) -> rdflib.Graph:
    """The union of some of the store's graphs as one rdflib graph (about 60k triples/s)."""
    iris: dict[str, URIRef] = {}

    def term(t) -> URIRef | BNode | Literal:
        if isinstance(t, ox.NamedNode):
            iri = iris.get(t.value)
            if iri is None:
                iri = iris[t.value] = URIRef(t.value)
            return iri
        if isinstance(t, ox.BlankNode):
            return BNode(t.value)
        if t.language:
            return Literal(t.value, lang=t.language)
        return Literal(t.value, datatype=term(t.datatype))

    data = rdflib.Graph()
    for graph in graphs:
        data.addN(
            (term(q.subject), term(q.predicate), term(q.object), data)
            for q in store.quads_for_pattern(None, None, None, graph)
        )
    return data


def _term_to_ox(term) -> ox.NamedNode | ox.BlankNode | None:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    return None


# ---------------------------------------------------------------- reading pySHACL's report graph


def _results(report: rdflib.Graph) -> Iterator[rdflib.term.Node]:
    """The top-level results of every report in the graph (not the sh:detail of nested shapes)."""
    for validation_report in report.subjects(rdflib.RDF.type, SH.ValidationReport):
        yield from report.objects(validation_report, SH.result)


def _finding(report: rdflib.Graph, result, store: ox.Store, data: rdflib.Graph, scope: str) -> Finding:
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    value = report.value(result, SH.value)
    shape = report.value(result, SH.sourceShape)
    component = report.value(result, SH.sourceConstraintComponent)
    return Finding(
        severity=SEVERITIES.get(report.value(result, SH.resultSeverity), "Violation"),
        focus=_describe(data, focus),
        path=render_path(report, path) if path is not None else None,
        message=_message(report, result, component),
        value=_value(data, focus, path, value, component),
        shape=compact(shape) if isinstance(shape, URIRef) else None,
        constraint=compact(component) if component is not None else None,
        sources=_sources(store, data, focus, scope),
    )


def _value(data: rdflib.Graph, focus, path, value, component) -> str | None:
    """The offending value; for too many values (sh:maxCount), all of them, which pySHACL omits."""
    if value is not None:
        return None if value == focus else compact(value)
    if component == SH.MaxCountConstraintComponent and isinstance(path, URIRef):
        return ", ".join(sorted(compact(o) for o in data.objects(focus, path))) or None
    return None


def _message(report: rdflib.Graph, result, component) -> str:
    messages = list(report.objects(result, SH.resultMessage))
    english = [m for m in messages if isinstance(m, Literal) and m.language in (None, "en")]
    if english or messages:
        return str((english or messages)[0])
    return f"fails {compact(component)}" if component is not None else "fails a shape"


def render_path(graph: rdflib.Graph, path) -> str:
    """A SHACL property path written as in SPARQL: `p`, `^p`, `p/q`, `p|q`, `p*`, `p+`, `p?`."""
    if isinstance(path, URIRef):
        return compact(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _grouped(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_grouped(graph, p) for p in Collection(graph, alternatives))
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return _grouped(graph, inner) + suffix
    if graph.value(path, rdflib.RDF.first) is not None:
        return "/".join(_grouped(graph, p) for p in Collection(graph, path))
    return str(path)


def _grouped(graph: rdflib.Graph, path) -> str:
    text = render_path(graph, path)
    return text if isinstance(path, URIRef) else f"({text})"


def compact(term) -> str:
    """An IRI with the project's prefixes (`actor:Q2971`), else in angle brackets; literals in Turtle."""
    if isinstance(term, URIRef):
        iri = str(term)
        for prefix, namespace in _COMPACT:
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and local and all(c.isalnum() or c in "-_." for c in local):
                return f"{prefix}:{local}"
        return f"<{iri}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.language or term.datatype is None:
            return term.n3()
        return f"{Literal(str(term)).n3()}^^{compact(term.datatype)}"
    return str(term)


def _describe(data: rdflib.Graph, focus) -> str:
    """The focus node; a blank node by the resource and property that lead to it."""
    if isinstance(focus, BNode):
        for subject, predicate in data.subject_predicates(focus):
            return f"[] (the {compact(predicate)} of {_describe(data, subject)})"
    return compact(focus)


def _sources(store: ox.Store, data: rdflib.Graph, focus, scope: str, depth: int = 0) -> tuple[str, ...]:
    """The files or imports whose graphs describe the focus node (as subject, else as object).

    A blank node of the default graph is not the same node as in the named graphs (each load
    names its blank nodes afresh), so it is traced through the resources that point to it.
    """
    node = _term_to_ox(focus)
    if node is None:
        return ()
    for pattern in ((node, None, None), (None, None, node)):
        graphs = {quad.graph_name.value for quad in _named_quads(store, *pattern)}
        if scope == "curated":
            graphs = {g for g in graphs if g == ONTOLOGY_GRAPH or g.startswith(CURATED_GRAPH)}
        if graphs:
            return tuple(sorted(source_name(g) for g in graphs))
    if isinstance(focus, BNode) and depth < 5:
        for parent in data.subjects(None, focus):
            return _sources(store, data, parent, scope, depth + 1)
    return ()


def _named_quads(store: ox.Store, s, p, o) -> Iterable[ox.Quad]:
    for quad in store.quads_for_pattern(s, p, o, None):
        if isinstance(quad.graph_name, ox.NamedNode):
            yield quad


def source_name(graph_iri: str) -> str:
    """Where a named graph comes from, as a person would look for it."""
    if graph_iri.startswith(CURATED_GRAPH):
        return f"triples/{graph_iri[len(CURATED_GRAPH) :]}.ttl"
    if graph_iri == ONTOLOGY_GRAPH:
        return "ontology/"
    if graph_iri.startswith(WIKIDATA_GRAPH):
        return f"Wikidata import '{graph_iri[len(WIKIDATA_GRAPH) :]}'"
    return f"<{graph_iri}>"
