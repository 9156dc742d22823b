"""The quads of the Covenant of Mayors roster: signatories, their memberships, the bodies around them.

IRIs (stable across rebuilds, documented in triples/snapshots/gcom-mycovenant-2024/README.md):
- signatory            actor/gcom-signatory/<organisation_id>
- its membership       membership/gcom-signatory-<organisation_id>
- its mayor's post     actor/gcom-signatory/<organisation_id>/mayor
- the mayor named      person/gcom-2024-mayor-<organisation_id> (one person per row: two mayors with
                       the same name are not taken to be one person)
- coordinator/supporter actor/gcom-body/<slug>-<digest>, from the name after whitespace and case
                       normalisation (the roster gives them no id: two spellings that differ after
                       normalisation stay two actors), and membership/gcom-<role>-<slug>-<digest>
- country              actor/Q<id>, the Wikidata item of the ISO code (countries.csv)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable

import pyoxigraph as ox

from cdkg.ingest.covenant_rows import Country, SignatoryRow
from cdkg.namespaces import (
    ACTOR,
    CDO,
    DCT,
    GEO,
    MEMBERSHIP,
    ORG,
    OWL,
    PERSON,
    PROV,
    RDF,
    RDFS,
    ROLE,
    SKOS,
    STATUS,
    WD,
    XSD,
)

NETWORK = ACTOR + "network/global-covenant-of-mayors"
COMMITMENT = "https://w3id.org/cdkg/scheme/covenant-commitment/"
ADHESION = "https://w3id.org/cdkg/scheme/covenant-adhesion/"
DATASET = "https://data.jrc.ec.europa.eu/dataset/b425918f-53a1-495c-8619-cd370c302eb0"
AS_OF = "2024-01"  # the month of the JRC release the roster describes
ROLES = {"coordinator": ROLE + "covenant-coordinator", "supporter": ROLE + "covenant-supporter"}

Add = Callable[[ox.NamedNode, str, "ox.NamedNode | ox.Literal"], None]


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=_n(XSD + datatype))


def signatory_iri(organisation_id: str) -> str:
    """The signatory's IRI, from its MyCovenant id: the same row gives the same IRI in every build."""
    return f"{ACTOR}gcom-signatory/{organisation_id}"


