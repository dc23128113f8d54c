"""Every string the API accepts has a bound, so no input can outgrow the column it lands in.

A string without one (an email field, say) passes the schema and fails in PostgreSQL as a
500. The walk reads the OpenAPI document, so a field added later is checked too.
"""

#: Strings bounded by what they must parse as.
BOUNDED_FORMATS = {"date-time", "date", "uuid"}
#: Unbounded strings that are checked in the view and never stored, and why.
UNBOUNDED_OK = {
    "GET /api/v1/instruments/{code} ?format": "compared with json/fhir in the view",
}


def _unbounded(schema: dict, where: str, components: dict, found: list, seen=()) -> None:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name not in seen:
            _unbounded(components[name], where, components, found, (*seen, name))
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            _unbounded(part, where, components, found, seen)
    kind = schema.get("type")
    if kind == "object":
        for name, prop in schema.get("properties", {}).items():
            _unbounded(prop, f"{where}.{name}", components, found, seen)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            _unbounded(extra, f"{where}.*", components, found, seen)
    elif kind == "array":
        _unbounded(schema.get("items", {}), f"{where}[]", components, found, seen)
    elif kind == "string":
        bounded = (
            "maxLength" in schema
            or "enum" in schema
            or schema.get("format") in BOUNDED_FORMATS
            or str(schema.get("pattern", "")).endswith("$")
        )
        if not bounded:
            found.append(where)


def test_every_string_input_has_a_length_bound(client):
    spec = client.get("/api/openapi.json").json
    components = spec["components"]["schemas"]
    found: list[str] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            name = f"{method.upper()} {path}"
            if "requestBody" in operation:
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                _unbounded(schema, f"{name} body", components, found)
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    _unbounded(
                        parameter["schema"], f"{name} ?{parameter['name']}", components, found
                    )
    assert sorted(set(found) - set(UNBOUNDED_OK)) == []
    assert set(UNBOUNDED_OK) <= set(found)  # the exceptions are still real


def test_an_id_too_large_for_the_database_is_a_404_on_every_route(
    app, make_client, login, create_clinician
):
    """A review found every ``<int:...>`` route answering a 500 to an id past PostgreSQL's
    integer ("integer out of range"): such an id now matches no route, for every method."""
    import re
    import uuid

    admin = create_clinician(role="admin")
    client = make_client()
    csrf = login(client, admin)
    checked = 0
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:\w+>", str(2**31), rule.rule)
        path = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, json={}, headers={"X-CSRF-Token": csrf})
            assert response.status_code == 404, (method, path, response.status_code)
            assert response.is_json, (method, path)
            checked += 1
    assert checked >= 10  # every integer-id route of the API, not a vacuous pass
