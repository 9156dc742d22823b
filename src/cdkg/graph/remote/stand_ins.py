"""IRIs an engine cannot hold as written, and the private IRIs it holds in their place.

Virtuoso 7.2 turns every `geo:wktLiteral` it loads into its own `virtrdf:Geometry`: the datatype
changes, `Point` becomes `POINT`, coordinates lose digits past about 14, a WKT with a CRS IRI is
refused, and a query naming a `geo:wktLiteral` constant fails. Loaded under a stand-in datatype,
the literals stay exactly as built; the store renames the IRI in queries and back in answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import AnyStr

import pyoxigraph as ox

from cdkg.graph.sparql_tokens import rename_iris
from cdkg.namespaces import BASE, GEO

STAND_IN_BASE = BASE + ".well-known/engine-stand-in/"
WKT_LITERAL = GEO + "wktLiteral"
_BY_ENGINE = {"virtuoso": {WKT_LITERAL: STAND_IN_BASE + "geosparql-wktLiteral"}}


def stand_ins_for(kind: str) -> dict[str, str]:
    """The IRIs an engine of this kind is given in place of others (original IRI -> stand-in)."""
    return dict(_BY_ENGINE.get(kind, {}))


class TermStandIns:
    """Replaces the stood-in IRIs of triples about to be loaded, as nodes and as datatypes."""

    def __init__(self, stand_ins: Mapping[str, str]) -> None:
        self._nodes = {ox.NamedNode(iri): ox.NamedNode(stand_in) for iri, stand_in in stand_ins.items()}
        self._datatypes = {iri: ox.NamedNode(stand_in) for iri, stand_in in stand_ins.items()}

    def __bool__(self) -> bool:
        return bool(self._nodes)

    def triple(self, triple: ox.Triple) -> ox.Triple:
        """The triple as the engine is to hold it (the same object when nothing in it stands in)."""
        subject, predicate, obj = triple.subject, triple.predicate, triple.object
        if isinstance(obj, ox.Literal):
            datatype = self._datatypes.get(obj.datatype.value)
            new_object = obj if datatype is None else ox.Literal(obj.value, datatype=datatype)
        else:
            new_object = self._nodes.get(obj, obj)
        new_subject, new_predicate = self._nodes.get(subject, subject), self._nodes.get(predicate, predicate)
        if new_subject is subject and new_predicate is predicate and new_object is obj:
            return triple
        return ox.Triple(new_subject, new_predicate, new_object)


def rename_to_stand_ins(query: str, stand_ins: Mapping[str, str]) -> str:
    """The query with each stood-in IRI it writes (as `<…>` or a prefixed name) replaced by its stand-in.

    A query that names one must write its last path segment (`geosparql`) somewhere, in the IRI or
    in a PREFIX or BASE, or hide it in a codepoint escape: queries with none of these are left unscanned.
    """
    segments = {iri.rsplit("/", 1)[-1].split("#", 1)[0] for iri in stand_ins}
    if any(segment in query for segment in segments) or "\\u" in query or "\\U" in query:
        return rename_iris(query, stand_ins)
    return query


def restore_stood_in(body: AnyStr, stand_ins: Mapping[str, str]) -> AnyStr:
    """An engine's answer (or message) with each stand-in IRI written as the IRI it stands for.

    Stand-ins live under our `.well-known/` path, which no data of ours writes, so a plain replace
    only ever meets them where the engine put them.
    """
    for iri, stand_in in stand_ins.items():
        if isinstance(body, bytes):
            body = body.replace(stand_in.encode(), iri.encode())
        else:
            body = body.replace(stand_in, iri)
    return body