def normalised_name(name: str) -> str:
    """A body's name as its key: Unicode NFC, whitespace collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def body_key(name: str) -> str:
    """A readable, stable key for a coordinator or supporter: ASCII slug and a digest of the name."""
    key = normalised_name(name)
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", key) if not unicodedata.combining(ch))
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:60].strip("-")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else digest


def body_iri(name: str) -> str:
    """A coordinator's or supporter's IRI, from its normalised name (the roster gives it no id)."""
    return f"{ACTOR}gcom-body/{body_key(name)}"


def network_triples(add: Add) -> None:
    """The Covenant as a city network. Its Wikidata item was not verified: no owl:sameAs."""
    network = _n(NETWORK)
    add(network, RDF + "type", _n(CDO + "CityNetwork"))
    add(network, RDFS + "label", ox.Literal("Global Covenant of Mayors for Climate & Energy", language="en"))
    add(
        network,
        RDFS + "comment",
        ox.Literal(
            "City network of local governments committed to climate and energy targets. The European "
            "Covenant of Mayors (2008) merged into it in 2016; its signatories here are those of the JRC's "
            "MyCovenant roster of January 2024. Its Wikidata item was not verified, so no owl:sameAs "
            "is stated.",
            language="en",
        ),
    )
    add(network, DCT + "source", _n(DATASET))


def country_triples(countries: Iterable[Country], add: Add) -> None:
    """Each country a signatory lies in, as the national government of its Wikidata item."""
    for country in countries:
        actor = _n(ACTOR + country.qid)
        add(actor, RDF + "type", _n(CDO + "NationalGovernment"))
        add(actor, OWL + "sameAs", _n(WD + country.qid))
        add(actor, RDFS + "label", ox.Literal(country.name, language="en"))


def signatory_triples(
    row: SignatoryRow,
    countries: dict[str, Country],
    groups: set[str],
    points: dict[str, tuple[float, float]],
    unique_gcom_ids: set[str],
    add: Add,
) -> None:
    """One signatory: the actor, its membership of the Covenant, its mayor."""
    actor = _n(signatory_iri(row.organisation_id))
    add(actor, RDF + "type", _n(CDO + ("LocalGovernmentGroup" if row.is_group else "LocalGovernment")))
    add(actor, RDFS + "label", ox.Literal(row.name))  # language unknown: left untagged
    add(actor, CDO + "myCovenantId", ox.Literal(row.organisation_id))
    if row.gcom_id in unique_gcom_ids:
        add(actor, CDO + "gcomId", ox.Literal(row.gcom_id))
    add(actor, CDO + "inCountry", _n(ACTOR + countries[row.country_code].qid))
    add(actor, CDO + "memberOf", _n(NETWORK))
    add(actor, DCT + "source", _n(DATASET))
    if row.population is not None:
        add(actor, CDO + "population", _typed(str(row.population), "integer"))
        if row.adhesion is not None:
            add(actor, CDO + "populationDate", _typed(str(row.adhesion.year), "gYear"))
    if row.group_id in groups:
        add(actor, CDO + "groupMemberOf", _n(signatory_iri(row.group_id)))
    if row.organisation_id in points:
        latitude, longitude = points[row.organisation_id]
        wkt = f"Point({longitude!r} {latitude!r})"
        geometry = _n(f"{actor.value}/geometry/{hashlib.sha1(wkt.encode()).hexdigest()[:12]}")
        add(actor, GEO + "hasGeometry", geometry)
        add(geometry, RDF + "type", _n(GEO + "Geometry"))
        add(geometry, GEO + "asWKT", ox.Literal(wkt, datatype=_n(GEO + "wktLiteral")))
    _membership(row, actor, add)
    if row.mayor is not None:
        _mayor(row, actor, add)


def _membership(row: SignatoryRow, actor: ox.NamedNode, add: Add) -> None:
    membership = _n(f"{MEMBERSHIP}gcom-signatory-{row.organisation_id}")
    add(membership, RDF + "type", _n(CDO + "NetworkMembership"))
    add(membership, RDFS + "label", ox.Literal(f"{row.name} in the Covenant of Mayors", language="en"))
    add(membership, ORG + "member", actor)
    add(membership, ORG + "organization", _n(NETWORK))
    add(membership, ORG + "role", _n(ROLE + "member"))
    if row.adhesion is not None:
        add(membership, CDO + "startDate", _typed(row.adhesion.isoformat(), "date"))
    add(membership, CDO + "membershipStatus", _n(STATUS + row.status))
    add(membership, CDO + "asOf", _typed(AS_OF, "gYearMonth"))
    for concept in row.commitments:
        add(membership, CDO + "commitment", _n(COMMITMENT + concept))
    if row.adhesion_type is not None:
        add(membership, CDO + "adhesionType", _n(ADHESION + row.adhesion_type))
    if row.coordinator is not None:
        add(membership, CDO + "coordinatedBy", _n(body_iri(row.coordinator)))
    if row.supporter is not None:
        add(membership, CDO + "supportedBy", _n(body_iri(row.supporter)))
    add(membership, DCT + "source", _n(DATASET))


def _mayor(row: SignatoryRow, actor: ox.NamedNode, add: Add) -> None:
    """The mayor the roster names, holding the signatory's mayoral post as of the release."""
    person = _n(f"{PERSON}gcom-2024-mayor-{row.organisation_id}")
    post = _n(f"{actor.value}/mayor")
    add(person, RDF + "type", _n(CDO + "Person"))
    add(person, RDFS + "label", ox.Literal(row.mayor))
    add(person, ORG + "holds", post)
    add(person, DCT + "source", _n(DATASET))
    add(post, RDF + "type", _n(ORG + "Post"))
    what = "Mayor representing the group" if row.is_group else "Mayor of"
    add(post, RDFS + "label", ox.Literal(f"{what} {row.name}", language="en"))
    add(post, ORG + "postIn", actor)
    add(post, CDO + "asOf", _typed(AS_OF, "gYearMonth"))
    add(post, DCT + "source", _n(DATASET))
    add(actor, CDO + "headOfGovernment", person)


