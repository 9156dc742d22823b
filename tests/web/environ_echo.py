"""A WSGI app that answers with what it was given (environ and body) as JSON, served two ways: by
Granian's WSGI interface (`wsgi`) and through cdkg serve's front (`front`), to compare the two."""

from __future__ import annotations

import hashlib
import json
import time

from cdkg.web.serving.request_deadline import ARRIVED_KEY, DeadlineFront

PLAIN_KEYS = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "REMOTE_ADDR",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "wsgi.url_scheme",
)


def wsgi(environ: dict, start_response) -> list[bytes]:
    body = environ["wsgi.input"].read()
    seen = {key: environ.get(key) for key in PLAIN_KEYS}
    seen.update({key: value for key, value in environ.items() if key.startswith("HTTP_")})
    seen["body"] = [len(body), hashlib.sha256(body).hexdigest()]
    arrived = environ.get(ARRIVED_KEY)
    seen["arrived"] = arrived if isinstance(arrived, float) and arrived <= time.monotonic() else None
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen, sort_keys=True).encode()]


front = DeadlineFront(wsgi, threads=2, read_timeout=5, max_body_bytes=100_000)
