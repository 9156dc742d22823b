"""Requests to a server on 127.0.0.1 from other loopback addresses, as distinct clients are seen."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlencode, urlsplit

JSON = "application/sparql-results+json"


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def json(self) -> object:
        return json.loads(self.body)


def query_from(address: str, sparql_url: str, query: str, timeout: float = 60, **params: str) -> Answer:
    """GET `sparql_url` with `query`, from the loopback `address` (e.g. 127.0.0.2), asking for SPARQL JSON."""
    parts = urlsplit(sparql_url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=timeout, source_address=(address, 0)
    )
    try:
        connection.request(
            "GET", f"{parts.path}?{urlencode({'query': query, **params})}", headers={"Accept": JSON}
        )
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()
