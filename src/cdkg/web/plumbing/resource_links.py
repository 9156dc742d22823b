"""Where our IRIs resolve: the mapping between https://w3id.org/cdkg/ IRIs and this server's paths.

IRIs never depend on where the server runs. Pages link to them on the server's public address
(`CDKG_PUBLIC_URL`, default: the address the request came to), so on localhost every link stays
on localhost, and in production every link goes where w3id.org would send it anyway.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from flask import Flask, current_app, request

from cdkg.namespaces import BASE
from cdkg.web.plumbing.endpoint_settings import SettingsError

PUBLIC_URL_KEY = "CDKG_PUBLIC_URL"
# Kinds of IRI under the base that have their own top-level path (`id/` holds things).
TOP_LEVEL = ("scheme/", "graph/")
# What RFC 3987 leaves out of an IRI: spaces, control characters and <>"{}|\^`.
_IRI_TEXT = re.compile(r'[^\x00-\x20\x7f-\x9f<>"{}|\\^`]+')


def check_public_url(app: Flask) -> None:
    """Refuse a public URL that is not an absolute http(s) address, before anything is served."""
    raw = _configured(app)
    if raw is None:
        return
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(
            f"{PUBLIC_URL_KEY}={raw!r} is not an absolute http(s) address without query or fragment; "
            "give the address the server is reached at, e.g. https://cdkg.example.org/"
        )


def public_base() -> str:
    """This server's public address, ending in `/`."""
    base = _configured(current_app) or request.host_url
    return base if base.endswith("/") else base + "/"


def href(iri: str) -> str:
    """Where a reader's browser should go for `iri`: our IRIs on this server, others as they are."""
    if iri.startswith(BASE):
        return public_base() + iri.removeprefix(BASE)
    return iri


def is_iri_text(text: str) -> bool:
    """Whether `text` holds only characters an IRI may hold, so it can go into a Location or Link header."""
    return _IRI_TEXT.fullmatch(text) is not None


def document_path(iri: str) -> str | None:
    """`doc/...`, the path of the document describing one of our IRIs (None for other IRIs)."""
    if not iri.startswith(BASE):
        return None
    local = iri.removeprefix(BASE)
    if local.startswith("id/"):
        return "doc/" + local.removeprefix("id/")
    if local.startswith(TOP_LEVEL):
        return "doc/" + local
    return None


def iri_of_document(path: str) -> str:
    """The IRI a `doc/` path (without `doc/`) describes."""
    if path.startswith(TOP_LEVEL):
        return BASE + path
    return BASE + "id/" + path


def _configured(app: Flask) -> str | None:
    value = app.config.get(PUBLIC_URL_KEY) or os.environ.get(PUBLIC_URL_KEY)
    return str(value) if value else None
