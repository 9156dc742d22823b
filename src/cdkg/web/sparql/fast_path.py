"""The query path in front of Flask: `/sparql` requests that carry a query, answered directly.

Measured on a small SELECT under load, Flask's own work per request (contexts, routing,
signals, hooks) cost about as much CPU as the endpoint's, a tenth of the server's share of
the request. Requests with a query are the endpoint's bulk, so they are answered here by the
same code the `/sparql` route uses (cdkg.web.sparql.answers); everything else, including the
query page and the Service Description, goes on to Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, Response
from werkzeug.wrappers import Request

from cdkg.web.plumbing.http_caching import add_cors
from cdkg.web.plumbing.request_bodies import unsized_body_refusal
from cdkg.web.sparql.answers import ADMITTED_KEY, admit, answer_query, error_response, text_response
from cdkg.web.sparql.request import ProtocolError

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class QueryFastPath:
    """WSGI middleware: answers GET, HEAD and POST on `/sparql` that carry a query, passes on the rest."""

    def __init__(self, app: Flask, flask_wsgi_app: WsgiApp) -> None:
        self.app = app
        self.flask_wsgi_app = flask_wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") != "/sparql" or method not in ("GET", "POST", "HEAD"):
            return self.flask_wsgi_app(environ, start_response)
        response = unsized_body_refusal(environ)
        if response is None:
            response = self._answer(environ, method)
            if response is None:
                return self.flask_wsgi_app(environ, start_response)
        return _whole_body(add_cors(response), environ, start_response)

    def _answer(self, environ: dict, method: str) -> Response | None:
        """The response, or None for a request left to the `/sparql` route (admitted, in the environ)."""
        req = Request(environ)
        try:
            admitted = admit(self.app, req)
            wants_page = not admitted.format_param and method == "GET" and admitted.formats.prefers_html
            if admitted.protocol.query is None or wants_page:
                environ[ADMITTED_KEY] = admitted
                return None
            return answer_query(self.app, req, admitted)
        except ProtocolError as error:
            return error_response(error)
        except Exception:
            # What Flask does with an exception no handler takes: raise it when testing or
            # debugging, else log it and answer 500.
            if self.app.config.get("PROPAGATE_EXCEPTIONS") or self.app.testing or self.app.debug:
                raise
            self.app.logger.exception("Exception on %s [%s]", req.path, method)
            return text_response("the server failed to answer this request; see its log.", 500)


def _whole_body(response: Response, environ: dict, start_response: Callable) -> list[bytes]:
    """The response as one list item: Granian writes a list in one call, but pulls any other
    iterable chunk by chunk through Python."""
    app_iter, status, headers = response.get_wsgi_response(environ)
    start_response(status, headers)
    try:
        return [b"".join(app_iter)]
    finally:
        app_iter.close()
