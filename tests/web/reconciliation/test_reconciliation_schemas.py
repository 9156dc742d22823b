"""The schema validator the reconciliation tests rely on is wired right: the spec's own examples pass or fail as labelled."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft7Validator, ValidationError
from referencing.exceptions import Unresolvable

from tests.web.reconciliation_schemas import (
    EXAMPLES,
    UNCOVERED,
    example_files,
    registry,
    schema_for_example_folder,
    validate,
    validator,
)

EXAMPLE_FILES = example_files()
CHECKED = [path for path in EXAMPLE_FILES if schema_for_example_folder(path.parts[-3])]


def _example_id(path) -> str:
    return str(path.relative_to(EXAMPLES))


@pytest.mark.parametrize("path", CHECKED, ids=_example_id)
def test_spec_example_is_valid_or_invalid_as_its_folder_says(path):
    folder, verdict = path.parts[-3], path.parts[-2]
    errors = list(
        validator(*schema_for_example_folder(folder)).iter_errors(
            json.loads(path.read_text(encoding="utf-8"))
        )
    )
    if verdict == "valid":
        assert not errors, [error.message for error in errors]
    else:
        assert verdict == "invalid" and errors


def test_every_example_folder_is_checked_but_those_no_schema_covers():
    assert EXAMPLE_FILES, f"the spec's examples are missing at {EXAMPLES}: restore tests/data/specs from git"
    unchecked = {path.parts[-3] for path in EXAMPLE_FILES} - {path.parts[-3] for path in CHECKED}
    assert unchecked == set(UNCOVERED)
    assert len(CHECKED) > 40


def test_manifest_authentication_is_checked_against_the_swagger_definitions_on_disk():
    manifest = {"versions": ["0.2"], "name": "x", "identifierSpace": "x", "schemaSpace": "x"}
    validate(
        {**manifest, "authentication": {"type": "apiKey", "name": "key", "in": "query"}}, "manifest.json"
    )
    with pytest.raises(AssertionError, match="authentication"):
        validate({**manifest, "authentication": {"foo": "bar"}}, "manifest.json")


def test_a_reference_outside_the_spec_folder_fails_instead_of_being_fetched():
    remote = Draft7Validator({"$ref": "https://example.org/elsewhere.json"}, registry=registry())
    with pytest.raises(Unresolvable):
        remote.validate({})


def test_validate_reports_where_a_document_breaks_the_schema():
    with pytest.raises(AssertionError, match=r"q0/result/0: 'id' is a required property"):
        validate({"q0": {"result": [{"name": "Lyon", "score": 1}]}}, "reconciliation-result-batch.json")
    with pytest.raises(ValidationError):
        validator("reconciliation-result-batch.json").validate({"q0": {}})
