"""The matching index: every reconcilable entity of the graph with its names, identifiers and facts.

Read once from the store's default graph (the merge of all sources) by triple patterns, then looked up by
normalized name, character trigram, Wikidata QID and map cell, so a query never scans every entity.
"""

from __future__ import annotations

import bisect
import re
from abc import ABC, abstractmethod
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from cdkg.matching import names
from cdkg.namespaces import CDO, GEO, ORG, OWL, RDF, RDFS, SKOS, WD

ROOT_CLASSES = (CDO + "Actor", CDO + "Agreement")
COUNTRY_CLASS = CDO + "NationalGovernment"
AGREEMENT_CLASSES = frozenset((CDO + "Agreement",))
GRID_DEGREES = 1.0
PARTY_NAMES = 3

_POINT = re.compile(r"point\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)", re.IGNORECASE)
_QID_IRI = re.compile(
    r"^(?:http://www\.wikidata\.org/entity/|https://w3id\.org/cdkg/id/actor/)(Q[1-9][0-9]*)$"
)


@dataclass
class IndexedEntity:
    """One reconcilable entity: its IRI, names in every language, direct types and matching facts."""

    iri: str
    types: tuple[str, ...]
    qid: str | None = None
    labels: list[tuple[str, str]] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)
    name: str = ""
    country: str | None = None
    points: list[tuple[float, float]] = field(default_factory=list)
    population: int | None = None
    parties: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    status: str | None = None
    forms: tuple[str, ...] = ()
    stripped_forms: frozenset[str] = frozenset()
    form_texts: dict[str, str] = field(default_factory=dict)

    def all_names(self) -> list[tuple[str, str]]:
        """Labels then aliases, as (text, language tag or "")."""
        return self.labels + self.aliases


@dataclass
class Country:
    """A country an entity lies in, as the graph names it: for agreement with a query's country."""

    iri: str
    qid: str | None
    name: str
    forms: frozenset[str]


def qid_of(value: str) -> str | None:
    """The QID in a bare QID, a Wikidata entity IRI or one of our actor IRIs; None otherwise."""
    value = value.strip()
    if re.fullmatch(r"[Qq][1-9][0-9]*", value):
        return value.upper()
    found = _QID_IRI.match(value)
    return found.group(1) if found else None


