"""What the graph says about one resource: its statements both ways, and what travels with them.

A description is gathered by a few bounded queries against the published store, each statement
with the named graphs holding it (a curated file or a Wikidata import: its source). Besides the
resource's own outgoing triples and the incoming ones, it holds the nodes that only make sense
with it (status changes, Wikidata claims, geometries, memberships, the agreements an actor is a
party to) and the labels of everything it links to. No Flask here: the web layer renders it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from cdkg.namespaces import BASE, CDO, GEO, IMPORT, ORG, PROV, RDF, RDFS, SKOS, WIKIDATA_GRAPH

TYPE = RDF + "type"
LABEL_PREDICATES = (RDFS + "label", SKOS + "prefLabel")
VOID = "http://rdfs.org/ns/void#"
# Outgoing triples of the resource itself: a resource with more is cut (and says so).
MAX_OUTGOING = 2000
# Incoming triples per predicate: `status:active` is the object of thousands of `cdo:status`.
MAX_INCOMING_PER_PREDICATE = 300
# Triples of the nodes that travel with the resource (claims, status changes, agreements...).
MAX_RELATED = 8000
MAX_LABELLED = 3000

# What a party's agreement contributes to the party's description (not its long comments).
AGREEMENT_SUMMARY = (
    TYPE,
    RDFS + "label",
    CDO + "party",
    CDO + "status",
    CDO + "signingDate",
    CDO + "startDate",
    CDO + "endDate",
    CDO + "endedBy",
    CDO + "disputedParty",
    PROV + "wasDerivedFrom",
)
CLAIM_SUMMARY = (
    TYPE,
    CDO + "assertedBy",
    CDO + "claimedPartner",
    CDO + "hasReciprocalClaim",
    CDO + "wikidataRank",
    PROV + "wasDerivedFrom",
    PROV + "generatedAtTime",
)
GEOMETRY_SUMMARY = (GEO + "asWKT",)


@dataclass(frozen=True)
class Statement:
    """One triple and the named graphs that state it."""

    subject: ox.NamedNode | ox.BlankNode
    predicate: ox.NamedNode
    object: ox.NamedNode | ox.BlankNode | ox.Literal
    graphs: tuple[str, ...]

    @property
    def triple(self) -> ox.Triple:
        return ox.Triple(self.subject, self.predicate, self.object)


@dataclass
class ResourceDescription:
    """A resource's statements, grouped by how they relate to it, with labels and truncation noted."""

    iri: str
    outgoing: list[Statement] = field(default_factory=list)
    incoming: list[Statement] = field(default_factory=list)
    related: list[Statement] = field(default_factory=list)
    # IRI -> [(label, language tag or "")], for the resource and everything it links to.
    labels: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # Incoming predicate -> how many triples there are in all (more than shown when cut).
    incoming_counts: dict[str, int] = field(default_factory=dict)
    truncated: list[str] = field(default_factory=list)
    _indexed_sizes: tuple[int, int, int] | None = field(default=None, repr=False, compare=False)
    _by_subject: dict = field(default_factory=dict, repr=False, compare=False)
    _by_object: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def exists(self) -> bool:
        return bool(self.outgoing or self.incoming)

    @property
    def types(self) -> set[str]:
        return {s.object.value for s in self.outgoing if s.predicate.value == TYPE}

    def statements(self) -> list[Statement]:
        return self.outgoing + self.incoming + self.related

    def triples(self) -> list[ox.Triple]:
        """Every triple once, with the labels of linked resources, for an RDF document."""
        seen: dict[ox.Triple, None] = {}
        for statement in self.statements():
            seen.setdefault(statement.triple, None)
        for iri, labels in self.labels.items():
            for value, language in labels:
                literal = ox.Literal(value, language=language) if language else ox.Literal(value)
                seen.setdefault(ox.Triple(ox.NamedNode(iri), ox.NamedNode(RDFS + "label"), literal), None)
        return list(seen)

    def about(self, subject: str) -> list[Statement]:
        """Every gathered statement whose subject is `subject`."""
        return self._indexes()[0].get(subject, [])

    def values(self, subject: str, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        found: dict[str, ox.NamedNode | ox.BlankNode | ox.Literal] = {}
        for statement in self.about(subject):
            if statement.predicate.value == predicate:
                found.setdefault(str(statement.object), statement.object)
        return list(found.values())

    def subjects(self, predicate: str, obj: str) -> list[str]:
        found: dict[str, None] = {}
        for statement in self._indexes()[1].get(obj, []):
            if statement.predicate.value == predicate:
                found.setdefault(statement.subject.value, None)
        return list(found)

    def _indexes(self) -> tuple[dict[str, list[Statement]], dict[str, list[Statement]]]:
        sizes = (len(self.outgoing), len(self.incoming), len(self.related))
        if self._indexed_sizes != sizes:
            by_subject: dict[str, list[Statement]] = {}
            by_object: dict[str, list[Statement]] = {}
            for statement in self.statements():
                by_subject.setdefault(statement.subject.value, []).append(statement)
                by_object.setdefault(statement.object.value, []).append(statement)
            self._by_subject, self._by_object, self._indexed_sizes = by_subject, by_object, sizes
        return self._by_subject, self._by_object


class InvalidIri(ValueError):
    """A string that cannot be an IRI (spaces, angle brackets...)."""


def iri_term(iri: str) -> str:
    """`<iri>` for a query, refusing what would not parse as one IRI."""
    try:
        return str(ox.NamedNode(iri))
    except ValueError as exc:
        raise InvalidIri(f"{iri!r} is not an IRI: {exc}") from exc


def resource_exists(store: ox.Store, iri: str) -> bool:
    """Whether any triple has `iri` as its subject or its object."""
    term = iri_term(iri)
    return bool(store.query(f"ASK {{ {{ {term} ?p ?o }} UNION {{ ?s ?p {term} }} }}"))


def describe_resource(
    store: ox.Store, iri: str, incoming_per_predicate: int = MAX_INCOMING_PER_PREDICATE
) -> ResourceDescription:
    """Gather the description of `iri`; an empty one (`exists` False) if the graph never names it.

    Incoming triples are kept up to `incoming_per_predicate` per predicate, with the full counts.
    """
    term = iri_term(iri)
    description = ResourceDescription(iri)
    description.outgoing = _statements(
        store, f"BIND({term} AS ?s) GRAPH ?g {{ ?s ?p ?o }}", MAX_OUTGOING, "outgoing", description
    )
    counts = store.query(f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p {term} }} GROUP BY ?p")
    description.incoming_counts = {row["p"].value: int(row["n"].value) for row in counts}
    for predicate in sorted(description.incoming_counts):
        description.incoming += _statements(
            store,
            f"BIND({term} AS ?o) BIND(<{predicate}> AS ?p) GRAPH ?g {{ ?s ?p ?o }}",
            incoming_per_predicate,
            f"incoming <{predicate}>",
            description,
        )
    if description.exists:
        _add_related(store, description)
        _add_labels(store, description)
    return description


