"""Name normalization for matching: one comparable form of a name in any script, spelling or affix.

A name is compared through three forms: `fold` (transliterated to ASCII, accents, case and punctuation
gone), `core` (the folded form without administrative affixes such as "City of", "Stadt", "-shi",
"Metropole") and `skeleton` (the core with spelling variants that languages write differently made
alike: c/k, w/v, y/i, ph/f, doubled letters). Similarity is rapidfuzz's normalized Indel similarity
(2 x longest common subsequence / total length) over these forms, word order ignored.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")
_PARENTHESIZED = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")

# Words before or after a place's own name that only say what kind of body it is. "city" is dropped only
# as a trailing word of the core form ("Kitakami City"); names where it belongs ("Mexico City") keep
# their folded form, which is compared too.
_LEADING_AFFIXES = tuple(
    tuple(affix.split())
    for affix in (
        "city of",
        "town of",
        "municipality of",
        "borough of",
        "county of",
        "metropolitan city of",
        "metropolitan municipality of",
        "comune di",
        "citta di",
        "citta metropolitana di",
        "ville de",
        "ville d",
        "commune de",
        "municipio de",
        "municipio di",
        "ciudad de",
        "cidade de",
        "stadt",
        "hansestadt",
        "landeshauptstadt",
        "freie und hansestadt",
        "gemeente",
        "gmina",
        "miasto",
        "mesto",
        "grad",
        "the",
    )
)
_TRAILING_AFFIXES = tuple(
    tuple(affix.split())
    for affix in (
        "metropolitan municipality",
        "metropolitan city",
        "metropolitan area",
        "metropolitan borough",
        "metropole",
        "metropolis",
        "municipality",
        "city council",
        "city",
        "town",
        "kommune",
        "kommun",
        "kunta",
        "shi",
        "si",
        "ku",
        "gun",
        "machi",
        "cho",
        "mura",
        "buyuksehir belediyesi",
        "belediyesi",
        "stadt",
    )
)
# A trailing river or landscape qualifier: "Frankfurt am Main", "Newcastle upon Tyne", "Ústí nad Labem".
_TRAILING_QUALIFIER = re.compile(
    r"^(.+?) (?:am|an der|an|upon|on|sur|im|in der|bei|ob der|nad|pod) \w+(?: \w+)?$"
)
# Script-level affixes, dropped before transliteration: Chinese and Japanese 市 (city), Korean 시.
_SCRIPT_SUFFIXES = ("市", "시")

_SKELETON_RULES = (
    ("ph", "f"),
    ("th", "t"),
    ("ck", "k"),
    ("ch", "k"),
    ("c", "k"),
    ("q", "k"),
    ("w", "v"),
    ("y", "i"),
    ("z", "s"),
    ("ou", "u"),
    ("ae", "e"),
    ("oe", "e"),
    ("ue", "u"),
)
_DOUBLED = re.compile(r"([a-z])\1+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case ASCII words: transliterated, without accents, punctuation or hyphens."""
    text = unicodedata.normalize("NFKC", text)
    text = anyascii(text).casefold()
    text = _APOSTROPHES.sub("", text)
    return " ".join(_NOT_ALNUM.sub(" ", text).split())


@lru_cache(maxsize=65536)
def core(text: str) -> str:
    """The folded name without parenthesized qualifiers and administrative affixes (never emptied)."""
    stripped = _PARENTHESIZED.sub("", text).strip() or text
    for suffix in _SCRIPT_SUFFIXES:
        if stripped.endswith(suffix) and len(stripped) > len(suffix) + 1:
            stripped = stripped[: -len(suffix)]
    words = fold(stripped).split()
    changed = True
    while changed and len(words) > 1:
        changed = False
        for affix in _LEADING_AFFIXES:
            if len(words) > len(affix) and tuple(words[: len(affix)]) == affix:
                words = words[len(affix) :]
                changed = True
                break
        for affix in _TRAILING_AFFIXES:
            if len(words) > len(affix) and tuple(words[-len(affix) :]) == affix:
                words = words[: -len(affix)]
                changed = True
                break
    bare = " ".join(words)
    qualified = _TRAILING_QUALIFIER.match(bare)
    return qualified.group(1) if qualified else bare


@lru_cache(maxsize=65536)
def skeleton(form: str) -> str:
    """A folded form with cross-language spelling variants made alike ("cracovia" ~ "krakovia")."""
    for old, new in _SKELETON_RULES:
        form = form.replace(old, new)
    return _DOUBLED.sub(r"\1", form)


def forms(text: str) -> tuple[str, ...]:
    """The distinct non-empty comparable forms of a name: folded, then core."""
    folded, bare = fold(text), core(text)
    return tuple(dict.fromkeys(form for form in (folded, bare) if form))


def similarity(left: str, right: str) -> float:
    """Similarity of two folded forms in 0..1: Indel similarity, word order ignored, spelling variants eased.

    The skeleton comparison counts at 95% so that an exact spelling always beats a variant one.
    """
    if left == right:
        return 1.0
    direct = max(fuzz.ratio(left, right), fuzz.token_sort_ratio(left, right))
    variant = 0.95 * fuzz.token_sort_ratio(skeleton(left), skeleton(right))
    return max(direct, variant) / 100.0


def trigrams(form: str) -> set[str]:
    """Character trigrams of a form's skeleton, padded at word edges, for blocking candidates."""
    padded = " " + skeleton(form) + " "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}
