"""Finding resources by any of their names: every rdfs:label and skos:altLabel, in any language.

A query matches a label when it is a prefix or a substring of it once both are folded: case,
accents and punctuation ignored ("eskisehir" finds "Eskişehir", "saint josse" "Saint-Josse").
SPARQL cannot fold accents, so the labels are indexed once per build: here in memory, and by
`cdkg build` in a file the server searches (cdkg.graph.label_file).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from cdkg.namespaces import BASE, RDFS, SKOS

RESOURCES = BASE + "id/"
# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ı": "i", "ø": "o", "đ": "d", "ł": "l", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe"}
)
_SEPARATORS = re.compile(r"[\W_]+")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASSES = f"SELECT ?sub ?super WHERE {{ ?sub <{RDFS}subClassOf> ?super . FILTER(isIRI(?super)) }}"
CLASS_LABELS = (
    f'SELECT ?class ?label WHERE {{ ?class <{RDFS}label> ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }}'
)


def fold(text: str) -> str:
    """`text` as matching compares it: no accents, case or punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SEPARATORS.sub(" ", bare.translate(_UNDECOMPOSED)).strip()


@dataclass(frozen=True)
class LabelMatch:
    """A resource found by one of its labels: the label that matched, its language and the resource's type."""

    iri: str
    label: str
    language: str
    type_iri: str | None
    type_label: str | None
    alternative: bool


@dataclass(frozen=True)
class _Entry:
    folded: str
    iri: str
    label: str
    language: str
    alternative: bool


class LabelIndex:
    """The labels of every resource under https://w3id.org/cdkg/id/ in one build, searchable."""

    def __init__(self, entries: list[_Entry], types: dict[str, tuple[str, str]]) -> None:
        self._entries = entries
        self._types = types

    @classmethod
    def of_store(cls, store: ox.Store) -> LabelIndex:
        """Read by triple patterns, not one SELECT: a remote engine pages those below its row limit."""
        entries = [
            _Entry(fold(label.value), iri, label.value, label.language or "", prop == SKOS + "altLabel")
            for prop in (RDFS + "label", SKOS + "altLabel")
            for iri, label in _resources_with(store, prop)
            if isinstance(label, ox.Literal)
        ]
        entries.sort(key=lambda entry: (entry.iri, entry.alternative, entry.language, entry.label))
        return cls(entries, _most_specific_types(store))

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entries(self) -> list[_Entry]:
        """Every label, ordered by resource, preferred labels first (the order ties are broken in)."""
        return self._entries

    @property
    def types(self) -> dict[str, tuple[str, str]]:
        """Each resource's most specific type and that type's label."""
        return self._types

    def search(self, query: str, limit: int = 20) -> list[LabelMatch]:
        """Resources with a label holding `query`, best first: whole label, then prefix, word start, inside.

        One result per resource (its best-matching label); at most `limit` of them.
        """
        wanted = fold(query)
        if not wanted or limit < 1:
            return []
        best: dict[str, tuple[tuple, _Entry]] = {}
        for entry in self._entries:
            position = entry.folded.find(wanted)
            if position < 0:
                continue
            if entry.folded == wanted:
                rank = 0
            elif position == 0:
                rank = 1
            elif entry.folded[position - 1] == " ":
                rank = 2
            else:
                rank = 3
            key = (rank, entry.alternative, len(entry.folded), entry.iri)
            held = best.get(entry.iri)
            if held is None or key < held[0]:
                best[entry.iri] = (key, entry)
        ranked = sorted(best.values(), key=lambda pair: pair[0])[:limit]
        return [self._match(entry) for _, entry in ranked]

    def _match(self, entry: _Entry) -> LabelMatch:
        type_iri, type_label = self._types.get(entry.iri, (None, None))
        return LabelMatch(entry.iri, entry.label, entry.language, type_iri, type_label, entry.alternative)


def _most_specific_types(store: ox.Store) -> dict[str, tuple[str, str]]:
    """Each resource's most specific type (no subclass of it is also its type), with its English label."""
    supers: dict[str, set[str]] = defaultdict(set)
    for row in store.query(SUBCLASSES):
        supers[row["sub"].value].add(row["super"].value)
    labels: dict[str, str] = {}
    for row in store.query(CLASS_LABELS):
        # A class may have several English labels: the first in order, whatever order a store answers in.
        cls, label = row["class"].value, row["label"].value
        labels[cls] = min(label, labels.get(cls, label))
    types: dict[str, set[str]] = defaultdict(set)
    for iri, cls in _resources_with(store, RDF_TYPE):
        types[iri].add(cls.value)
    chosen = {}
    for iri, classes in types.items():
        implied = set().union(*(_ancestors(cls, supers) for cls in classes))
        specific = sorted(classes - implied) or sorted(classes)
        # Our own classes name the resource best; other vocabularies' types come after.
        specific.sort(key=lambda cls: not cls.startswith(BASE))
        chosen[iri] = (specific[0], labels.get(specific[0], _local_name(specific[0])))
    return chosen


def _resources_with(store: ox.Store, predicate: str) -> Iterator[tuple[str, ox.Term]]:
    """(IRI, value) of `predicate` for our resources, in the default graph (the merge of every graph)."""
    for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, ox.DefaultGraph()):
        if isinstance(quad.subject, ox.NamedNode) and quad.subject.value.startswith(RESOURCES):
            yield quad.subject.value, quad.object


def _ancestors(cls: str, supers: dict[str, set[str]]) -> set[str]:
    found: set[str] = set()
    pending = list(supers.get(cls, ()))
    while pending:
        parent = pending.pop()
        if parent not in found:
            found.add(parent)
            pending.extend(supers.get(parent, ()))
    return found


def _local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]
