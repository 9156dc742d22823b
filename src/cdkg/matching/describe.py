"""What people read about an entity: a one-line description, and its facts for previews and data extension."""

from __future__ import annotations

from cdkg.matching.index import IndexedEntity, IndexReads
from cdkg.matching.model import AgreementFacts, EntityFacts, EntityType, Reference


def main_type(entity: IndexedEntity, index: IndexReads) -> str:
    """The entity's most specific type's name, capitalized ("City", "Twinning agreement")."""
    if not entity.types:
        return "Entity"
    most_specific = max(entity.types, key=lambda cls: (len(index.ancestors.get(cls, ())), cls))
    name = index.class_names.get(most_specific, most_specific)
    return name[:1].upper() + name[1:]


def describe(entity: IndexedEntity, index: IndexReads) -> str:
    """One line: "City in Germany, pop. 773,068" or "Twinning agreement: Le Mans – Paderborn, 1967-06-03–"."""
    kind = main_type(entity, index)
    if entity.parties:
        parts = [f"{kind}: " + " – ".join(index.name_of(party) for party in entity.parties)]
        if entity.start or entity.end:
            parts.append(f"{entity.start or '?'}–{entity.end or ''}")
        if entity.status:
            parts.append(index.name_of(entity.status))
        return ", ".join(parts)
    text = kind
    if entity.country:
        text += f" in {index.name_of(entity.country)}"
    if entity.population:
        text += f", pop. {entity.population:,}"
    return text


def entity_facts(entity: IndexedEntity, index: IndexReads, types: tuple[EntityType, ...]) -> EntityFacts:
    """Everything the index holds about one entity, with the agreements it is party to."""
    agreements = []
    partners: dict[str, Reference] = {}
    for position in index.agreements_of.get(entity.iri, ()):
        agreement = index.entities[position]
        others = [party for party in agreement.parties if party != entity.iri]
        partner = _reference(others[0], index) if others else None
        for other in others:
            partners[other] = _reference(other, index)
        agreements.append(
            AgreementFacts(
                id=agreement.iri,
                name=agreement.name,
                partner=partner,
                start=agreement.start,
                end=agreement.end,
                status=_reference(agreement.status, index) if agreement.status else None,
            )
        )
    for party in entity.parties:
        partners[party] = _reference(party, index)
    agreements.sort(key=lambda facts: (facts.partner.name if facts.partner else "", facts.id))
    return EntityFacts(
        id=entity.iri,
        name=entity.name,
        qid=entity.qid,
        types=types,
        labels=tuple(entity.all_names()),
        country=_reference(entity.country, index) if entity.country else None,
        coordinates=entity.points[0] if entity.points else None,
        population=entity.population,
        partners=tuple(sorted(partners.values(), key=lambda reference: (reference.name, reference.id))),
        networks=tuple(
            sorted(
                (_reference(network, index) for network in index.networks_of.get(entity.iri, ())),
                key=lambda reference: (reference.name, reference.id),
            )
        ),
        agreements=tuple(agreements),
        description=describe(entity, index),
        start=entity.start,
        end=entity.end,
        status=_reference(entity.status, index) if entity.status else None,
    )


def _reference(iri: str, index: IndexReads) -> Reference:
    return Reference(iri, index.name_of(iri))
