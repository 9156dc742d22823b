"""Reconciliation of names against the graph: an index built from the store, scoring with explained features.

No web framework here: the Flask face (web/reconcil*.py) and `cdkg reconcile` both sit on top of it.
"""

from cdkg.matching.engine import MatchingEngine
from cdkg.matching.evidence import InvalidQuery
from cdkg.matching.model import (
    AgreementFacts,
    Candidate,
    EntityFacts,
    EntityType,
    Feature,
    MatchQuery,
    PropertyConstraint,
    Reference,
)

__all__ = [
    "AgreementFacts",
    "Candidate",
    "EntityFacts",
    "EntityType",
    "Feature",
    "InvalidQuery",
    "MatchQuery",
    "MatchingEngine",
    "PropertyConstraint",
    "Reference",
]