def _add_related(store: ox.Store, description: ResourceDescription) -> None:
    iri = description.iri
    types = description.types
    whole: set[str] = set()  # nodes every outgoing triple of which travels with the resource
    whole.update(o.value for o in description.values(iri, CDO + "statusChange"))
    whole.update(s for s in description.subjects(CDO + "underAgreement", iri))
    whole.update(o.value for o in description.values(iri, CDO + "activity"))
    geometries = {o.value for o in description.values(iri, GEO + "hasGeometry")}
    claims = {o.value for o in description.values(iri, PROV + "wasDerivedFrom") if o.value.startswith(BASE)}
    if CDO + "CityNetwork" in types:
        whole.update(description.subjects(ORG + "organization", iri))
    whole.update(description.subjects(ORG + "member", iri))
    agreements = description.subjects(CDO + "party", iri)
    related: list[Statement] = []
    related += _outgoing(store, sorted(whole), None, description)
    related += _outgoing(store, sorted(claims), None, description)
    agreement_triples = _outgoing(store, agreements, AGREEMENT_SUMMARY, description)
    related += agreement_triples
    agreement_claims = {
        s.object.value
        for s in agreement_triples
        if s.predicate.value == PROV + "wasDerivedFrom" and s.object.value.startswith(BASE)
    }
    related += _outgoing(store, sorted(agreement_claims), CLAIM_SUMMARY, description)
    # Where the resource and the actors around it are, for maps.
    places = {iri}
    places.update(s.object.value for s in related if s.predicate.value == CDO + "party")
    places.update(s.object.value for s in description.outgoing if s.predicate.value == CDO + "party")
    places.update(s.object.value for s in description.outgoing if s.predicate.value == CDO + "twinnedWith")
    located = _outgoing(store, sorted(places), (GEO + "hasGeometry",), description)
    geometries.update(s.object.value for s in located)
    related += located
    related += _outgoing(store, sorted(geometries), GEOMETRY_SUMMARY, description)
    # The import records of the Wikidata graphs involved: when each was read, from what.
    imports = {
        IMPORT + graph.removeprefix(WIKIDATA_GRAPH)
        for statement in description.statements() + related
        for graph in statement.graphs
        if graph.startswith(WIKIDATA_GRAPH)
    }
    related += _outgoing(store, sorted(imports), None, description)
    known = {(s.subject, s.predicate, s.object) for s in description.outgoing + description.incoming}
    description.related = [s for s in related if (s.subject, s.predicate, s.object) not in known]


