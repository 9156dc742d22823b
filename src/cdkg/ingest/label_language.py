"""Which language a WDQS export's label is in, where the export names one language for all of them.

The label service of the Wikidata Query Service falls back to English when an item has no label in
the language asked for, and a CSV export does not say which labels fell back. For Italian exports
(the 2021 P190 snapshot) a label showing English words is therefore left untagged: untagged beats
wrong. Italian words win over English ones ("città di Lake Macquarie" is Italian). A label without
either is kept as Italian: it is a place's own name, written the same in Italian.
"""

from __future__ import annotations

import re

# Words an Italian label would not hold: English terms for kinds of places and administrations,
# and English words common in place names whose Italian label would translate or drop them.
_ENGLISH_WORDS = (
    "city",
    "town",
    "township",
    "village",
    "municipality",
    "municipal",
    "rural",
    "urban",
    "county",
    "district",
    "borough",
    "parish",
    "council",
    "province",
    "region",
    "prefecture",
    "governorate",
    "oblast",
    "voivodeship",
    "department",
    "metropolitan",
    "territory",
    "republic",
    "area",
    "settlement",
    "of",
    "the",
    "upon",
    "beach",
    "lake",
    "bay",
    "harbour",
    "harbor",
    "falls",
    "springs",
    "hills",
    "heights",
    "park",
    "river",
    "creek",
    "island",
    "point",
    "north",
    "south",
    "east",
    "west",
    "fort",
    "port",
    "mount",
    "valley",
)
# Italian words that only an Italian label holds (lower case, as Italian labels write them).
_ITALIAN_WORDS = (
    "di",
    "della",
    "dello",
    "delle",
    "degli",
    "città",
    "comune",
    "distretto",
    "contea",
    "provincia",
    "prefettura",
    "circondario",
    "municipalità",
    "regione",
    "rurale",
    "metropolitana",
)
_ENGLISH = re.compile(r"\b(?:" + "|".join(_ENGLISH_WORDS) + r")\b", re.IGNORECASE)
_ITALIAN = re.compile(r"\b(?:" + "|".join(_ITALIAN_WORDS) + r")\b")
# "Dergachi, Saratov Oblast": English labels disambiguate with a comma; Italian ones with brackets.
_COMMA_QUALIFIER = re.compile(r",\s*\S")
_POSSESSIVE = re.compile(r"\w['’]s(?=\s|$)")


def looks_english(label: str) -> bool:
    """The label shows English words or an English-style qualifier and no word only Italian uses."""
    if _ITALIAN.search(label):
        return False
    return bool(_ENGLISH.search(label) or _COMMA_QUALIFIER.search(label) or _POSSESSIVE.search(label))


def export_label_language(label: str, language: str | None) -> str | None:
    """The language tag to give a label an export says is in `language`; None leaves it untagged.

    Only Italian has a rule (the export whose fallback was measured); other languages are
    taken as given.
    """
    if language == "it" and looks_english(label):
        return None
    return language
