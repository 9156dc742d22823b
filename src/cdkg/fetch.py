"""`cdkg fetch`: pull P190 twinnings and their parties from the Wikidata Query Service into the graph.

The work is a list of query batches. Each answer is cached on disk as it arrives, so an
interrupted fetch resumes where it stopped and a rebuild is offline and reproducible. Nothing
reaches the graph until every batch is in: a fault leaves the cache (with complete entries
only) and the serving graph as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cdkg.build import ImportResult, import_and_build
from cdkg.graph.datadir import DataDir
from cdkg.graph.remote.store_config import RemoteStoreConfig
from cdkg.ingest.query_batches import (
    BATCH_SIZES,
    NETWORKS_MARKER,
    load_query,
    render_batches,
    render_values,
    sorted_qids,
)
from cdkg.ingest.results_file import results_from_bytes
from cdkg.ingest.wdqs import DEFAULT_ENDPOINT, CacheError, ResponseCache, WdqsClient, WdqsError, WdqsResponse
from cdkg.ingest.wikidata_import import prepare_wikidata_import
from cdkg.ingest.wikidata_terms import item_id

SOURCE_NAME = "wikidata"
Progress = Callable[[str, int, int], None]


class FetchError(RuntimeError):
    """A batch could not be fetched; the message says which, why, and how to resume."""


@dataclass
class FetchCounts:
    """How the batches were obtained, for the final summary."""

    from_cache: int = 0
    fetched: int = 0
    rows: int = 0
    batches: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FetchResult:
    counts: FetchCounts
    imported: ImportResult


def cache_dir(data_dir: DataDir) -> Path:
    return data_dir.root / "cache" / "wdqs"


class _BatchSource:
    """Answers queries from the cache or the service; with `refresh`, holds new answers until the end."""

    def __init__(
        self, data_dir: DataDir, client: WdqsClient, refresh: bool, progress: Progress | None
    ) -> None:
        self.cache = ResponseCache(cache_dir(data_dir))
        self.client = client
        self.refresh = refresh
        self.progress = progress
        self.counts = FetchCounts()
        self.pending: list[tuple[WdqsResponse, str]] = []
        self.retrieved: list[str] = []
        self.in_progress: str | None = None  # the batch being obtained, named if the fetch is interrupted

    def answers(self, step: str, queries: list[str]) -> list[bytes]:
        bodies = []
        self.counts.batches[step] = len(queries)
        for number, query in enumerate(queries, start=1):
            label = f"{step} batch {number}/{len(queries)}"
            self.in_progress = label
            bodies.append(self._answer(query, label))
            self.in_progress = None
            if self.progress:
                self.progress(step, number, len(queries))
        return bodies

    def _answer(self, query: str, label: str) -> bytes:
        if not self.refresh:
            cached = self.cache.get(self.client.endpoint, query)
            if cached is not None:
                try:
                    body = cached.read_body()
                except CacheError:
                    body = None
                if body is not None:
                    self.counts.from_cache += 1
                    self.counts.rows += cached.rows
                    self.retrieved.append(cached.retrieved_at)
                    return body
        try:
            response = self.client.select(query)
        except WdqsError as exc:
            raise FetchError(self.failure(label, str(exc))) from exc
        if self.refresh:
            self.pending.append((response, label))
        else:
            try:
                self.cache.put(response, label)
            except (OSError, CacheError) as exc:
                problem = (
                    f"its answer could not be written to the cache {self.cache.root} ({exc}; fix that first)"
                )
                raise FetchError(self.failure(label, problem)) from exc
        # Counted once cached, so that a failure's message never counts a batch it did not keep.
        self.counts.fetched += 1
        self.counts.rows += response.rows
        self.retrieved.append(response.retrieved_at)
        return response.body

    def failure(self, label: str, problem: str) -> str:
        if self.refresh:
            kept = "the cache is unchanged (a refresh replaces it only when every batch is in)"
            again = "run `cdkg fetch --refresh` again"
        else:
            kept = _batches_kept(self.counts.fetched + self.counts.from_cache)
            again = "run `cdkg fetch` again to resume from this batch"
        return (
            f"{label} failed: {problem}\n"
            f"Nothing was imported and the graph being served is unchanged; {kept}; {again}."
        )

    def commit(self) -> None:
        for response, label in self.pending:
            self.cache.put(response, label)
        self.pending.clear()


def _batches_kept(count: int) -> str:
    if count == 0:
        return "no batch before it is cached"
    return "the batch before it is cached" if count == 1 else f"the {count} batches before it are cached"


def _qids(body: bytes, column: str, origin: str) -> set[str]:
    table = results_from_bytes(body, origin)
    return {qid for row in table.rows if (qid := item_id(row.get(column)))}


def fetch_wikidata(
    data_dir: DataDir,
    *,
    endpoint: str = DEFAULT_ENDPOINT,
    refresh: bool = False,
    client: WdqsClient | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    networks: Iterable[str] = (),
    store: RemoteStoreConfig | None = None,
) -> FetchResult:
    """Run every batch (from the cache where possible), then map and publish as one import.

    `networks` are the Wikidata QIDs of the city networks whose P463 memberships to fetch; none
    are fetched without them (no network's QID is shipped, see queries/wikidata/memberships.rq).
    """
    networks = sorted_qids(networks)
    data_dir.ensure()
    client = client or WdqsClient(endpoint)
    source = _BatchSource(data_dir, client, refresh, progress)
    try:
        (items_body,) = source.answers("twinning-items", [load_query("twinning-items")])
        items = _qids(items_body, "item", "twinning-items")
        statement_bodies = source.answers(
            "twinning-statements",
            render_batches(load_query("twinning-statements"), items, BATCH_SIZES["twinning-statements"]),
        )
        partners: set[str] = set()
        for number, body in enumerate(statement_bodies, start=1):
            partners |= _qids(body, "partner", f"twinning-statements batch {number}")
        membership_bodies: list[bytes] = []
        if networks:
            template = render_values(load_query("memberships"), NETWORKS_MARKER, "network", networks)
            membership_bodies = source.answers(
                "memberships", render_batches(template, items | partners, BATCH_SIZES["memberships"])
            )
        party_bodies = source.answers(
            "parties",
            render_batches(load_query("parties"), items | partners | set(networks), BATCH_SIZES["parties"]),
        )
    except KeyboardInterrupt as exc:
        raise FetchError(source.failure(source.in_progress or "the fetch", "interrupted")) from exc
    retrieved_at = max(source.retrieved)
    prepared = prepare_wikidata_import(
        statement_bodies,
        party_bodies,
        retrieved_at=retrieved_at,
        name=SOURCE_NAME,
        today=today,
        membership_results=membership_bodies,
        networks=networks,
    )
    imported = import_and_build(data_dir, prepared, store=store)
    source.commit()
    return FetchResult(source.counts, imported)
