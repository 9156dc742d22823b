"""Render query results for a terminal: an aligned table, or any standard format."""

from __future__ import annotations

import pyoxigraph as ox

from cdkg.namespaces import PREFIXES, XSD

_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}
MAX_CELL = 60


def render_result(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str = "table") -> str:
    if isinstance(result, ox.QueryBoolean):
        if fmt in _RESULT_FORMATS:
            return result.serialize(format=_RESULT_FORMATS[fmt]).decode()
        return ("yes" if bool(result) else "no") + "\n"
    if isinstance(result, ox.QueryTriples):
        if fmt == "table":
            fmt = "turtle"
        if fmt not in _GRAPH_FORMATS:
            raise ValueError(f"a graph result prints as turtle or ntriples, not {fmt}.")
        prefixes = PREFIXES if fmt == "turtle" else None
        return ox.serialize(result, format=_GRAPH_FORMATS[fmt], prefixes=prefixes).decode()
    if fmt in _RESULT_FORMATS:
        return result.serialize(format=_RESULT_FORMATS[fmt]).decode()
    if fmt != "table":
        raise ValueError(f"a table result prints as table, json, xml, csv or tsv, not {fmt}.")
    return solutions_table(result)


def solutions_table(solutions: ox.QuerySolutions) -> str:
    """An aligned plain-text table with IRIs shortened by the project's prefixes."""
    names = [v.value for v in solutions.variables]
    rows = [[_cell(solution[name]) for name in names] for solution in solutions]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(s.rstrip() for s in out) + "\n"


def _cell(term: object) -> str:
    if term is None:
        text = ""
    elif isinstance(term, ox.NamedNode):
        text = term.value
        for name, iri in PREFIXES.items():
            if text.startswith(iri) and len(text) > len(iri):
                text = f"{name}:{text[len(iri) :]}"
                break
    elif isinstance(term, ox.Literal):
        text = term.value
        if term.language:
            text += f"@{term.language}"
        elif term.datatype.value not in (XSD + "string", XSD + "integer", XSD + "decimal"):
            text += f" ({_cell(term.datatype)})"
    else:
        text = str(term)
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
