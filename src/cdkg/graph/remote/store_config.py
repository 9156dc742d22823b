"""Where a remote SPARQL engine holding our graphs lives, and the per-build names of graphs on it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit

from cdkg.namespaces import GRAPH

PHYSICAL_GRAPH_BASE = GRAPH + "build/"
CREDENTIALS_ENVIRONMENT = ("CDKG_STORE_USER", "CDKG_STORE_PASSWORD")
KINDS = ("oxigraph", "virtuoso", "sparql")
_EXAMPLES = (
    "oxigraph+http://127.0.0.1:7878, virtuoso+http://127.0.0.1:8890 or "
    "sparql+https://host/sparql?update=https://host/update&store=https://host/store"
)
# The services each known engine offers under its base URL: query, update, Graph Store.
_ENGINE_PATHS = {
    "oxigraph": ("/query", "/update", "/store"),
    "virtuoso": ("/sparql", "/sparql-auth", "/sparql-graph-crud-auth"),
}


class StoreConfigError(ValueError):
    """A store URL or recorded store that cannot be used, with what is wrong and how to write it."""


@dataclass(frozen=True)
class RemoteStoreConfig:
    """A remote engine's kind and the endpoints our code speaks to (never credentials)."""

    kind: str  # "oxigraph" | "virtuoso" | "sparql"
    query_url: str
    update_url: str | None
    graph_store_url: str | None

    @classmethod
    def parse(cls, url: str) -> RemoteStoreConfig:
        """Read a store URL such as `oxigraph+http://127.0.0.1:7878`; StoreConfigError says how to fix it.

        Messages mask any user name and password written in the URL: errors end up in logs.
        """
        try:
            return cls._parse(url)
        except StoreConfigError as error:
            raise StoreConfigError(_masked(str(error))) from None

    @classmethod
    def _parse(cls, url: str) -> RemoteStoreConfig:
        kind, plus, rest = url.strip().partition("+")
        if not plus or "://" not in rest:
            raise StoreConfigError(
                f"store URL {url!r} does not say which engine it is: write the engine kind, '+', then its "
                f"http(s) address, e.g. {_EXAMPLES}."
            )
        if kind not in KINDS:
            raise StoreConfigError(
                f"store URL {url!r}: unknown engine kind {kind!r}; known kinds are {', '.join(KINDS)} "
                f"(sparql for any other SPARQL 1.1 engine), e.g. {_EXAMPLES}."
            )
        parts = urlsplit(rest)
        _check_address(parts, url, f"the {kind} part")
        if kind == "sparql":
            return cls._parse_generic(parts, url)
        if parts.query or parts.fragment:
            raise StoreConfigError(
                f"store URL {url!r}: a {kind} store URL is the engine's base address only, without ? or # "
                f"(its services are found under it: {', '.join(_ENGINE_PATHS[kind])})."
            )
        base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        query, update, graph_store = (base + path for path in _ENGINE_PATHS[kind])
        return cls(kind, query, update, graph_store)

    @classmethod
    def _parse_generic(cls, parts, url: str) -> RemoteStoreConfig:
        if parts.fragment:
            raise StoreConfigError(f"store URL {url!r}: remove the '#{parts.fragment}' part.")
        options = parse_qs(parts.query, keep_blank_values=True)
        unknown = sorted(set(options) - {"update", "store"})
        if unknown:
            raise StoreConfigError(
                f"store URL {url!r}: unknown option(s) {', '.join(unknown)}; a sparql+ URL takes only "
                "update=<SPARQL Update URL> and store=<Graph Store Protocol URL>."
            )
        endpoints = {}
        for option in ("update", "store"):
            values = options.get(option, [])
            if len(values) > 1:
                raise StoreConfigError(
                    f"store URL {url!r}: {option}= is given {len(values)} times; give it once."
                )
            if values:
                _check_address(urlsplit(values[0]), url, f"its {option}= URL {values[0]!r}")
            endpoints[option] = values[0] if values else None
        query = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return cls("sparql", query, endpoints["update"], endpoints["store"])

    def check_writable(self) -> None:
        """Raise StoreConfigError unless a build can load graphs into this engine (needs both write URLs)."""
        missing = [
            name
            for name, value in (("update", self.update_url), ("store", self.graph_store_url))
            if not value
        ]
        if missing:
            raise StoreConfigError(
                f"the store at {self.query_url} has no {' or '.join(f'{m}= URL' for m in missing)}: a build "
                "loads graphs through the Graph Store HTTP Protocol (store=) and drops them by SPARQL Update "
                "(update=); add them to the store URL, e.g. "
                "sparql+https://host/sparql?update=https://host/update&store=https://host/store."
            )

    def as_dict(self) -> dict:
        """The configuration as recorded in build.json."""
        return {
            "kind": self.kind,
            "query_url": self.query_url,
            "update_url": self.update_url,
            "graph_store_url": self.graph_store_url,
        }

    @classmethod
    def from_dict(cls, data: dict) -> RemoteStoreConfig:
        """The configuration recorded by `as_dict`."""
        fields = ("kind", "query_url", "update_url", "graph_store_url")
        if not isinstance(data, dict) or set(data) != set(fields) or data["kind"] not in KINDS:
            raise StoreConfigError(
                f"the recorded store {data!r} is not a store configuration (expected the keys "
                f"{', '.join(fields)}, kind one of {', '.join(KINDS)}): rebuild: `cdkg build --store URL`."
            )
        return cls(*(data[name] for name in fields))


def physical_graph(logical: str, build_id: str) -> str:
    """The engine's name for one build's copy of a logical graph of ours."""
    if not logical.startswith(GRAPH):
        raise ValueError(f"{logical} is not one of our graphs (they start with {GRAPH})")
    return build_graph_prefix(build_id) + logical[len(GRAPH) :]


def merged_default_graph(build_id: str) -> str:
    """The engine's name for one build's default graph, stored as the merge of its named graphs."""
    return build_graph_prefix(build_id) + "default"


def build_graph_prefix(build_id: str) -> str:
    """The start of every physical graph name of one build; unique, so a byte replace maps it back exactly."""
    if not build_id or "/" in build_id or any(c in build_id for c in '<>"{}|^` '):
        raise ValueError(f"build id {build_id!r} cannot be part of a graph IRI")
    return f"{PHYSICAL_GRAPH_BASE}{build_id}/"


def _masked(url: str) -> str:
    return re.sub(r"//[^/@?#]*@", "//…@", url)


def _check_address(parts, url: str, where: str) -> None:
    if parts.scheme not in ("http", "https"):
        raise StoreConfigError(
            f"store URL {url!r}: {where} must be an http:// or https:// address, "
            f"not {parts.scheme or 'nothing'!r}."
        )
    if parts.username is not None or parts.password is not None:
        raise StoreConfigError(
            f"store URL {url!r}: remove the user name and password from it; credentials come from the "
            f"environment only ({' and '.join(CREDENTIALS_ENVIRONMENT)}), never from the command line."
        )
    if not parts.hostname:
        raise StoreConfigError(f"store URL {url!r}: {where} has no host; write e.g. http://127.0.0.1:7878.")
    try:
        parts.port  # noqa: B018 - reading it validates the port
    except ValueError as error:
        raise StoreConfigError(f"store URL {url!r}: {where} has a bad port ({error}).") from None
