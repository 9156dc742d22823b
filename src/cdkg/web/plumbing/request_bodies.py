"""Request bodies the server will not hold: those sent without a length."""

from __future__ import annotations

from flask import Response
from werkzeug.wsgi import get_content_length


def unsized_body_refusal(environ: dict) -> Response | None:
    """411 for a request body sent without Content-Length (chunked), before anything reads it.

    Granian hands the application a body only once it has received all of it, so an unsized
    body would be held in memory whatever its size; a sized one is checked against the limit
    (413) before a byte of it is read.
    """
    if "HTTP_TRANSFER_ENCODING" in environ and get_content_length(environ) is None:
        message = (
            f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO') or '/'}: send the request body "
            "with a Content-Length header; bodies in chunked transfer encoding are not accepted.\n"
        )
        return Response(message, status=411, mimetype="text/plain")
    return None
