"""The foundation: health, the JSON error shape, bad bodies, OpenAPI, headers."""

import pytest
import sqlalchemy as sa


def test_healthz_answers_without_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_readyz_reports_database_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["checks"]["database"] == {"ok": True}
    assert response.json["checks"]["broker"] == {"ok": True}


def test_readyz_is_503_naming_the_broker_when_it_is_unreachable(app, client):
    celery_app = app.extensions["celery"]
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/readyz")
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json["checks"]["broker"]["ok"] is False
    assert response.json["checks"]["database"]["ok"] is True


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/api/v1/nope", 404), ("get", "/no/such/page", 404), ("delete", "/healthz", 405)],
)
def test_unknown_routes_answer_in_the_json_error_shape(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.is_json
    assert response.json["code"] == status
    assert response.json["message"]


def test_malformed_json_is_a_400_in_the_error_shape(client):
    response = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json["code"] == 400


def test_oversize_body_is_refused_with_413(client):
    response = client.post(
        "/api/v1/auth/login", data="x" * (65 * 1024), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json["code"] == 413


def test_unknown_field_is_refused(client):
    response = client.post(
        "/api/v1/auth/login", json={"email": "a@example.org", "password": "x", "admin": True}
    )
    assert response.status_code == 422
    assert "admin" in response.json["errors"]


def test_openapi_document_lists_the_api(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json["paths"]
    for path in ("/api/v1/checkins", "/api/v1/auth/login", "/readyz", "/api/v1/me"):
        assert path in paths


def test_security_headers_on_every_response(client):
    response = client.get("/healthz")
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.headers["Cache-Control"] if response.request.path.startswith("/api") else True


def test_api_responses_are_not_cached(client):
    assert client.get("/api/v1/auth/csrf").headers["Cache-Control"] == "no-store"


def test_request_id_is_echoed(client):
    response = client.get("/healthz")
    assert len(response.headers["X-Request-Id"]) == 32


@pytest.mark.parametrize(("hops", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_client_address_trusts_x_forwarded_for_only_behind_proxy_hops(app, client_for, hops, seen):
    from flask import request

    from api.app import create_app

    keep = (
        "SQLALCHEMY_DATABASE_URI",
        "SECRET_KEY",
        "PUBLIC_URL",
        "RATELIMIT_STORAGE_URI",
        "CELERY",
    )
    other = create_app({**{k: app.config[k] for k in keep}, "TESTING": True, "PROXY_HOPS": hops})
    app.extensions["celery"].set_default()  # create_app made the other app's Celery the default
    addresses = []

    @other.after_request
    def _note_address(response):
        addresses.append(request.remote_addr)  # what limits and audit rows use
        return response

    response = client_for(other).get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 200
    assert addresses == [seen]


def test_log_level_comes_from_the_environment_and_a_typo_stops_start_up(monkeypatch):
    from api import config

    monkeypatch.setenv("LOG_LEVEL", " warning ")
    assert config.from_env()["LOG_LEVEL"] == "WARNING"
    monkeypatch.delenv("LOG_LEVEL")
    assert config.from_env()["LOG_LEVEL"] == "INFO"
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ValueError, match="LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR"):
        config.from_env()


def test_a_signed_in_request_ends_with_its_commit(app, committed_db, make_client, login):
    """After a request's commit nothing reads the signed-in rows again (the access log's caller
    is read before it): a read after the commit would open a transaction that the teardown
    rolls back, and a rollback drops the connection's prepared statements (psycopg), so every
    request would plan its statements again. Real commits: no test transaction around them."""
    from api.extensions import db
    from tests.support.browser import committed_clinician

    _, staff = committed_clinician(committed_db, "a long boundary password", "Boundary", "Dr. B")
    committed_db.commit()
    client = make_client()
    login(client, staff, password="a long boundary password")
    rollbacks = []
    listener = lambda conn: rollbacks.append(True)  # noqa: E731
    sa.event.listen(db.engine, "rollback", listener)
    try:
        for path in ("/api/v1/patients", "/api/v1/auth/session", "/api/v1/patients?sort=name"):
            for _ in range(3):
                assert client.get(path).status_code == 200
        assert rollbacks == []
        # A failed request rolls back, by design (its caller is read after: the session may
        # be unusable before), and the listener sees it: it would see the reads' too.
        assert (
            client.get("/api/v1/patients/00000000-0000-0000-0000-000000000000").status_code == 404
        )
        assert rollbacks
    finally:
        sa.event.remove(db.engine, "rollback", listener)
