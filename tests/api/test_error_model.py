"""One error model: every refusal answers {code, status, message, errors, reason?} with
``errors`` always {field: [messages]} at one depth, whichever layer refused."""

import uuid
from datetime import UTC, datetime

import pytest

from api.errors import Conflict, DomainError, Forbidden, Invalid, Malformed, NotFound, Throttled
from api.http_errors import error_body, flatten, status_of


def _one_depth(errors: dict) -> bool:
    return all(
        isinstance(key, str)
        and isinstance(messages, list)
        and all(isinstance(m, str) for m in messages)
        for key, messages in errors.items()
    )


@pytest.fixture
def patient_csrf(client, create_patient, redeem):
    return redeem(client, create_patient())


def test_webargs_errors_are_flattened_to_dotted_fields(client, patient_csrf):
    answers = {f"phq9_{n}": 0 for n in range(1, 10)} | {"phq9_9": 7}
    response = client.post(
        "/api/v1/checkins",
        json={
            "id": str(uuid.uuid4()),
            "instrument": "phq9",
            "answers": answers,
            "completed_at": datetime.now(UTC).isoformat(),
        },
        headers={"X-CSRF-Token": patient_csrf},
    )
    assert response.status_code == 422
    body = response.json
    assert set(body) >= {"code", "status", "message", "errors"}
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity"
    assert _one_depth(body["errors"]) and "answers.phq9_9" in body["errors"]


def test_schema_errors_name_the_field_not_the_location(client, patient_csrf):
    response = client.post(
        "/api/v1/checkins", json={"instrument": "phq9"}, headers={"X-CSRF-Token": patient_csrf}
    )
    assert response.status_code == 422
    assert "json" not in response.json["errors"]
    assert {"id", "answers", "completed_at"} <= set(response.json["errors"])


def test_a_client_branches_on_reason_not_on_message_text(client, create_clinician):
    staff = create_clinician(role="admin")  # enrolled in two-step sign-in
    response = client.post(
        "/api/v1/auth/login",
        json={"email": staff.email, "password": "correct horse battery staple"},
    )
    assert response.status_code == 401
    assert response.json["reason"] == "totp_required"
    assert response.json["errors"] == {"totp": ["A code is required for this account."]}


def test_405_names_the_allowed_methods(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}


def test_the_openapi_documents_the_error_body(client):
    spec = client.get("/api/openapi.json").json
    error = spec["components"]["schemas"]["Error"]["properties"]
    assert {"code", "status", "message", "errors", "reason"} <= set(error)
    assert error["errors"]["additionalProperties"]["type"] == "array"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Invalid("x"), 422),
        (Malformed("x"), 400),
        (NotFound("x"), 404),
        (Conflict("x"), 409),
        (Forbidden("x"), 403),
        (Throttled("x", retry_after=3), 429),
        (DomainError("x"), 400),
    ],
)
def test_each_kind_of_domain_error_has_one_status(error, status):
    assert status_of(error) == status


def test_flatten_keeps_every_message_at_one_depth():
    nested = {
        "json": {"a": ["1"], "b": {"c": ["2"], "d": {"e": ["3", "4"]}}},
        "query": {"q": ["5"]},
    }
    assert flatten(nested) == {"a": ["1"], "b.c": ["2"], "b.d.e": ["3", "4"], "q": ["5"]}
    assert flatten(["whole body"]) == {"_schema": ["whole body"]}
    body = error_body(422, "m", {"json": {"x": ["y"]}}, reason="r")
    assert body == {
        "code": 422,
        "status": "Unprocessable Entity",
        "message": "m",
        "errors": {"x": ["y"]},
        "reason": "r",
    }


def test_a_refused_form_says_so_in_words_not_http(client, login, create_clinician):
    """A field refused by validation: the message is for the person beside the form, not
    HTTP's "The request was well-formed but was unable to be followed due to semantic
    errors" (found on a newcomer's walk through Add patient)."""
    csrf = login(client, create_clinician())
    response = client.post(
        "/api/v1/patients",
        json={"display_name": "A Patient", "timezone": "Mars/Olympus"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422 and "timezone" in response.json["errors"]
    assert response.json["message"] == "Some of what was sent cannot be used: each field says why."
