"""The input guard: JSON that cannot be walked safely is a 400 in the API's error shape."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from api.models import Checkin
from api.models.base import utcnow
from api.security import MAX_JSON_DEPTH

JSON = {"Content-Type": "application/json"}


def _assert_refused_json(response):
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    body = response.json
    assert body["code"] == 400 and body["status"] == "Bad Request"
    assert body["errors"]["_schema"]


def test_deeply_nested_json_on_anonymous_login_is_a_400(make_client):
    client = make_client()
    response = client.post("/api/v1/auth/login", data="[" * 20000, headers=JSON)
    _assert_refused_json(response)
    # The same depth closed properly (it parses in C, then every walk would recurse).
    response = client.post("/api/v1/auth/login", data="[" * 900 + "]" * 900, headers=JSON)
    _assert_refused_json(response)


def test_deeply_nested_check_in_is_refused_and_stores_nothing(
    make_client, create_patient, redeem, db_session
):
    client = make_client()
    csrf = redeem(client, create_patient())
    checkin_id = str(uuid.uuid4())
    nested = "[" * 5000 + "1" + "]" * 5000
    body = (
        f'{{"id": "{checkin_id}", "instrument": "gad7", "completed_at": '
        f'"{(utcnow() - timedelta(minutes=1)).isoformat()}", "answers": {{"gad7_1": {nested}}}}}'
    )
    headers = {**JSON, "X-CSRF-Token": csrf}
    _assert_refused_json(client.post("/api/v1/checkins", data=body, headers=headers))
    _assert_refused_json(client.post("/api/v1/checkins", data="{" * 20000, headers=headers))
    assert db_session.get(Checkin, uuid.UUID(checkin_id)) is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Checkin)) == 0


def test_depth_limit_is_exact(make_client):
    def nested(depth):
        return "[" * (depth - 1) + "{}" + "]" * (depth - 1)

    client = make_client()
    _assert_refused_json(
        client.post("/api/v1/auth/login", data=nested(MAX_JSON_DEPTH + 1), headers=JSON)
    )
    # At the limit the guard lets it through and the schema answers (a list is not a login).
    response = client.post("/api/v1/auth/login", data=nested(MAX_JSON_DEPTH), headers=JSON)
    assert response.status_code == 422


def test_malformed_json_is_a_400_and_an_empty_json_body_is_no_body(make_client):
    client = make_client()
    _assert_refused_json(client.post("/api/v1/auth/login", data='{"email": ', headers=JSON))
    response = client.post("/api/v1/auth/login", data="", headers=JSON)
    assert response.status_code in (400, 422) and response.json["code"] == response.status_code
