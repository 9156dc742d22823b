"""Reading a SPARQL 1.1 Protocol request: the query and its parameters, from GET, form POST or direct POST.

Parameters are decoded as strict UTF-8 (werkzeug would replace bad bytes and run a different
query than the one sent), and everything the protocol says to refuse is refused here, each
with its own status and a message saying what to send instead.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
READ_ONLY = (
    "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...) is not accepted; "
    "send queries (SELECT, ASK, CONSTRUCT, DESCRIBE) only."
)


class ProtocolError(Exception):
    """A request the protocol says to refuse, with its status code, an explanation and extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class ProtocolRequest:
    """The query (None when the request has none) and every parameter, URL and form together."""

    query: str | None
    params: MultiDict

    def first(self, name: str) -> str | None:
        """The first value of a parameter, or None (MultiDict.get raises and catches on a missing one)."""
        values = self.params.getlist(name)
        return values[0] if values else None


def read_protocol_request(request: Request) -> ProtocolRequest:
    """The query and parameters of a GET or POST, or a ProtocolError saying why it is refused."""
    params = _strict_params(request.query_string, "the URL's query string")
    if "update" in params:
        raise ProtocolError(403, READ_ONLY)
    if request.method != "POST":
        return ProtocolRequest(_single_query(params), params)
    mimetype = request.mimetype
    if mimetype == UPDATE:
        raise ProtocolError(403, READ_ONLY)
    if mimetype == FORM:
        form = _strict_params(request.get_data(cache=False), "the form-encoded body")
        if "update" in form:
            raise ProtocolError(403, READ_ONLY)
        params = MultiDict(list(params.items(multi=True)) + list(form.items(multi=True)))
        query = _single_query(params)
        if query is None:
            # The protocol describes the service only in answer to a GET without a query.
            raise ProtocolError(
                400,
                "missing the `query` parameter: a form POST must carry a SPARQL query in `query` "
                "(GET /sparql without a query describes the endpoint).",
            )
        return ProtocolRequest(query, params)
    if mimetype == DIRECT:
        if "query" in params:
            raise ProtocolError(400, "give the query either in the body or in `query`, not both.")
        body = request.get_data(cache=False)
        try:
            return ProtocolRequest(body.decode("utf-8"), params)
        except UnicodeDecodeError as exc:
            raise ProtocolError(
                400, f"the query is not UTF-8 (byte {exc.start} of the body); send it encoded as UTF-8."
            ) from exc
    raise ProtocolError(
        415,
        f"unsupported Content-Type {mimetype or '(none)'!r}: POST a query as {FORM} (query=...) "
        f"or as {DIRECT} (the query as the body).",
    )


def _single_query(params: MultiDict) -> str | None:
    queries = params.getlist("query")
    if len(queries) > 1:
        raise ProtocolError(400, "more than one `query` parameter: send exactly one query.")
    return queries[0] if queries else None


def _strict_params(encoded: bytes, where: str) -> MultiDict:
    """`name=value&...` pairs, percent-decoded, refusing anything that is not UTF-8."""
    pairs = []
    for field in encoded.split(b"&"):
        if not field:
            continue
        name, _, value = field.partition(b"=")
        try:
            pairs.append((percent_decode(name), percent_decode(value)))
        except UnicodeDecodeError as exc:
            raise ProtocolError(
                400,
                f"{where} is not UTF-8 (parameter {name[:40].decode('ascii', 'replace')!r}); "
                "percent-encode parameters as UTF-8.",
            ) from exc
    return MultiDict(pairs)


# A '%' without two hex digits, or a byte quoted-printable decoding reads differently ('=', line ends).
_NOT_PLAIN_ESCAPES = re.compile(rb"%(?![0-9A-Fa-f]{2})|[=\r\n]")


def percent_decode(encoded: bytes) -> str:
    """A form-encoded name or value as text ('+' is a space), refusing bytes that are not UTF-8."""
    if b"%" not in encoded and b"+" not in encoded:
        return encoded.decode("utf-8")
    plain = encoded.replace(b"+", b" ")
    if _NOT_PLAIN_ESCAPES.search(plain) is None:
        # Quoted-printable's =XX is percent-encoding's %XX, and binascii decodes it in C, several
        # times faster than urllib's loop over the escapes of a long query.
        return binascii.a2b_qp(plain.replace(b"%", b"=")).decode("utf-8")
    return unquote_to_bytes(plain).decode("utf-8")
