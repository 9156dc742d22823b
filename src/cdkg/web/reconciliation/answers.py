"""The JSON the reconciliation service answers with: manifest, candidates, suggestions (API 0.2 shapes)."""

from __future__ import annotations

import re

from cdkg.matching import Candidate, EntityType
from cdkg.namespaces import BASE, CDO

NAME = "City Diplomacy Knowledge Graph"
IDENTIFIER_SPACE = BASE + "id/"
SCHEMA_SPACE = CDO
BATCH_SIZE = 50
PREVIEW_WIDTH, PREVIEW_HEIGHT = 400, 190
# Offered first in OpenRefine's type choice; the names are the ontology's English labels.
DEFAULT_TYPES = (
    EntityType(CDO + "City", "city"),
    EntityType(CDO + "LocalGovernment", "local government"),
    EntityType(CDO + "Region", "sub-national region"),
    EntityType(CDO + "CityNetwork", "city network"),
    EntityType(CDO + "TwinningAgreement", "twinning agreement"),
)
HOST_AND_PORT = re.compile(r"^(\[[^\]]*\]|[^:]*)(?::\d+)?$")


def manifest(service_root: str, host: str) -> dict:
    """The service manifest for a service at `service_root` (e.g. http://127.0.0.1:8080/reconcile).

    Our IRIs are dereferenceable, so an entity's page is its IRI; a server on this machine's
    loopback is not what w3id.org redirects to, so there the view goes through this server.
    """
    view = f"{service_root}/view?id={{{{id}}}}" if is_loopback(host) else "{{id}}"
    origin, path = _split(service_root)
    return {
        "versions": ["0.1", "0.2"],
        "name": NAME,
        "identifierSpace": IDENTIFIER_SPACE,
        "schemaSpace": SCHEMA_SPACE,
        "documentation": f"{service_root}/documentation",
        "defaultTypes": [{"id": t.id, "name": t.name} for t in DEFAULT_TYPES],
        "view": {"url": view},
        "preview": {
            "url": f"{service_root}/preview?id={{{{id}}}}",
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
        "suggest": {
            "entity": {
                "service_url": origin,
                "service_path": f"{path}/suggest/entity",
                "flyout_service_path": f"{path}/flyout/entity?id=${{id}}",
            },
            "type": {"service_url": origin, "service_path": f"{path}/suggest/type"},
            "property": {"service_url": origin, "service_path": f"{path}/suggest/property"},
        },
        "extend": {
            "propose_properties": {"service_url": origin, "service_path": f"{path}/extend/propose"},
            "property_settings": [
                {
                    "name": "limit",
                    "label": "Limit",
                    "type": "number",
                    "default": 0,
                    "help_text": "At most this many values per row for a many-valued property (0: all)",
                }
            ],
        },
        "batchSize": BATCH_SIZE,
    }


def candidate_json(candidate: Candidate) -> dict:
    """One candidate; its Wikidata QID is a field and ends its description, where OpenRefine shows it."""
    answer = {
        "id": candidate.id,
        "name": candidate.name,
        "description": describe(candidate.description, candidate.qid),
        "score": round(float(candidate.score), 2),
        "match": bool(candidate.match),
        "type": [type_json(t) for t in candidate.types],
        "features": [
            {"id": feature.id, "value": feature.value}
            for feature in candidate.features
            if isinstance(feature.value, bool | int | float)
        ],
    }
    if candidate.qid:
        answer["qid"] = candidate.qid
    return answer


def suggested_entity_json(candidate: Candidate) -> dict:
    answer = {
        "id": candidate.id,
        "name": candidate.name,
        "description": describe(candidate.description, candidate.qid),
        "notable": [type_json(t) for t in candidate.types],
    }
    if candidate.qid:
        answer["qid"] = candidate.qid
    return answer


def type_json(entity_type: EntityType) -> dict:
    return {"id": entity_type.id, "name": entity_type.name}


def describe(description: str, qid: str | None) -> str:
    """The engine's description, with the Wikidata QID appended when there is one."""
    if not qid or qid in description:
        return description
    return f"{description} · Wikidata {qid}" if description else f"Wikidata {qid}"


def is_loopback(host: str) -> bool:
    """Whether a Host header names this machine (localhost, 127.x.x.x, [::1]), with or without a port."""
    found = HOST_AND_PORT.match(host.strip().lower())
    name = found.group(1) if found else host
    return name in ("localhost", "[::1]") or name.startswith("127.")


def _split(url: str) -> tuple[str, str]:
    """`http://host:port/prefix/reconcile` as (`http://host:port`, `/prefix/reconcile`)."""
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    return f"{scheme}://{host}", "/" + path
