"""The IRIs the project mints and the vocabularies it speaks, in one place so they never drift."""

from __future__ import annotations

BASE = "https://w3id.org/cdkg/"
ONTOLOGY = BASE + "ontology"
CDO = ONTOLOGY + "#"
STATUS = BASE + "scheme/status/"
THEME = BASE + "scheme/theme/"
MODALITY = BASE + "scheme/modality/"
ROLE = BASE + "scheme/membership-role/"
ACTOR = BASE + "id/actor/"
TWINNING = BASE + "id/twinning/"
AGREEMENT = BASE + "id/agreement/"
MEMBERSHIP = BASE + "id/membership/"
PERSON = BASE + "id/person/"
ACTIVITY = BASE + "id/activity/"
IMPORT = BASE + "id/import/"
GRAPH = BASE + "graph/"

ONTOLOGY_GRAPH = GRAPH + "ontology"
CURATED_GRAPH = GRAPH + "curated/"
WIKIDATA_GRAPH = GRAPH + "wikidata/"

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
TIME = "http://www.w3.org/2006/time#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
GEO = "http://www.opengis.net/ont/geosparql#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
DBO = "http://dbpedia.org/ontology/"
DBR = "http://dbpedia.org/resource/"

PREFIXES: dict[str, str] = {
    "cdo": CDO,
    "status": STATUS,
    "theme": THEME,
    "modality": MODALITY,
    "role": ROLE,
    "actor": ACTOR,
    "twinning": TWINNING,
    "agreement": AGREEMENT,
    "membership": MEMBERSHIP,
    "person": PERSON,
    "activity": ACTIVITY,
    "wd": WD,
    "wdt": WDT,
    "time": TIME,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dct": DCT,
    "prov": PROV,
    "geo": GEO,
    "schema": SCHEMA,
    "org": ORG,
    "dbo": DBO,
}


def sparql_prologue() -> str:
    """PREFIX lines for every prefix above, for queries written by people and by code."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
