"""A patient's invite link by text message (#17 item 5, "and by SMS once the reach issue
lands"): the clinic types the patient's mobile number at enrolment, and the worker texts the
live link through the clinic's SMS service (its reminders' Apprise URL, here Apprise's json://
transport to a real HTTP receiver), after the request committed; the message names no clinic
and no patient. Refusals are 4xx and send nothing."""

import json

import pytest
from cryptography.fernet import Fernet

from api.models import Patient
from api.pipeline.routing import SEND_PATIENT_INVITE_SMS
from api.sealed import seal
from tests.support.receivers import receiving
from tests.support.worker import https_client, wait_for

pytestmark = pytest.mark.worker

PASSWORD = "correct horse battery staple"
KEY = Fernet.generate_key().decode()
MOBILE = "+1 (202) 555-0123"
E164 = "+12025550123"


@pytest.fixture
def sealing(app, monkeypatch):
    """The test app and the workers seal and open with the same key."""
    monkeypatch.setitem(app.config, "STORED_SECRETS_KEY", KEY)
    return {"STORED_SECRETS_KEY": KEY}


def signed_in(web, staff):
    client = https_client(web)
    response = client.post("/api/v1/auth/login", json={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 200, response.json
    return client, {"X-CSRF-Token": response.json["csrf_token"]}


def test_enrol_with_a_mobile_then_text_reaches_the_sms_gateway_through_a_real_worker(
    committed_team, committed_db, app_on_broker, fresh_redis, start_worker, sealing
):
    with receiving(status=200) as gateway:
        clinic = committed_db.merge(committed_team.clinic)
        clinic.reminder_sms_sealed = seal(f"json://{gateway.url[7:]}/sms")
        clinic.reminder_sms_masked = "json://…"
        committed_db.commit()
        web = app_on_broker(fresh_redis.url)
        web.config.update(sealing)  # the web seals the number with the workers' key
        client, headers = signed_in(web, committed_team.clinician)
        enrolled = client.post(
            "/api/v1/patients",
            json={"display_name": "Avery Stone", "mobile": MOBILE},
            headers=headers,
        )
        assert enrolled.status_code == 201, enrolled.json
        patient = enrolled.json["patient"]
        assert patient["mobile_hint"] == "•••• 23"  # never the number itself
        assert E164 not in json.dumps(enrolled.json)
        url = enrolled.json["invite_url"]
        sent = client.post(
            f"/api/v1/patients/{patient['id']}/invite/sms",
            json={"invite_url": url},
            headers=headers,
        )
        assert sent.status_code == 202, sent.json
        assert sent.json["sent_to"] == "•••• 23"
        start_worker(fresh_redis.url, **sealing)
        [request] = wait_for(lambda: gateway.received(), timeout=30, what="the invite text")
    body = json.loads(request["body"])
    assert body["to"] == E164 and url in body["message"]
    for private in ("Avery", "Stone", committed_team.clinic.name):
        assert private not in request["body"].decode()
    # The texted link signs the patient in, once.
    phone = https_client(web)
    assert (
        phone.post("/api/v1/auth/redeem", json={"token": url.rsplit("/", 1)[1]}).status_code == 200
    )


@pytest.mark.parametrize(
    ("mobile", "words"),
    [
        ("+1 555 010 0199", "Not a valid phone number"),  # fictional
        ("+44 20 7946 0958", "cannot take text messages"),  # a London landline
        ("call me", "Not a phone number"),
        ("+1" + "2" * 60, "Longer than a phone number"),
    ],
)
def test_a_mobile_that_is_not_one_is_a_422_and_enrols_no_one(
    client, login, create_clinician, db_session, mobile, words
):
    staff = create_clinician()
    csrf = login(client, staff)
    before = db_session.query(Patient).count()
    response = client.post(
        "/api/v1/patients",
        json={"display_name": "Sam", "mobile": mobile},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422, response.json
    assert words in response.json["errors"]["mobile"][0]
    assert db_session.query(Patient).count() == before


def test_no_mobile_no_sms_service_or_a_dead_link_are_refused(
    client, login, create_clinician, db_session, run_task
):
    staff = create_clinician()
    csrf = login(client, staff)
    headers = {"X-CSRF-Token": csrf}
    enrolled = client.post("/api/v1/patients", json={"display_name": "Sam"}, headers=headers).json
    patient_id, url = enrolled["patient"]["id"], enrolled["invite_url"]
    invite = f"/api/v1/patients/{patient_id}/invite/sms"
    no_mobile = client.post(invite, json={"invite_url": url}, headers=headers)
    assert no_mobile.status_code == 422 and "mobile" in no_mobile.json["errors"]
    changed = client.patch(
        f"/api/v1/patients/{patient_id}", json={"mobile": MOBILE}, headers=headers
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["mobile_hint"] == "•••• 23"
    no_service = client.post(invite, json={"invite_url": url}, headers=headers)
    assert no_service.status_code == 409 and "text-message service" in no_service.json["message"]
    staff.clinic.reminder_sms_sealed = seal("json://127.0.0.1:9/sms")
    db_session.flush()
    dead = client.post(invite, json={"invite_url": url + "x"}, headers=headers)
    assert dead.status_code == 422 and "invite_url" in dead.json["errors"]
    # The task itself checks the link again: one replaced since is not sent.
    patient = db_session.get(Patient, patient_id)
    fresh = client.post(f"/api/v1/patients/{patient_id}/invite", headers=headers)
    assert fresh.status_code in (200, 201), fresh.json
    from api.models import Invite

    old = db_session.query(Invite).filter(Invite.patient_id == patient.id).order_by(Invite.id)[0]
    assert run_task(SEND_PATIENT_INVITE_SMS, patient_id, old.id, url.rsplit("/", 1)[1]) in (
        "not_live",
        "no_invite",
    )
