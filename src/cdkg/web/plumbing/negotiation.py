"""Serving one description in several formats: Accept negotiation with a 406, and links to each variant."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Response, request

from cdkg.web.plumbing.formats import NotAcceptable, ResultFormat, choose_format

Respond = Callable[[ResultFormat, bool], Response]


def negotiate(offered: tuple[ResultFormat, ...], respond: Respond) -> Response:
    """`respond(format, True)` with the format the client accepts best, or a 406 naming what is offered."""
    try:
        fmt = choose_format(offered, request.accept_mimetypes, request.args.get("format"))
    except NotAcceptable as exc:
        response = Response(str(exc).rstrip() + "\n", status=406, mimetype="text/plain")
        response.headers["Vary"] = "Accept"
        return response
    return respond(fmt, True)


def alternate_links(stem: str, variants: Mapping[str, ResultFormat], current: ResultFormat) -> str:
    """A `Link` header value naming every other variant (`<stem>.<extension>`), for link-following clients."""
    return ", ".join(
        f'<{stem}.{name}>; rel="alternate"; type="{variant.media_type}"'
        for name, variant in variants.items()
        if variant is not current
    )


def by_extension(
    stem: str, extension: str, variants: Mapping[str, ResultFormat], respond: Respond, what: str
) -> Response:
    """`respond(format, False)` for the variant `<stem>.<extension>` names, or a 404 listing the variants."""
    fmt = variants.get(extension)
    if fmt is None:
        names = ", ".join(f"{stem}.{name}" for name in variants)
        return Response(
            f"no such format .{extension}; {what} is at {names}.\n", status=404, mimetype="text/plain"
        )
    return respond(fmt, False)


def wants_json() -> bool:
    """Whether the request asks for JSON (`format=json`, or Accept preferring it to HTML)."""
    wanted = request.args.get("format", "").strip().lower()
    if wanted:
        return wanted == "json"
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
