"""The HTML page of a resource: one template per kind (actor, agreement, network, membership, other).

Everything is rendered by the server (readable with JavaScript off): labels in the reader's
language, statements grouped with the named graph (the source) of each, the licence and attribution
of every graph the shown facts come from, and for actors a map of their partners and a timeline of
their agreements as inline SVG.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property

import pyoxigraph as ox
from flask import render_template
from markupsafe import Markup, escape

from cdkg.graph.graph_licences import GraphLicence
from cdkg.graph.resource_description import TYPE, ResourceDescription, Statement
from cdkg.graph.resource_views import (
    Source,
    agreement_summary,
    agreements_of,
    claims_of,
    import_record,
    memberships_of,
    partners_of,
    point_of,
    source_of_graph,
    sources_of,
    status_history,
)
from cdkg.namespaces import ACTOR, CDO, DBR, DCT, OWL, PROV, RDFS, WD
from cdkg.web.linked_data.resource_graphics import partner_map, timeline
from cdkg.web.linked_data.resource_jsonld import AGREEMENT_TYPES, schema_org
from cdkg.web.linked_data.resource_labels import pick_label, reader_languages, short_name
from cdkg.web.plumbing.page_context import served_licences
from cdkg.web.plumbing.resource_links import href

ACTOR_TYPES = {
    CDO + t
    for t in (
        "Actor",
        "City",
        "LocalGovernment",
        "Region",
        "NationalGovernment",
        "Person",
        "CityAgency",
        "SupranationalBody",
        "CivilSocietyBody",
    )
}
# Shown in their own sections, so left out of the table of other statements.
SHOWN_APART = {RDFS + "label", RDFS + "comment", DCT + "source", DCT + "bibliographicCitation"}


def render_resource_page(description: ResourceDescription, alternates: list[tuple[str, str]]) -> str:
    page = ResourcePage(description, alternates)
    return render_template(f"resource_{page.kind}.html", page=page)


class ResourcePage:
    """What the templates read: labels, links and the sections of one resource's page."""

    def __init__(self, description: ResourceDescription, alternates: list[tuple[str, str]]) -> None:
        self.description = description
        self.iri = description.iri
        self.alternates = alternates
        self.languages = reader_languages()
        self._labels: dict[str, str] = {}
        types = description.types
        if types & AGREEMENT_TYPES:
            self.kind = "agreement"
        elif CDO + "CityNetwork" in types:
            self.kind = "network"
        elif CDO + "NetworkMembership" in types:
            self.kind = "membership"
        elif types & ACTOR_TYPES or self.iri.startswith(ACTOR):
            self.kind = "actor"
        else:
            self.kind = "resource"
        self.title = self.label(self.iri)

    # Labels and links.

    def label(self, iri: str) -> str:
        if iri not in self._labels:
            self._labels[iri] = self._label(iri)
        return self._labels[iri]

    def _label(self, iri: str) -> str:
        picked = pick_label(self.description.labels.get(iri, []), self.languages)
        if picked:
            return picked[0]
        parties = [o.value for o in self.description.values(iri, CDO + "party")]
        if parties:
            # An agreement imported without a label is named by its parties.
            names = sorted(self._party_label(p) for p in parties)
            return " – ".join(names)
        return short_name(iri)

    def _party_label(self, iri: str) -> str:
        picked = pick_label(self.description.labels.get(iri, []), self.languages)
        return picked[0] if picked else short_name(iri)

    def label_language(self, iri: str) -> str:
        picked = pick_label(self.description.labels.get(iri, []), self.languages)
        return picked[1] if picked else ""

    def href(self, iri: str) -> str:
        return href(iri)

    def link(self, iri: str) -> Markup:
        """An `<a>` to `iri` named by its label, the IRI in its title."""
        language = self.label_language(iri)
        lang = Markup(' lang="{}"').format(language) if language else ""
        return Markup('<a href="{}" title="{}"{}>{}</a>').format(self.href(iri), iri, lang, self.label(iri))

    def term(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Markup:
        if isinstance(term, ox.NamedNode):
            return self.link(term.value)
        if isinstance(term, ox.BlankNode):
            return Markup("<code>_:{}</code>").format(term.value)
        if term.language:
            return Markup('<span lang="{0}">{1}</span> <small>@{0}</small>').format(term.language, term.value)
        return escape(term.value)

    def source_badges(self, graphs: tuple[str, ...]) -> Markup:
        return Markup(" ").join(self._badge(source_of_graph(g)) for g in graphs)

    def _badge(self, source: Source) -> Markup:
        text = {"curated": "curated: {}.ttl", "wikidata": "Wikidata import: {}"}.get(source.kind, "{}")
        name = source.name
        if source.kind == "other" and source.graph in self._graph_licences:
            name = self._graph_licences[source.graph].title
        return Markup('<a class="source {}" href="{}" title="named graph {}">{}</a>').format(
            source.kind, self.href(source.graph), source.graph, text.format(name)
        )

    # Licences.

    @cached_property
    def _graph_licences(self) -> dict[str, GraphLicence]:
        return served_licences()

    @cached_property
    def licences(self) -> list[GraphLicence]:
        """The licence terms of each named graph a fact on the page comes from (or of the graph shown)."""
        graphs = {graph for statement in self.description.statements() for graph in statement.graphs}
        graphs.add(self.iri)
        known = self._graph_licences
        return [known[graph] for graph in sorted(graphs) if graph in known]

    @property
    def attributions(self) -> list[GraphLicence]:
        """The graphs whose facts need more than a CC0 note: an attribution, or that no licence is stated."""
        return [terms for terms in self.licences if not terms.public_domain]

    def licence_of(self, graph: str) -> GraphLicence | None:
        return self._graph_licences.get(graph)

    # Identity.

    @property
    def types(self) -> list[str]:
        return sorted(self.description.types)

    @property
    def other_labels(self) -> list[tuple[str, str]]:
        return sorted(self.description.labels.get(self.iri, []), key=lambda label: (label[1], label[0]))

    @property
    def comments(self) -> list[ox.Literal]:
        found = [o for o in self.description.values(self.iri, RDFS + "comment") if isinstance(o, ox.Literal)]
        labels = [(c.value, c.language or "") for c in found]
        best = pick_label(labels, self.languages)
        return [c for c in found if best and c.value == best[0]]

    @property
    def elsewhere(self) -> list[tuple[str, str]]:
        """(name of the site, address) for Wikidata, DBpedia, GeoNames and other owl:sameAs."""
        links = []
        for same in self.description.values(self.iri, OWL + "sameAs"):
            if same.value.startswith(WD):
                links.append(("Wikidata", "https://www.wikidata.org/wiki/" + same.value.removeprefix(WD)))
            elif same.value.startswith(DBR):
                links.append(("DBpedia", same.value))
            else:
                links.append((short_name(same.value), same.value))
        for geonames in self.description.values(self.iri, CDO + "geonamesId"):
            links.append(("GeoNames", f"https://www.geonames.org/{geonames.value}"))
        return sorted(links)

    @property
    def schema_org(self) -> Markup:
        names = {iri: self.label(iri) for iri in self.description.labels}
        return Markup(schema_org(self.description, self.title, names))

    # Sources.

    @property
    def references(self) -> list[str]:
        return [o.value for o in self.description.values(self.iri, DCT + "source")]

    @property
    def citations(self) -> list[ox.Literal]:
        found = self.description.values(self.iri, DCT + "bibliographicCitation")
        return [o for o in found if isinstance(o, ox.Literal)]

    @property
    def sources(self) -> list[Source]:
        return list(sources_of(self.description, self.iri))

    def import_record(self, source: Source) -> dict[str, str]:
        record = import_record(self.description, source)
        return {short_name(p): values[0].value for p, values in record.items()}

    # Statements.

    @property
    def outgoing(self) -> list[tuple[str, list[Statement]]]:
        shown = [s for s in self.description.outgoing if s.predicate.value not in SHOWN_APART]
        return self._grouped(shown)

    @property
    def incoming(self) -> list[tuple[str, list[Statement], int]]:
        counts = self.description.incoming_counts
        return [(p, rows, counts.get(p, len(rows))) for p, rows in self._grouped(self.description.incoming)]

    def _grouped(self, statements: list[Statement]) -> list[tuple[str, list[Statement]]]:
        groups: dict[str, list[Statement]] = {}
        for statement in statements:
            groups.setdefault(statement.predicate.value, []).append(statement)
        first = [TYPE]
        order = sorted(groups, key=lambda p: (p not in first, self.label(p).lower()))
        return [(p, groups[p]) for p in order]

    # Actors.

    @cached_property
    def agreements(self):
        return agreements_of(self.description, self.iri)

    @cached_property
    def partners(self):
        return sorted(partners_of(self.description, self.iri), key=lambda p: self.label(p.iri).lower())

    def asserted_by(self, agreement) -> str:
        """Who states an agreement: the curated data, and which sides' Wikidata statements."""
        sides = [self.label(a) for a in agreement.asserted_by]
        said = []
        if any(s.kind == "curated" for s in agreement.sources):
            said.append("curated sources")
        if sides:
            said.append(
                ("Wikidata statements of " if len(sides) > 1 else "Wikidata statement of ")
                + " and ".join(sides)
            )
        return "; ".join(said) or "—"

    @property
    def map(self):
        here = point_of(self.description, self.iri)
        if here is None:
            return None
        located = [
            (p.iri, self.label(p.iri), self.href(p.iri), p.point)
            for p in self.partners
            if p.point is not None
        ]
        if not located:
            return None
        return partner_map((self.iri, self.title, self.href(self.iri), here), located)

    @property
    def unmapped_partners(self):
        return [p for p in self.partners if p.point is None]

    @property
    def timeline(self):
        rows = []
        for agreement in self.agreements:
            if agreement.first_year is None:
                continue
            others = [self.label(p) for p in agreement.parties if p != self.iri]
            status = agreement.status.rsplit("/", 1)[-1] if agreement.status else "unknown"
            running = agreement.end is None and status not in ("terminated", "rejected", "attempted")
            rows.append(
                (
                    " – ".join(others) or self.label(agreement.iri),
                    self.href(agreement.iri),
                    status,
                    agreement.first_year,
                    agreement.last_year,
                    running,
                )
            )
        return timeline(rows, datetime.now(UTC).year)

    @property
    def undated_agreements(self):
        return [a for a in self.agreements if a.first_year is None]

    @property
    def memberships(self):
        return memberships_of(self.description, self.iri)

    # Agreements.

    @property
    def summary(self):
        return agreement_summary(self.description, self.iri)

    @property
    def claims(self):
        return claims_of(self.description, self.iri)

    @property
    def status_history(self):
        return status_history(self.description, self.iri)

    @property
    def activities(self) -> list[str]:
        found = self.description.subjects(CDO + "underAgreement", self.iri)
        found += [o.value for o in self.description.values(self.iri, CDO + "activity")]
        return list(dict.fromkeys(found))

    def values(self, subject: str, predicate: str):
        return self.description.values(subject, predicate)

    @property
    def derived_from(self) -> list[str]:
        return [o.value for o in self.description.values(self.iri, PROV + "wasDerivedFrom")]