def parse_wkt_point(wkt: str) -> tuple[float, float] | None:
    """(lat, lon) of a WKT point (`Point(lon lat)`, optionally after a CRS IRI); None if it is not one."""
    found = _POINT.search(wkt)
    if not found:
        return None
    lon, lat = float(found.group(1)), float(found.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def best_label(labels: list[tuple[str, str]]) -> str:
    """The label to show: English, else untagged, else another English variant, else the first by language."""

    def rank(item: tuple[str, str]) -> tuple[int, str, str]:
        text, lang = item
        order = 0 if lang == "en" else 1 if lang == "" else 2 if lang.startswith("en-") else 3
        return order, lang, text

    return min(labels, key=rank)[0] if labels else ""


class IndexReads(ABC):
    """The lookups the matching engine makes, over the tables of an index in memory or on disk."""

    by_iri: dict[str, int]
    entities: list[IndexedEntity]
    countries: dict[str, Country]
    status_names: dict[str, str]
    class_names: dict[str, str]
    ancestors: dict[str, frozenset[str]]
    country_by_form: dict[str, set[str]]
    country_by_qid: dict[str, str]

    def name_of(self, iri: str) -> str:
        """The best label of any resource the index knows (entity, country, status), else its IRI's end."""
        entity = self._entity(iri)
        if entity is not None and entity.name:
            return entity.name
        if entity is not None:
            return best_label(entity.labels) or best_label(entity.aliases) or iri.rsplit("/", 1)[-1]
        if iri in self.countries:
            return self.countries[iri].name
        return self.status_names.get(iri) or self.class_names.get(iri) or iri.rsplit("/", 1)[-1]

    def entity(self, iri: str) -> IndexedEntity | None:
        """The indexed entity with this IRI, if any."""
        return self._entity(iri)

    def is_a(self, entity: IndexedEntity, classes: frozenset[str]) -> bool:
        """Whether one of the entity's types is one of `classes` or a subclass of one."""
        return any(self.ancestors.get(cls, frozenset((cls,))) & classes for cls in entity.types)

    @abstractmethod
    def near(self, lat: float, lon: float) -> list[int]:
        """Entities in the map cells around a point (about ±1 degree), for candidates found by place."""

    @abstractmethod
    def entities_with_forms(self, form_ids: Iterable[int]) -> list[int]:
        """The positions of the entities having any of these name forms (by form id)."""

    @abstractmethod
    def suggest_range(self, key: str, limit: int) -> list[tuple[str, int]]:
        """Up to `limit` (name suffix at a word start, position) pairs from `key` on, in order."""

    def _entity(self, iri: str) -> IndexedEntity | None:
        index = self.by_iri.get(iri)
        return self.entities[index] if index is not None else None


class EntityIndex(IndexReads):
    """Entities with lookups by IRI, QID, exact form, trigram and map cell; classes with their ancestors."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.class_names: dict[str, str] = {}
        self.ancestors: dict[str, frozenset[str]] = {}
        self.entities: list[IndexedEntity] = []
        self.by_iri: dict[str, int] = {}
        self.by_qid: dict[str, list[int]] = defaultdict(list)
        self.countries: dict[str, Country] = {}
        self.country_by_form: dict[str, set[str]] = defaultdict(set)
        self.country_by_qid: dict[str, str] = {}
        self.status_names: dict[str, str] = {}
        self.agreements_of: dict[str, list[int]] = defaultdict(list)
        self.networks_of: dict[str, set[str]] = defaultdict(set)
        self.form_entities: dict[str, list[int]] = defaultdict(list)
        self.form_list: list[str] = []
        # Arrays of form ids (4 bytes each), as the candidate block counts them with numpy.
        self.postings: dict[str, array] = defaultdict(lambda: array("I"))
        self.grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        self._suggest_keys: list[tuple[str, int]] | None = None
        self._load()

    # ------------------------------------------------------------------ reading the graph

    def _objects(self, predicate: str) -> Iterator[tuple[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        for quad in self.store.quads_for_pattern(None, ox.NamedNode(predicate), None, ox.DefaultGraph()):
            if isinstance(quad.subject, ox.NamedNode):
                yield quad.subject.value, quad.object

    def _load(self) -> None:
        self._load_classes()
        for iri, obj in self._objects(RDF + "type"):
            if isinstance(obj, ox.NamedNode) and obj.value in self.ancestors:
                index = self.by_iri.get(iri)
                if index is None:
                    self.by_iri[iri] = len(self.entities)
                    self.entities.append(IndexedEntity(iri, (obj.value,)))
                else:
                    self.entities[index].types += (obj.value,)
        label_sink: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for iri, obj in self._objects(RDFS + "label"):
            if isinstance(obj, ox.Literal):
                label_sink[iri].append((obj.value, obj.language or ""))
        for iri, obj in self._objects(SKOS + "altLabel"):
            entity = self._entity(iri)
            if entity is not None and isinstance(obj, ox.Literal):
                entity.aliases.append((obj.value, obj.language or ""))
        for iri, labels in label_sink.items():
            entity = self._entity(iri)
            if entity is not None:
                entity.labels = sorted(set(labels), key=lambda item: (item[1], item[0]))
        for iri, obj in self._objects(SKOS + "prefLabel"):
            if isinstance(obj, ox.Literal) and obj.language in ("en", None):
                self.status_names.setdefault(iri, obj.value)
        self._load_facts()
        self._load_countries(label_sink)
        for entity in self.entities:
            entity.aliases = sorted(
                set(entity.aliases) - set(entity.labels), key=lambda item: (item[1], item[0])
            )
            entity.name = best_label(entity.labels) or best_label(entity.aliases)
        for index, entity in enumerate(self.entities):
            if not entity.name and entity.parties:
                entity.name = self._agreement_name(entity)
            if not entity.name:
                entity.name = entity.qid or entity.iri.rsplit("/", 1)[-1]
            self._index_names(index, entity)
            for lat, lon in entity.points[:1]:
                self.grid[cell_of(lat, lon)].append(index)

    def _load_classes(self) -> None:
        parents: dict[str, set[str]] = defaultdict(set)
        for iri, obj in self._objects(RDFS + "subClassOf"):
            if isinstance(obj, ox.NamedNode):
                parents[iri].add(obj.value)

        def ancestors_of(cls: str, seen: frozenset[str] = frozenset()) -> set[str]:
            found = {cls}
            for parent in parents.get(cls, ()):
                if parent not in seen:
                    found |= ancestors_of(parent, seen | {cls})
            return found

        candidates = set(parents) | set(ROOT_CLASSES)
        for cls in candidates:
            lineage = ancestors_of(cls)
            if lineage & set(ROOT_CLASSES):
                self.ancestors[cls] = frozenset(lineage)
        for iri, obj in self._objects(RDFS + "label"):
            if iri in self.ancestors and isinstance(obj, ox.Literal) and obj.language in ("en", None):
                self.class_names.setdefault(iri, obj.value)
        for cls in self.ancestors:
            self.class_names.setdefault(cls, cls.rsplit("#", 1)[-1])

    def _load_facts(self) -> None:
        for iri, obj in self._objects(OWL + "sameAs"):
            entity = self._entity(iri)
            if entity is not None and isinstance(obj, ox.NamedNode) and obj.value.startswith(WD):
                entity.qid = entity.qid or qid_of(obj.value)
                if entity.qid:
                    self.by_qid[entity.qid].append(self.by_iri[iri])
        geometries: dict[str, list[str]] = defaultdict(list)
        for iri, obj in self._objects(GEO + "hasGeometry"):
            if isinstance(obj, ox.NamedNode):
                geometries[obj.value].append(iri)
        for iri, obj in self._objects(GEO + "asWKT"):
            point = parse_wkt_point(obj.value) if isinstance(obj, ox.Literal) else None
            for owner in geometries.get(iri, [iri]):
                entity = self._entity(owner)
                if entity is not None and point is not None:
                    entity.points.append(point)
        for iri, obj in self._objects(CDO + "population"):
            entity = self._entity(iri)
            if entity is not None and isinstance(obj, ox.Literal):
                try:
                    value = int(float(obj.value))
                except ValueError:
                    continue
                entity.population = max(entity.population or 0, value)
        parties: dict[str, list[str]] = defaultdict(list)
        for iri, obj in self._objects(CDO + "party"):
            if iri in self.by_iri and isinstance(obj, ox.NamedNode):
                parties[iri].append(obj.value)
                self.agreements_of[obj.value].append(self.by_iri[iri])
        for iri, members in parties.items():
            self.entities[self.by_iri[iri]].parties = tuple(sorted(members))
        for predicate, attribute in (
            (CDO + "signingDate", "start"),
            (CDO + "startDate", "start"),
            (CDO + "endDate", "end"),
        ):
            for iri, obj in self._objects(predicate):
                entity = self._entity(iri)
                if entity is not None and isinstance(obj, ox.Literal):
                    setattr(entity, attribute, obj.value)
        for iri, obj in self._objects(CDO + "status"):
            entity = self._entity(iri)
            if entity is not None and isinstance(obj, ox.NamedNode):
                entity.status = obj.value
        for iri, obj in self._objects(CDO + "memberOf"):
            if isinstance(obj, ox.NamedNode):
                self.networks_of[iri].add(obj.value)
        organizations = dict(self._objects(ORG + "organization"))
        for membership, member in self._objects(ORG + "member"):
            network = organizations.get(membership)
            if isinstance(member, ox.NamedNode) and isinstance(network, ox.NamedNode):
                self.networks_of[member.value].add(network.value)
        for iri, obj in self._objects(CDO + "inCountry"):
            entity = self._entity(iri)
            if entity is not None and isinstance(obj, ox.NamedNode):
                entity.country = obj.value

    def _load_countries(self, label_sink: dict[str, list[tuple[str, str]]]) -> None:
        iris = {entity.country for entity in self.entities if entity.country}
        iris |= {entity.iri for entity in self.entities if COUNTRY_CLASS in entity.types}
        for iri in iris:
            entity = self._entity(iri)
            labels = list(label_sink.get(iri, []))
            if entity is not None:
                labels += entity.aliases
            qid = (entity.qid if entity else None) or qid_of(iri)
            forms = frozenset(form for text, _ in labels for form in names.forms(text))
            self.countries[iri] = Country(iri, qid, best_label(labels) or (qid or iri), forms)
            for form in forms:
                self.country_by_form[form].add(iri)
            if qid:
                self.country_by_qid[qid] = iri

    def _agreement_name(self, entity: IndexedEntity) -> str:
        party_names = [self.name_of(party) for party in entity.parties]
        kind = self.class_names.get(entity.types[0], "agreement") if entity.types else "agreement"
        return f"{' – '.join(party_names)} ({kind.lower()})"

    def _index_names(self, index: int, entity: IndexedEntity) -> None:
        texts = [text for text, _ in entity.all_names()]
        if len(entity.parties) == 2:
            left, right = (self._party_names(party) for party in entity.parties)
            texts.extend(f"{one} {other}" for one in left for other in right)
        elif entity.parties:
            texts.append(" ".join(self.name_of(party) for party in entity.parties))
        # Affixes are a place's: an agreement's names are compared folded only.
        is_agreement = bool(entity.parties) or self.is_a(entity, AGREEMENT_CLASSES)
        forms: dict[str, str] = {}
        folded: set[str] = set()
        for text in texts:
            for form in (names.fold(text),) if is_agreement else names.forms(text):
                if form:
                    forms.setdefault(form, text)
            folded.add(names.fold(text))
        entity.forms = tuple(forms)
        entity.form_texts = forms
        entity.stripped_forms = frozenset(set(forms) - folded)
        for form in entity.forms:
            owners = self.form_entities[form]
            if not owners:
                form_id = len(self.form_list)
                self.form_list.append(form)
                for gram in names.trigrams(form):
                    self.postings[gram].append(form_id)
            owners.append(index)

    def _party_names(self, iri: str) -> list[str]:
        """A party's names to combine into its agreements' names: English, untagged, then two more."""
        entity = self._entity(iri)
        if entity is None:
            return [self.name_of(iri)]
        ranked = sorted(entity.labels, key=lambda item: (item[1] not in ("en", ""), item[1]))
        return list(dict.fromkeys([entity.name] + [text for text, _ in ranked]))[:PARTY_NAMES]

    # ------------------------------------------------------------------ lookups

    def near(self, lat: float, lon: float) -> list[int]:
        row, col = cell_of(lat, lon)
        found: list[int] = []
        for d_row in (-1, 0, 1):
            for d_col in (-1, 0, 1):
                found.extend(self.grid.get((row + d_row, (col + d_col) % 360), ()))
        return found

    def entities_with_forms(self, form_ids: Iterable[int]) -> list[int]:
        return [position for form_id in form_ids for position in self.form_entities[self.form_list[form_id]]]

    def suggest_keys(self) -> Iterator[tuple[str, int]]:
        """(name suffix at a word start, position) for every form of every entity: autocomplete's keys."""
        for position, entity in enumerate(self.entities):
            for form in entity.forms:
                for start in word_starts(form):
                    yield form[start:], position

    def suggest_range(self, key: str, limit: int) -> list[tuple[str, int]]:
        if self._suggest_keys is None:
            self._suggest_keys = sorted(set(self.suggest_keys()))
        start = bisect.bisect_left(self._suggest_keys, (key, -1))
        return self._suggest_keys[start : start + limit]


def word_starts(form: str) -> list[int]:
    """Where the words of a folded name start."""
    return [0] + [position + 1 for position, char in enumerate(form) if char == " "]


def cell_of(lat: float, lon: float) -> tuple[int, int]:
    return int((lat + 90) // GRID_DEGREES), int((lon + 180) // GRID_DEGREES) % 360
