"""Cross-origin access and revalidation for the endpoint's answers.

Answers depend only on the published build (and the negotiated format), so the build gives
the validators: the ETag names the build and the format, Last-Modified is when it was built.
ETags are weak because blank-node labels may differ between two evaluations of one query.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask import Response
from werkzeug.http import http_date, quote_etag
from werkzeug.wrappers import Request

from cdkg.graph.datadir import PublishedBuild

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": (
        "ETag, Retry-After, Link, X-SPARQL-MaxRows, CDKG-Results-Truncated, CDKG-Query-Timeout"
    ),
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type, If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}


def add_cors(response: Response) -> Response:
    """Let any web page read the answer: the endpoint is public and uses no cookies."""
    headers = response.headers
    for name, value in CORS_HEADERS.items():
        if name not in headers:
            headers.add(name, value)
    return response


def preflight() -> Response:
    """The answer to a browser's CORS preflight (OPTIONS) for GET and POST."""
    response = Response(status=204)
    response.headers.update(PREFLIGHT_HEADERS)
    response.headers["Allow"] = "GET, POST, HEAD, OPTIONS"
    return add_cors(response)


class Validators:
    """The ETag and Last-Modified of one kind of answer from one build."""

    def __init__(self, build: PublishedBuild, variant: str) -> None:
        self.etag = f"{build.build_id}.{variant}"
        self.last_modified, self._headers = _validator_headers(self.etag, build.info.get("built_at"))

    def not_modified(self, request: Request) -> bool:
        """Whether the client's copy is current (If-None-Match, else If-Modified-Since)."""
        if request.method not in ("GET", "HEAD"):
            return False
        if request.if_none_match:
            return request.if_none_match.contains_weak(self.etag)
        since = request.if_modified_since
        return bool(since and self.last_modified and self.last_modified.replace(microsecond=0) <= since)

    def add_to(self, response: Response) -> Response:
        response.headers.update(self._headers)
        return response

    def not_modified_response(self) -> Response:
        return self.add_to(Response(status=304))


@lru_cache(maxsize=256)
def _validator_headers(etag: str, built_at: str | None) -> tuple[datetime | None, dict[str, str]]:
    """The build's time and the validator headers for one ETag, written once per build and variant."""
    last_modified = datetime.fromisoformat(built_at) if built_at else None
    headers = {"ETag": quote_etag(etag, weak=True)}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    # Caches may keep answers but must ask again, since a new build can be published any time.
    headers["Cache-Control"] = "no-cache"
    return last_modified, headers