def body_triples(rows: Iterable[SignatoryRow], add: Add) -> Counter[str]:
    """Coordinators and supporters as actors, each with its membership in its role; counts by role."""
    spellings: dict[str, Counter[str]] = {}
    roles: dict[str, set[str]] = {}
    for row in rows:
        for role, name in (("coordinator", row.coordinator), ("supporter", row.supporter)):
            if name is not None:
                key = body_key(name)
                spellings.setdefault(key, Counter())[name] += 1
                roles.setdefault(key, set()).add(role)
    counts: Counter[str] = Counter()
    for key in sorted(spellings):
        actor = _n(f"{ACTOR}gcom-body/{key}")
        names = [name for name, _ in spellings[key].most_common()]
        add(actor, RDF + "type", _n(CDO + "Actor"))
        add(actor, RDFS + "label", ox.Literal(names[0]))
        for other in names[1:]:
            add(actor, SKOS + "altLabel", ox.Literal(other))
        add(actor, DCT + "source", _n(DATASET))
        for role in sorted(roles[key]):
            counts[role] += 1
            membership = _n(f"{MEMBERSHIP}gcom-{role}-{key}")
            add(membership, RDF + "type", _n(CDO + "NetworkMembership"))
            title = "Covenant Coordinator" if role == "coordinator" else "Covenant Supporter"
            add(membership, RDFS + "label", ox.Literal(f"{names[0]}, {title}", language="en"))
            add(membership, ORG + "member", actor)
            add(membership, ORG + "organization", _n(NETWORK))
            add(membership, ORG + "role", _n(ROLES[role]))
            add(membership, CDO + "asOf", _typed(AS_OF, "gYearMonth"))
            add(membership, DCT + "source", _n(DATASET))
    return counts


def graph_description(graph: ox.NamedNode, add: Add) -> None:
    """What the named graph is: its source, licence, rights holder, attribution and date of data."""
    add(graph, RDF + "type", _n(PROV + "Entity"))
    add(graph, DCT + "title", ox.Literal("Covenant of Mayors signatories (JRC, January 2024)", language="en"))
    add(graph, DCT + "source", _n(DATASET))
    add(graph, PROV + "wasDerivedFrom", _n(DATASET))
    add(graph, DCT + "license", _n("http://creativecommons.org/licenses/by/4.0/"))
    add(graph, DCT + "rightsHolder", _n(WD + "Q458"))  # the European Union
    add(graph, DCT + "rights", ox.Literal(ATTRIBUTION, language="en"))
    add(graph, DCT + "bibliographicCitation", ox.Literal(CITATION))
    add(graph, PROV + "generatedAtTime", _typed(AS_OF, "gYearMonth"))
    add(graph, RDFS + "comment", ox.Literal(CHANGES, language="en"))


CITATION = (
    "Baldi, Marta Giulia; Franco, Camilo; Melica, Giulia; Treville, Aldo; Bertoldi, Paolo. 2024. Global "
    "Covenant of Mayors - A complete collection of action plans and monitoring reports from MyCovenant "
    "reporting platform, Joint Research Centre (JRC) [Dataset ID 5th Release - January 2024]"
)
ATTRIBUTION = (
    "© European Union, 1995-2023. Source: European Commission, Joint Research Centre (JRC), Global Covenant "
    "of Mayors signatories (MyCovenant, 5th release, January 2024), licensed under CC BY 4.0. Changed by "
    "cdkg: mapped to RDF; some coordinates left out."
)
CHANGES = (
    "Made by cdkg from the JRC's signatories table (df1), shipped compressed in "
    "triples/snapshots/gcom-mycovenant-2024/. Changes: cells read into RDF; countries linked to "
    "Wikidata items by ISO code; coordinates that are a centroid, a grid point or shared by different "
    "places left out; values that could not be read left out and counted. Status and mayors are as of "
    "the release, January 2024."
)
