"""The matching engine: reconciles names against the graph's actors, networks and agreements."""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from cdkg.matching.model import Candidate, EntityFacts, EntityType, MatchQuery


class MatchingEngine:
    """An in-memory index of the graph's reconcilable entities, built once from a store."""

    @classmethod
    def from_store(cls, store: ox.Store) -> MatchingEngine:
        """Build the index from the graph (labels, aliases, QIDs, types, countries, points, populations)."""
        raise NotImplementedError("MatchingEngine.from_store is being written (issue 7)")

    def match(self, query: MatchQuery) -> list[Candidate]:
        """Candidates for one query, best first, at most `query.limit`."""
        raise NotImplementedError("MatchingEngine.match is being written (issue 7)")

    def match_batch(self, queries: Sequence[MatchQuery]) -> list[list[Candidate]]:
        """Candidates for each query of a batch, in order."""
        raise NotImplementedError("MatchingEngine.match_batch is being written (issue 7)")

    def suggest_entities(self, prefix: str, types: Sequence[str] = (), limit: int = 10) -> list[Candidate]:
        """Entities whose name (any label or alias) starts with `prefix`, for autocomplete."""
        raise NotImplementedError("MatchingEngine.suggest_entities is being written (issue 7)")

    def types(self) -> list[EntityType]:
        """The types one can reconcile against."""
        raise NotImplementedError("MatchingEngine.types is being written (issue 7)")

    def suggest_types(self, prefix: str, limit: int = 10) -> list[EntityType]:
        """Types whose name or IRI local name starts with `prefix` (or a word of it does)."""
        raise NotImplementedError("MatchingEngine.suggest_types is being written (issue 7)")

    def properties(self) -> list[tuple[str, str]]:
        """(pid, name) of the properties usable as query constraints and for data extension."""
        raise NotImplementedError("MatchingEngine.properties is being written (issue 7)")

    def suggest_properties(self, prefix: str, limit: int = 10) -> list[tuple[str, str]]:
        """Properties whose id or name starts with `prefix`."""
        raise NotImplementedError("MatchingEngine.suggest_properties is being written (issue 7)")

    def entity_facts(self, iri: str) -> EntityFacts | None:
        """What the graph says about one entity, or None if it is not an indexed entity."""
        raise NotImplementedError("MatchingEngine.entity_facts is being written (issue 7)")
