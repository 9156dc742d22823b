"""`/dumps/`: the published build's dumps, listed with sizes and checksums, and downloaded.

Only the files the export's manifest names (plus SHA256SUMS and the manifest) are ever served,
so no request path can reach any other file of the data directory.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_file

from cdkg.graph.datadir import DataDirError
from cdkg.graph.dump_files import (
    CHECKSUMS_FILE,
    MANIFEST_FILE,
    DumpManifest,
    DumpManifestError,
    read_manifest,
)
from cdkg.web.plumbing.app_state import served_graph

blueprint = Blueprint("dumps", __name__)


def published_dumps() -> tuple[str, Path, DumpManifest | None]:
    """The served build's id, its dumps directory and the manifest there (None if never exported)."""
    graph = served_graph(current_app)
    build = graph.open().build
    directory = graph.data_dir.dumps_dir(build.build_id)
    return build.build_id, directory, read_manifest(directory)


@blueprint.route("/dumps/")
def listing() -> Response:
    as_json = request.args.get("format") == "json" or (
        "format" not in request.args
        and request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )
    try:
        build_id, _, manifest = published_dumps()
    except (DataDirError, DumpManifestError) as exc:
        return _text(str(exc), 503)
    if as_json:
        payload = manifest.as_dict() if manifest else {"build": build_id, "files": []}
        response = jsonify(payload)
    else:
        page = render_template("dumps.html", build_id=build_id, manifest=manifest)
        response = Response(page, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/dumps/<path:name>")
def download(name: str) -> Response:
    try:
        build_id, directory, manifest = published_dumps()
    except (DataDirError, DumpManifestError) as exc:
        return _text(str(exc), 503)
    dump = manifest.file(name) if manifest else None
    if dump is not None:
        response = send_file(
            directory / dump.name,
            mimetype=dump.download_media_type,
            as_attachment=True,
            download_name=dump.name,
            etag=dump.sha256,
            conditional=True,
        )
    elif manifest is not None and name in (CHECKSUMS_FILE, MANIFEST_FILE):
        mimetype = "application/json" if name == MANIFEST_FILE else "text/plain"
        response = send_file(directory / name, mimetype=mimetype, etag=f"{build_id}-{name}", conditional=True)
    else:
        listed = (
            ", ".join(dump.name for dump in manifest.files) if manifest else "none yet (run `cdkg export`)"
        )
        return _text(f"no dump {name!r} for build {build_id}; the dumps are: {listed}. See /dumps/.", 404)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _text(message: str, status: int) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