def _add_labels(store: ox.Store, description: ResourceDescription) -> None:
    named: dict[str, None] = {description.iri: None}
    for statement in description.statements():
        for term in (statement.subject, statement.predicate, statement.object):
            if isinstance(term, ox.NamedNode):
                named.setdefault(term.value, None)
        named.update((graph, None) for graph in statement.graphs)
    iris = list(named)[:MAX_LABELLED]
    if len(named) > MAX_LABELLED:
        description.truncated.append(f"labels of the first {MAX_LABELLED} linked resources only")
    for start in range(0, len(iris), 500):
        chosen = _subjects_and_predicates(store, iris[start : start + 500], LABEL_PREDICATES)
        rows = store.query(
            f"SELECT DISTINCT ?s ?label WHERE {{ {chosen} ?s ?p ?label FILTER(isLiteral(?label)) }}"
        )
        for row in rows:
            label = row["label"]
            description.labels.setdefault(row["s"].value, []).append((label.value, label.language or ""))


def _outgoing(
    store: ox.Store,
    subjects: Iterable[str],
    predicates: Iterable[str] | None,
    description: ResourceDescription,
) -> list[Statement]:
    subjects = list(subjects)
    if not subjects:
        return []
    if predicates is None:
        values = " ".join(iri_term(s) for s in subjects)
        pattern = f"VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }}"
    else:
        pattern = f"{_subjects_and_predicates(store, subjects, predicates)} GRAPH ?g {{ ?s ?p ?o }}"
    return _statements(store, pattern, MAX_RELATED, "related", description)


def _subjects_and_predicates(store: ox.Store, subjects: Iterable[str], predicates: Iterable[str]) -> str:
    """What binds ?s to one of `subjects` and ?p to one of `predicates`, in the shape the store reads fastest.

    Oxigraph reads `VALUES ?s` then each subject's triples, and filters. Virtuoso, given that filter,
    read every triple of the predicates first (0.2 s a page at 1M triples, 7.8 s at 10M), so a remote
    engine gets every (subject, predicate) pair in VALUES, which any engine reads pair by pair: longer
    to parse, a millisecond or two more a page on Oxigraph, level at any size.
    """
    if isinstance(store, ox.Store):
        values = " ".join(iri_term(s) for s in subjects)
        return f"VALUES ?s {{ {values} }} FILTER(?p IN ({', '.join(f'<{p}>' for p in predicates)}))"
    written = [f"<{p}>" for p in predicates]
    pairs = " ".join(f"({iri_term(s)} {p})" for s in subjects for p in written)
    return f"VALUES (?s ?p) {{ {pairs} }}"


def _statements(
    store: ox.Store, pattern: str, limit: int, what: str, description: ResourceDescription
) -> list[Statement]:
    rows = store.query(f"SELECT ?s ?p ?o ?g WHERE {{ {pattern} }} LIMIT {limit + 1}")
    grouped: dict[tuple, list[str]] = {}
    for count, row in enumerate(rows):
        if count == limit:
            description.truncated.append(f"{what}: first {limit} triples only")
            break
        grouped.setdefault((row["s"], row["p"], row["o"]), []).append(row["g"].value)
    return [Statement(s, p, o, tuple(sorted(graphs))) for (s, p, o), graphs in grouped.items()]


def named_graph_exists(store: ox.Store, iri: str) -> bool:
    return bool(store.query(f"ASK {{ GRAPH {iri_term(iri)} {{ ?s ?p ?o }} }}"))


def describe_named_graph(store: ox.Store, iri: str) -> ResourceDescription:
    """A named graph (one source) as a VoID dataset with its size, and its import record if any."""
    term = iri_term(iri)
    count = next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {term} {{ ?s ?p ?o }} }}")))["n"]
    node = ox.NamedNode(iri)
    description = ResourceDescription(iri)
    description.outgoing = [
        Statement(node, ox.NamedNode(TYPE), ox.NamedNode(VOID + "Dataset"), ()),
        Statement(node, ox.NamedNode(VOID + "triples"), count, ()),
    ]
    if iri.startswith(WIKIDATA_GRAPH):
        record = IMPORT + iri.removeprefix(WIKIDATA_GRAPH)
        description.outgoing.append(
            Statement(node, ox.NamedNode(PROV + "wasGeneratedBy"), ox.NamedNode(record), ())
        )
        description.related = _outgoing(store, [record], None, description)
    _add_labels(store, description)
    return description
