"""Checks on a query's text before it reaches the engine."""

from __future__ import annotations

import re

# Strings, IRIs and comments are blanked first so that a word inside them is never mistaken
# for a keyword; names like ?service or ex:service are excluded by the lookarounds.
_NOT_CODE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
)
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:\-])", re.IGNORECASE)


def uses_federation(query: str) -> bool:
    """Whether the query has a SERVICE clause, which would make this server open connections."""
    return bool(_SERVICE.search(_NOT_CODE.sub(" ", query)))
