"""schema.org JSON-LD for a resource page, embedded for search engines.

The context is inline (`@vocab` schema.org) rather than the remote `https://schema.org`
context, so any JSON-LD processor reads it offline and gets the same schema.org terms.
"""

from __future__ import annotations

import json

from cdkg.graph.resource_description import ResourceDescription
from cdkg.graph.resource_views import agreement_summary, memberships_of, point_of
from cdkg.namespaces import CDO, DCT, OWL, RDFS

AGREEMENT_TYPES = {
    CDO + t for t in ("Agreement", "TwinningAgreement", "FriendshipAgreement", "CooperationAgreement")
}
# Addresses are IRIs, not strings, as schema.org's own context says.
CONTEXT = {
    "@vocab": "https://schema.org/",
    "sameAs": {"@type": "@id"},
    "url": {"@type": "@id"},
    "citation": {"@type": "@id"},
}
PLACE_TYPES = {CDO + t for t in ("City", "LocalGovernment", "Region")}


def schema_org(description: ResourceDescription, name: str, names: dict[str, str]) -> str:
    """The JSON-LD text for `description`; `names` gives the page's label of each linked IRI."""
    iri = description.iri
    types = description.types
    node: dict[str, object] = {"@context": CONTEXT, "@id": iri, "name": name}
    same_as = [o.value for o in description.values(iri, OWL + "sameAs")]
    geonames = [o.value for o in description.values(iri, CDO + "geonamesId")]
    same_as += [f"https://www.geonames.org/{g}" for g in geonames]
    comments = [o.value for o in description.values(iri, RDFS + "comment")]
    if comments:
        node["description"] = comments[0]
    if types & AGREEMENT_TYPES:
        summary = agreement_summary(description, iri)
        node["@type"] = "CreativeWork"
        node["about"] = [{"@id": p, "@type": "Place", "name": names.get(p, p)} for p in summary.parties]
        if summary.signing is not None:
            node["dateCreated"] = summary.signing.value
        begins, end = summary.begins, summary.end
        if begins is not None or end is not None:
            node["temporalCoverage"] = f"{begins.value if begins else '..'}/{end.value if end else '..'}"
        citations = [o.value for o in description.values(iri, DCT + "source")]
        if citations:
            node["citation"] = citations
    elif CDO + "CityNetwork" in types:
        node["@type"] = "Organization"
        members = [m.member for m in memberships_of(description, iri) if m.member]
        node["member"] = [{"@id": m, "name": names.get(m, m)} for m in members]
    elif CDO + "NationalGovernment" in types:
        node["@type"] = "Country"
    elif CDO + "Person" in types:
        node["@type"] = "Person"
    elif types & PLACE_TYPES or point_of(description, iri) is not None:
        node["@type"] = "City" if CDO + "City" in types else "Place"
        point = point_of(description, iri)
        if point is not None:
            node["geo"] = {"@type": "GeoCoordinates", "longitude": point[0], "latitude": point[1]}
    else:
        node["@type"] = "Thing"
    if same_as:
        node["sameAs"] = same_as
    node["url"] = iri
    return script_data(json.dumps(node, ensure_ascii=False, indent=1))


def script_data(json_text: str) -> str:
    """JSON text safe inside a <script> element: `<`, `>` and `&` as JSON escapes, so no label can
    end the element (`</script>`) or put the HTML parser in its escaped state (`<!--<script>`)."""
    return json_text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
