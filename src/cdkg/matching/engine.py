"""The matching engine: reconciles names against the graph's actors, networks and agreements."""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from cdkg.matching import names
from cdkg.matching.candidate_block import EMPTY, most_shared
from cdkg.matching.describe import describe, entity_facts
from cdkg.matching.evidence import InvalidQuery, QueryEvidence, read_evidence
from cdkg.matching.index import EntityIndex, IndexedEntity, IndexReads, word_starts
from cdkg.matching.model import Candidate, EntityFacts, EntityType, MatchQuery
from cdkg.matching.scoring import ScoredEntity, distance_km, is_match, score_entity
from cdkg.namespaces import CDO

BLOCK_SIZE = 60
NEAR_KM = 50.0
SUGGEST_SCAN = 2000
STRIPPED_WEIGHT = 0.98

PROPERTIES: tuple[tuple[str, str], ...] = (
    ("country", "Country"),
    ("wikidata", "Wikidata QID"),
    ("coordinates", "Coordinates (latitude,longitude)"),
    ("population", "Population"),
    ("partners", "Twinned with"),
    ("networks", "Member of city network"),
    ("agreements", "Agreements"),
    ("start", "Agreement start date"),
    ("end", "Agreement end date"),
    ("status", "Agreement status"),
)


class MatchingEngine:
    """Matching over an index of the graph's reconcilable entities, in memory or in its file; immutable."""

    def __init__(self, index: IndexReads) -> None:
        self._index = index
        self._types = sorted(
            (EntityType(iri, name) for iri, name in index.class_names.items()),
            key=lambda entity_type: entity_type.name.lower(),
        )

    @classmethod
    def from_store(cls, store: ox.Store) -> MatchingEngine:
        """Build the index in memory from the graph (labels, aliases, QIDs, types, countries, points...)."""
        return cls(EntityIndex(store))

    def __len__(self) -> int:
        return len(self._index.entities)

    # ------------------------------------------------------------------ matching

    def match(self, query: MatchQuery) -> list[Candidate]:
        """Candidates for one query, best first, at most `query.limit`; raises InvalidQuery for bad input."""
        if query.limit < 0:
            raise InvalidQuery(f"limit {query.limit} is negative: ask for 0 or more candidates.")
        evidence = read_evidence(query, self._index)
        wanted = self._classes(query.types, "type")
        unwanted = self._classes(query.exclude_types, "excluded type")
        ranked = self._rank(evidence, wanted, unwanted)
        matched = is_match(ranked)
        return [
            self._candidate(scored, matched and position == 0)
            for position, scored in enumerate(ranked[: query.limit])
        ]

    def match_batch(self, queries: Sequence[MatchQuery]) -> list[list[Candidate]]:
        """Candidates for each query of a batch, in order."""
        return [self.match(query) for query in queries]

    def _rank(
        self, evidence: QueryEvidence, wanted: frozenset[str], unwanted: frozenset[str]
    ) -> list[ScoredEntity]:
        index = self._index
        found: dict[int, tuple[float, str] | None] = {}
        for qid in evidence.qids | ({evidence.text_qid} if evidence.text_qid else set()):
            for position in index.by_qid.get(qid, ()):
                found.setdefault(position, None)
        for position, name in self._by_name(evidence.name_forms, evidence.stripped_forms).items():
            found[position] = name
        if evidence.point:
            for position in index.near(*evidence.point):
                entity = index.entities[position]
                if position not in found and distance_km(evidence.point, entity.points[0]) <= NEAR_KM:
                    found[position] = None
        scored = []
        for position, name in found.items():
            entity = index.entities[position]
            if wanted and not index.is_a(entity, wanted):
                continue
            if unwanted and index.is_a(entity, unwanted):
                continue
            if name is None and evidence.name_forms:
                name = _closest_name(evidence.name_forms, entity, evidence.stripped_forms)
            scored.append(score_entity(entity, name, evidence, index, bool(wanted)))
        scored.sort(key=_rank_key)
        return scored

    def _by_name(self, query_forms: Sequence[str], stripped: frozenset[str]) -> dict[int, tuple[float, str]]:
        """Entities whose forms share the most trigrams with the query's, each with its closest name."""
        index = self._index
        postings = [index.postings.get(gram, EMPTY) for form in query_forms for gram in names.trigrams(form)]
        positions: set[int] = set()
        for form in query_forms:
            positions.update(index.form_entities.get(form, ()))
        positions.update(index.entities_with_forms(most_shared(postings, BLOCK_SIZE)))
        return {
            position: _closest_name(query_forms, index.entities[position], stripped) for position in positions
        }

    def _candidate(self, scored: ScoredEntity, match: bool) -> Candidate:
        entity = scored.entity
        return Candidate(
            id=entity.iri,
            name=entity.name,
            qid=entity.qid,
            types=self._entity_types(entity),
            description=describe(entity, self._index),
            score=scored.score,
            match=match,
            features=scored.features,
        )

    def _entity_types(self, entity: IndexedEntity) -> tuple[EntityType, ...]:
        return tuple(EntityType(iri, self._index.class_names.get(iri, iri)) for iri in entity.types)

    def _classes(self, given: Sequence[str], what: str) -> frozenset[str]:
        return frozenset(self.resolve_type(value, what) for value in given)

    def resolve_type(self, value: str, what: str = "type") -> str:
        """A class IRI from its IRI, `cdo:` name or local name ("City"); raises InvalidQuery if unknown."""
        value = value.strip()
        known = self._index.ancestors
        for iri in (value, CDO + value.removeprefix("cdo:")):
            if iri in known:
                return iri
        for iri, name in self._index.class_names.items():
            if value.lower() in (name.lower(), iri.rsplit("#", 1)[-1].lower()):
                return iri
        local_names = ", ".join(sorted(iri.rsplit("#", 1)[-1] for iri in known))
        raise InvalidQuery(
            f"{what} {value!r} is not a type one can reconcile against; "
            f"use a class IRI or one of: {local_names}."
        )

    # ------------------------------------------------------------------ suggest, types, properties, facts

    def suggest_entities(self, prefix: str, types: Sequence[str] = (), limit: int = 10) -> list[Candidate]:
        """Entities with a name (a label or alias, or a word of it) starting with `prefix`: autocomplete."""
        key = names.fold(prefix)
        if not key or limit <= 0:
            return []
        wanted = self._classes(types, "type")
        hits: dict[int, bool] = {}
        for form, position in self._index.suggest_range(key, SUGGEST_SCAN):
            if not form.startswith(key):
                break
            if wanted and not self._index.is_a(self._index.entities[position], wanted):
                continue
            hits[position] = hits.get(position, False) or form == key
        order = sorted(
            hits, key=lambda position: _suggest_key(self._index.entities[position], hits[position])
        )
        return [self._suggestion(self._index.entities[position], key) for position in order[:limit]]

    def _suggestion(self, entity: IndexedEntity, key: str) -> Candidate:
        similarity, label = _closest_name((key,), entity)
        return Candidate(
            id=entity.iri,
            name=entity.name,
            qid=entity.qid,
            types=self._entity_types(entity),
            description=describe(entity, self._index),
            score=round(similarity * 100, 1),
            match=False,
            features=(),
        )

    def types(self) -> list[EntityType]:
        """The types one can reconcile against: cdo:Actor and cdo:Agreement and their subclasses."""
        return list(self._types)

    def suggest_types(self, prefix: str, limit: int = 10) -> list[EntityType]:
        """Types whose name or local name, or a word of either, starts with `prefix`."""
        key = names.fold(prefix)
        found = [
            entity_type
            for entity_type in self._types
            if _starts_a_word(key, entity_type.name) or _starts_a_word(key, entity_type.id.rsplit("#", 1)[-1])
        ]
        return found[:limit]

    def properties(self) -> list[tuple[str, str]]:
        """(pid, name): country, wikidata, coordinates, population constrain queries; all extend data."""
        return list(PROPERTIES)

    def suggest_properties(self, prefix: str, limit: int = 10) -> list[tuple[str, str]]:
        """Properties whose id or name, or a word of it, starts with `prefix`."""
        key = names.fold(prefix)
        return [
            (pid, name) for pid, name in PROPERTIES if _starts_a_word(key, pid) or _starts_a_word(key, name)
        ][:limit]

    def entity_facts(self, iri: str) -> EntityFacts | None:
        """What the graph says about one entity, or None if it is not an indexed entity."""
        entity = self._index.entity(iri)
        if entity is None:
            return None
        return entity_facts(entity, self._index, self._entity_types(entity))


def _closest_name(
    query_forms: Sequence[str], entity: IndexedEntity, stripped: frozenset[str] = frozenset()
) -> tuple[float, str]:
    """The best similarity of the query's forms to the entity's, and the label it was found on.

    A comparison that needed an affix taken off either side counts at STRIPPED_WEIGHT, so "Lyon" is closer
    to "Lyon" than "Lyon Metropole" is.
    """
    best, label = 0.0, ""
    for form in entity.forms:
        for query_form in query_forms:
            similarity = names.similarity(query_form, form)
            if form in entity.stripped_forms or query_form in stripped:
                similarity *= STRIPPED_WEIGHT
            if similarity > best:
                best, label = similarity, form
    return best, entity.form_texts.get(label, entity.name)


def _rank_key(scored: ScoredEntity) -> tuple[float, int, str]:
    return -scored.score, -(scored.entity.population or 0), scored.entity.iri


def _suggest_key(entity: IndexedEntity, exact: bool) -> tuple[bool, int, str]:
    return not exact, -(entity.population or 0), entity.name


def _starts_a_word(key: str, text: str) -> bool:
    folded = names.fold(text)
    return bool(key) and any(folded[start:].startswith(key) for start in word_starts(folded))
