"""The SPARQL endpoint's limits, read once from the application's configuration and checked.

Keys of `create_app(data_dir, **config)` (and options of `cdkg serve`); the defaults are what a
public endpoint on a small machine would use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"

DEFAULTS: dict[str, object] = {
    # Seconds a query may run before its worker is stopped; a request may ask for less.
    "CDKG_QUERY_TIMEOUT": 30.0,
    # Rows (solutions, or triples of a CONSTRUCT/DESCRIBE) sent at most; 0 sends every row.
    "CDKG_MAX_ROWS": 10_000,
    # Requests per minute per client address, in bursts of as many; 0 turns the limit off.
    "CDKG_RATE_LIMIT": 300,
    # Largest request body in bytes (a POSTed query); larger ones get 413 unread.
    "CDKG_MAX_BODY_BYTES": 1_000_000,
    # Processes evaluating queries at the same time.
    "CDKG_QUERY_WORKERS": 4,
    # Megabytes of memory a query worker may hold while it evaluates; past it the query is stopped.
    "CDKG_QUERY_MEMORY_MB": 1024,
    # Seconds of evaluation a client may use per minute (summed over its queries), then 429; 0 for none.
    "CDKG_QUERY_BUDGET": 60.0,
    # Queries one client may have evaluated at the same time; 0 means all workers but one (at least one).
    "CDKG_CLIENT_QUERIES": 0,
    # Seconds a query may run in the quick lane, the worker kept for when all the others are busy
    # (a label lookup is answered while heavy queries hold the pool); 0: no quick lane.
    "CDKG_QUICK_LANE_SECONDS": 2.0,
    # SERVICE clauses are refused unless this is on, and then only to the allowlist.
    "CDKG_FEDERATION": False,
    "CDKG_FEDERATION_ALLOWLIST": (WIKIDATA_SPARQL,),
}


class SettingsError(ValueError):
    """A configuration value the endpoint cannot use, named with what it expects."""


@dataclass(frozen=True)
class EndpointSettings:
    query_timeout: float
    max_rows: int
    rate_limit: int
    max_body_bytes: int
    query_workers: int
    federation_allowlist: tuple[str, ...] | None
    query_memory_mb: int = 1024
    query_budget: float = 60.0
    client_queries: int = 3
    quick_lane_seconds: float = 2.0

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> EndpointSettings:
        def value(key: str) -> object:
            return config.get(key, DEFAULTS[key])

        allowlist = value("CDKG_FEDERATION_ALLOWLIST")
        if isinstance(allowlist, str):
            allowlist = [iri for iri in allowlist.replace(",", " ").split() if iri]
        if not isinstance(allowlist, list | tuple) or not all(isinstance(iri, str) for iri in allowlist):
            raise SettingsError(
                f"CDKG_FEDERATION_ALLOWLIST must be a list of endpoint IRIs, not {allowlist!r}"
            )
        for iri in allowlist:
            if not iri.startswith(("http://", "https://")):
                raise SettingsError(f"CDKG_FEDERATION_ALLOWLIST: {iri!r} is not an http(s) endpoint IRI")
        workers = _number("CDKG_QUERY_WORKERS", value("CDKG_QUERY_WORKERS"), int, minimum=1)
        client_queries = _number("CDKG_CLIENT_QUERIES", value("CDKG_CLIENT_QUERIES"), int, minimum=0)
        client_queries = min(client_queries or max(1, workers - 1), workers)
        return cls(
            query_timeout=_number("CDKG_QUERY_TIMEOUT", value("CDKG_QUERY_TIMEOUT"), float, minimum=0.001),
            max_rows=_number("CDKG_MAX_ROWS", value("CDKG_MAX_ROWS"), int, minimum=0),
            rate_limit=_number("CDKG_RATE_LIMIT", value("CDKG_RATE_LIMIT"), int, minimum=0),
            max_body_bytes=_number("CDKG_MAX_BODY_BYTES", value("CDKG_MAX_BODY_BYTES"), int, minimum=1),
            query_workers=workers,
            federation_allowlist=tuple(allowlist) if _flag(value("CDKG_FEDERATION")) else None,
            query_memory_mb=_number("CDKG_QUERY_MEMORY_MB", value("CDKG_QUERY_MEMORY_MB"), int, minimum=64),
            query_budget=_number("CDKG_QUERY_BUDGET", value("CDKG_QUERY_BUDGET"), float, minimum=0),
            client_queries=client_queries,
            quick_lane_seconds=_number(
                "CDKG_QUICK_LANE_SECONDS", value("CDKG_QUICK_LANE_SECONDS"), float, minimum=0
            ),
        )


def _number(key: str, raw: object, kind: type, minimum: float) -> float | int:
    try:
        number = kind(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"{key} must be a {kind.__name__} number, not {raw!r}") from None
    if isinstance(raw, bool) or number < minimum:
        raise SettingsError(f"{key} must be at least {minimum:g}, not {raw!r}")
    return number


def _flag(raw: object) -> bool:
    if isinstance(raw, str):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return bool(raw)
