"""Security headers on every kind of answer, CSRF refusals, and logs that hold no PHI."""

import io
import json
import logging
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.logging import JsonFormatter
from api.models import AuditEvent
from api.models.base import utcnow
from tests.support.answers import phq9_every


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/auth/csrf", 200),
        ("get", "/api/v1/me", 401),
        ("get", "/api/v1/no-such-thing", 404),
        ("get", "/", 200),
        ("get", "/join/some-token-value", 200),
        ("delete", "/healthz", 405),
    ],
)
def test_headers_on_every_kind_of_answer(client, method, path, status):
    with getattr(client, method)(path) as response:
        assert response.status_code == status
        csp = response.headers["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ):
            assert directive in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        hsts = response.headers["Strict-Transport-Security"]
        assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        if path.startswith(("/api/", "/join/")):
            assert response.headers["Cache-Control"] == "no-store"


def test_phi_answers_are_never_cached(world, as_caller):
    clinician = as_caller(world.callers["clinician_a"])
    for path in (
        f"/api/v1/patients/{world.a1.id}",
        f"/api/v1/patients/{world.a1.id}/export.csv",
        f"/api/v1/patients/{world.a1.id}/fhir",
    ):
        response = clinician.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


@pytest.mark.parametrize("token", [None, "", "forged-token", "other-session"])
def test_state_change_without_the_sessions_csrf_token_is_refused(
    world, as_caller, db_session, token
):
    a1 = world.callers["patient_a1"]
    if token == "other-session":
        token = world.callers["patient_a2"].csrf
    headers = {} if token is None else {"X-CSRF-Token": token}
    response = as_caller(a1).post(
        "/api/v1/checkins",
        json={
            "id": str(uuid.uuid4()),
            "instrument": "phq9",
            "answers": phq9_every(),
            "completed_at": utcnow().isoformat(),
        },
        headers=headers,
    )
    assert response.status_code == 403 and "CSRF" in response.json["message"]
    event = db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.request_id == response.headers["X-Request-Id"])
    )
    assert (event.action, event.outcome) == ("csrf.refused", "denied")


@pytest.fixture
def log_lines(app):
    """A function returning every line the app's loggers have written, as parsed JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger("waypoint"), app.logger]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_logs_are_json_lines_with_request_ids_and_no_phi(
    app, world, as_caller, make_client, log_lines
):
    clinician = world.callers["clinician_a"]
    enrolled = as_caller(clinician).post(
        "/api/v1/patients",
        json={"display_name": "Zelda Quixote-Secret", "email": "zelda.secret@example.org"},
        headers={"X-CSRF-Token": clinician.csrf},
    )
    token = enrolled.json["invite_url"].rsplit("/", 1)[1]
    phone = make_client()
    phone.get(f"/join/{token}").close()
    csrf = phone.post("/api/v1/auth/redeem", json={"token": token}).json["csrf_token"]
    phone.post(
        "/api/v1/checkins",
        json={
            "id": str(uuid.uuid4()),
            "instrument": "phq9",
            "answers": phq9_every(item9=3),
            "completed_at": (utcnow() - timedelta(minutes=1)).isoformat(),
        },
        headers={"X-CSRF-Token": csrf},
    )
    make_client().post(
        "/api/v1/auth/login", json={"email": "zelda.secret@example.org", "password": "guess"}
    )
    try:
        raise ValueError("duplicate key (email)=(zelda.secret@example.org)")
    except ValueError:
        logging.getLogger("waypoint.web").exception("could not store")
    with app.test_request_context(f"/join/{token}"):
        app.logger.error(f"Exception on /join/{token} [GET]")

    lines = log_lines()
    request_lines = [line for line in lines if line.get("logger") == "waypoint.access"]
    assert len(request_lines) >= 5
    assert all(len(line["request_id"]) == 32 for line in request_lines)
    assert {"/join/<string:token>", "/api/v1/checkins"} <= {line["route"] for line in request_lines}
    failure = next(line for line in lines if line["message"] == "could not store")
    assert failure["exc_type"] == "builtins.ValueError" and failure["stack"]
    text = json.dumps(lines)
    for phi in ("Zelda", "zelda.secret", token, "phq9_9", world.a1.display_name):
        assert phi not in text, phi
    assert "unhandled exception" in text
