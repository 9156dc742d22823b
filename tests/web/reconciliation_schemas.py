"""The W3C Reconciliation API 0.2 JSON Schemas, read from tests/data/specs, $refs resolved locally.

Every schema is registered under its own `$id`, so a reference such as `type.json` or the Swagger 2.0
security definitions resolves to a file on disk; a reference to anything else fails instead of
reaching the network.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT7

from tests.conftest import TEST_DATA

SPEC = TEST_DATA / "specs" / "reconciliation-api-0.2"
SCHEMAS = SPEC / "schemas"
EXAMPLES = SPEC / "examples"

# Example folders of the spec whose schema is a part of another schema file: (file, JSON pointer).
EMBEDDED = {
    "reconciliation-candidate": (
        "reconciliation-result-batch.json",
        "/patternProperties/^.*$/properties/result/items",
    ),
    "preview-metadata": ("manifest.json", "/properties/preview"),
    "suggest-metadata": ("manifest.json", "/properties/suggest/definitions/service_definition"),
    "data-extension-metadata": ("manifest.json", "/properties/extend"),
}
# Example folders no schema of the bundle covers: flyout responses have none; security schemes are
# given in OpenAPI 3 terms (`"type": "http"`) while the manifest refers to Swagger 2.0's definitions.
UNCOVERED = ("flyout-response", "security-scheme")


def _refuse_to_fetch(uri: str) -> Resource:
    raise NoSuchResource(ref=uri)


@cache
def _schemas() -> tuple[Registry, dict[str, str]]:
    if not SCHEMAS.is_dir():
        raise FileNotFoundError(
            f"the Reconciliation API schemas are missing at {SCHEMAS}: restore tests/data/specs from git"
        )
    schemas = Registry(retrieve=_refuse_to_fetch)
    ids = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        schema_id = contents["$id"].rstrip("#")
        schemas = schemas.with_resource(schema_id, Resource(contents=contents, specification=DRAFT7))
        ids[path.name] = schema_id
    return schemas.crawl(), ids


def registry() -> Registry:
    """Every schema of the spec under its `$id`; any other reference is unresolvable."""
    return _schemas()[0]


def validator(schema_file: str, pointer: str = "") -> Draft7Validator:
    """A validator for one schema file of the spec (or the part of it at a JSON pointer)."""
    registry, ids = _schemas()
    return Draft7Validator({"$ref": ids[schema_file] + "#" + pointer}, registry=registry)


def validate(document: object, schema_file: str, pointer: str = "") -> None:
    """Fail the test, listing every violation, unless `document` is valid against the schema."""
    errors = sorted(validator(schema_file, pointer).iter_errors(document), key=lambda e: list(e.path))
    messages = [f"at {'/'.join(map(str, error.path)) or '(root)'}: {error.message}" for error in errors]
    assert not messages, f"{schema_file}{pointer} rejects the document:\n" + "\n".join(messages)


def schema_for_example_folder(folder: str) -> tuple[str, str] | None:
    """The (schema file, pointer) that examples in `examples/<folder>` follow, None if the spec has none."""
    if folder in UNCOVERED:
        return None
    if folder in EMBEDDED:
        return EMBEDDED[folder]
    if (SCHEMAS / f"{folder}.json").exists():
        return f"{folder}.json", ""
    return None


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*/*/*.json"))
