"""Spanish at the API (issue #22): the patient's language (chosen at the invite, kept from the
app), each check-in's language and the exports that keep it, the definitions in Spanish, and
the server's words to patients through Flask-Babel. Unknown languages: a 422, nothing changed."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from api.models import Checkin, Patient
from tests.support.answers import PHQ9_ZERO, checkin_body, count_checkins, phq9, post


def test_the_clinic_chooses_the_language_at_enrolment_and_the_invite_carries_it(
    client, login, create_clinician, db_session
):
    staff = create_clinician()
    csrf = login(client, staff)
    headers = {"X-CSRF-Token": csrf}
    enrolled = client.post(
        "/api/v1/patients", json={"display_name": "Ana", "language": "es"}, headers=headers
    )
    assert enrolled.status_code == 201, enrolled.json
    assert enrolled.json["patient"]["language"] == "es"
    assert "/join/es/" in enrolled.json["invite_url"]
    token = enrolled.json["invite_url"].rsplit("/", 1)[1]
    page = client.get(enrolled.json["invite_url"].split("127.0.0.1:5000")[-1])
    assert page.status_code == 200 and b"join.js" in page.data
    page.close()
    # The invite page of an unchosen language is not a page.
    missing = client.get(f"/join/fr/{token}")
    assert missing.status_code == 404
    missing.close()
    patient_id = enrolled.json["patient"]["id"]

    refused = client.post(
        "/api/v1/patients", json={"display_name": "Bo", "language": "fr"}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json["errors"]["language"] == ["Not a language Waypoint speaks: en or es."]
    changed = client.patch(
        f"/api/v1/patients/{patient_id}", json={"language": "xx"}, headers=headers
    )
    assert changed.status_code == 422 and "language" in changed.json["errors"]
    assert db_session.get(Patient, patient_id).language == "es"
    back = client.patch(f"/api/v1/patients/{patient_id}", json={"language": "en"}, headers=headers)
    assert back.status_code == 200 and back.json["language"] == "en"
    fresh = client.post(f"/api/v1/patients/{patient_id}/invite", headers=headers)
    assert "/join/en/" in fresh.json["invite_url"]
    # The email handover takes the same URL back (token_of reads past the language).
    db_session.get(Patient, patient_id).email = "ana@example.org"
    db_session.flush()
    mailed = client.post(
        f"/api/v1/patients/{patient_id}/invite/email",
        json={"invite_url": fresh.json["invite_url"]},
        headers=headers,
    )
    assert mailed.status_code == 202, mailed.json


def test_the_app_keeps_its_language_on_the_record(client, create_patient, redeem, db_session):
    patient = create_patient()
    csrf = redeem(client, patient)
    assert client.get("/api/v1/auth/session").json["language"] is None
    assert client.get("/api/v1/me").json["language"] is None
    kept = client.put(
        "/api/v1/me/language", json={"language": "es"}, headers={"X-CSRF-Token": csrf}
    )
    assert kept.status_code == 200 and kept.json == {"language": "es"}
    assert client.get("/api/v1/me").json["language"] == "es"
    assert client.get("/api/v1/auth/session").json["language"] == "es"

    for bad in ({"language": "fr"}, {"language": None}, {}, {"language": "es", "x": 1}):
        refused = client.put("/api/v1/me/language", json=bad, headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 422, bad
        assert refused.json["code"] == 422 and refused.json["errors"]
    db_session.expire_all()
    assert db_session.get(Patient, patient.id).language == "es"


def test_definitions_in_spanish_and_the_ones_not_offered(client, create_patient, redeem):
    redeem(client, create_patient())
    phq9_es = client.get("/api/v1/instruments/phq9?language=es").json
    assert phq9_es["language"] == "es"
    assert phq9_es["items"][0]["text"] == "Poco interés o placer en hacer cosas"
    assert "phqscreeners.com" in phq9_es["text_source"]
    english = client.get("/api/v1/instruments/phq9").json
    assert english["language"] == "en" and english["items"][0]["options"][0]["value"] == 0
    asq = client.get("/api/v1/instruments/asq?language=es").json
    assert asq["language"] == "en"  # shown as published; the app says so
    refused = client.get("/api/v1/instruments/phq9?language=klingon")
    assert refused.status_code == 422
    assert refused.json["errors"]["language"]


def test_each_check_in_keeps_the_language_it_was_asked_in(
    client, create_patient, redeem, db_session
):
    patient = create_patient()
    csrf = redeem(client, patient)
    spanish = {**checkin_body(phq9(q1=2, q9=1)), "language": "es"}
    response = post(client, csrf, spanish)
    assert response.status_code == 201, response.json
    assert response.json["total"] == 3 and response.json["safety"]["endorsed"] is True
    asq = {
        **checkin_body({"asq_1": 0, "asq_2": 0, "asq_3": 0, "asq_4": 0}, instrument="asq"),
        "language": "es",
    }
    assert post(client, csrf, asq).status_code == 201
    plain = checkin_body(PHQ9_ZERO)
    assert post(client, csrf, plain).status_code == 201
    stored = {
        str(c.id): c.language
        for c in db_session.scalars(sa.select(Checkin).where(Checkin.patient_id == patient.id))
    }
    # The ASQ has no Spanish version: it was shown in English, and is stored as such.
    assert stored == {spanish["id"]: "es", asq["id"]: "en", plain["id"]: "en"}

    before = count_checkins(db_session)
    bad = {**checkin_body(phq9(q9=2)), "language": "pt"}
    refused = post(client, csrf, bad)
    assert refused.status_code == 422
    assert refused.json["errors"]["language"] == ["Not a language Waypoint speaks: en or es."]
    assert count_checkins(db_session) == before


def test_exports_keep_the_language_the_patient_answered_in(
    make_client, login, create_clinician, create_patient, redeem
):
    staff = create_clinician()
    patient = create_patient(staff.clinic)
    phone = make_client()
    csrf = redeem(phone, patient)
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    assert (
        post(phone, csrf, {**checkin_body(phq9(q1=1), completed_at=earlier), "language": "es"})
    ).status_code == 201
    assert post(phone, csrf, checkin_body(phq9(q2=1))).status_code == 201
    clinic = make_client()
    login(clinic, staff)
    rows = list(
        csv.DictReader(
            io.StringIO(clinic.get(f"/api/v1/patients/{patient.id}/export.csv").get_data(True))
        )
    )
    assert [r["language"] for r in rows] == ["es", "en"]
    bundle = json.loads(clinic.get(f"/api/v1/patients/{patient.id}/fhir").get_data(True))
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert [r["language"] for r in responses] == ["es", "en"]
    assert responses[0]["item"][0]["text"] == "Poco interés o placer en hacer cosas"
    assert responses[1]["item"][0]["text"] == "Little interest or pleasure in doing things"


def test_the_invite_refusal_is_in_the_language_of_the_page(client):
    spanish = client.post(
        "/api/v1/auth/redeem", json={"token": "x" * 43}, headers={"Accept-Language": "es"}
    )
    assert spanish.status_code == 400
    assert spanish.json["message"].startswith("Este enlace de invitación ya se usó")
    english = client.post("/api/v1/auth/redeem", json={"token": "y" * 43})
    assert english.json["message"].startswith("This invite link has already been used")


def test_reminders_and_the_invite_email_in_the_patients_language(app):
    from api.i18n import in_language
    from api.patients.invites import invite_email
    from worker.channels import content

    until = datetime(2026, 12, 9, tzinfo=UTC)
    with app.app_context():
        with in_language("es"):
            push = content.reminder_push("https://w.example")
            subject, text = content.reminder_email("https://w.example/", "https://w.example/stop/x")
            _, sms = content.reminder_sms("https://w.example/", "https://w.example/stop/x")
            invite_subject, invite_text = invite_email("https://w.example/join/es/t", until)
        with in_language(None):
            english_push = content.reminder_push("https://w.example")
            english_subject, english_invite = invite_email("https://w.example/join/t", until)
    assert push["body"] == "Tiene listo un breve chequeo, para cuando usted quiera."
    assert subject == "Su chequeo está listo" and "Abra Waypoint: https://w.example/" in text
    assert "su equipo de atención" in text and "Para dejar de recibir" in text
    assert "Para dejar de recibir estos textos: https://w.example/stop/x" in sms
    assert invite_subject == "Su invitación a Waypoint"
    assert "hasta el 9 de diciembre de 2026" in invite_text
    assert english_push["body"] == "A short check-in is ready whenever you are."
    assert english_subject == "Your invitation to Waypoint"
    assert "until 09 December 2026" in english_invite
