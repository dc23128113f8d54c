"""Exports for the chart (CSV, FHIR R4 Bundle) and the clinic's outcomes report. All audited."""

import csv
import io
from datetime import timedelta

import sqlalchemy as sa
from fhir.resources.bundle import Bundle

from api.models import AuditEvent, CheckinDue, SessionReading
from api.models.base import utcnow


def rows_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_has_every_answer_and_sessions_in_a_second_file(
    staff_client, create_patient, add_checkin, add_session, db_session
):
    client, _, staff = staff_client
    patient = create_patient(staff.clinic)
    now = utcnow()
    add_checkin(patient, 14, now - timedelta(days=3), item9=1)
    add_checkin(patient, 6, now - timedelta(days=2), instrument="gad7")
    session = add_session(patient, now - timedelta(days=1))
    session.notes = '=HYPERLINK("http://evil")'
    db_session.flush()
    response = client.get(f"/api/v1/patients/{patient.id}/export.csv")
    assert patient.ref in response.headers["Content-Disposition"]
    assert "Test Patient" not in response.headers["Content-Disposition"]
    rows = rows_of(response)
    assert [r["instrument"] for r in rows] == ["phq9", "gad7"]
    assert rows[0]["total"] == "14" and rows[0]["severity"] == "moderate"
    assert rows[0]["phq9_9"] == "1" and rows[0]["safety_endorsed"] == "True"
    assert rows[1]["gad7_7"] != "" and rows[1]["phq9_1"] == ""
    sessions = rows_of(client.get(f"/api/v1/patients/{patient.id}/export.csv?part=sessions"))
    assert len(sessions) == 1 and sessions[0]["modality"] == "iv"
    assert sessions[0]["notes"].startswith("'=")  # never a live formula in a spreadsheet
    assert client.get(f"/api/v1/patients/{patient.id}/export.csv?part=x").status_code == 422
    exports = (
        db_session.execute(
            sa.select(AuditEvent.detail).where(
                AuditEvent.action == "patient.export", AuditEvent.object_id == str(patient.id)
            )
        )
        .scalars()
        .all()
    )
    assert [(e["part"], e["rows"]) for e in exports] == [("checkins", 2), ("sessions", 1)]


def test_fhir_bundle_validates_as_r4(
    staff_client, create_patient, add_checkin, add_session, db_session
):
    client, _, staff = staff_client
    patient = create_patient(staff.clinic)
    now = utcnow()
    add_checkin(patient, 19, now - timedelta(days=5))
    add_checkin(patient, 9, now - timedelta(days=2), instrument="gad7")
    spray = add_session(
        patient, now - timedelta(days=4), modality="intranasal", dose_mg=56, drug="esketamine"
    )
    spray.readings = [
        SessionReading(
            kind="post_40",
            taken_at=spray.administered_at + timedelta(minutes=40),
            systolic=146,
            diastolic=92,
            heart_rate=88,
            spo2=96,
        ),
        SessionReading(kind="pre_dose", systolic=128, diastolic=80),  # carried over, untimed
    ]
    db_session.flush()
    response = client.get(f"/api/v1/patients/{patient.id}/fhir")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    # Saved under a name with an extension, not as "fhir" (#17 item 6).
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="waypoint-{patient.ref}-fhir.json"'
    body = response.get_json(force=True)
    bundle = Bundle.parse_obj(body)
    kinds = [e.resource.resource_type for e in bundle.entry]
    assert kinds.count("QuestionnaireResponse") == 2
    assert kinds.count("Questionnaire") == 2 and kinds.count("MedicationAdministration") == 1
    # Two screening-assessment panels (each with its answers and total as members).
    panels = [e["resource"] for e in body["entry"] if "hasMember" in e["resource"]]
    assert [p["code"]["coding"][0]["code"] for p in panels] == ["44249-1", "69737-5"]
    assert kinds[0] == "Patient"
    assert len({e.fullUrl for e in bundle.entry}) == len(bundle.entry)
    admin = next(
        e["resource"]
        for e in body["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
    )
    assert admin["dosage"]["route"]["coding"][0]["code"] == "46713006"
    assert admin["dosage"]["dose"]["value"] == 56.0
    medication = admin["medicationCodeableConcept"]
    assert medication["text"] == "esketamine"
    assert medication["coding"] == [
        {
            "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
            "code": "2201623",
            "display": "esketamine Nasal Spray",
        }
    ]
    vitals = [
        e["resource"]
        for e in body["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["category"][0]["coding"][0]["code"] == "vital-signs"
    ]
    # The readings' vital signs: BP, heart rate, SpO2 (both of US Core's codes), then BP.
    assert [[c["code"] for c in v["code"]["coding"]] for v in vitals] == [
        ["85354-9"],
        ["8867-4"],
        ["2708-6", "59408-5"],
        ["85354-9"],
    ]
    assert [v["meta"]["profile"][0].rsplit("/", 1)[1] for v in vitals] == [
        "us-core-blood-pressure",
        "us-core-heart-rate",
        "us-core-pulse-oximetry",
        "us-core-blood-pressure",
    ]
    peak = vitals[0]
    assert [
        (c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in peak["component"]
    ] == [("8480-6", 146), ("8462-4", 92)]
    assert peak["partOf"] == [{"reference": f"MedicationAdministration/{admin['id']}"}]
    assert vitals[2]["valueQuantity"] == {
        "value": 96,
        "unit": "%",
        "system": "http://unitsofmeasure.org",
        "code": "%",
    }
    assert vitals[3]["effectiveDateTime"] == admin["effectiveDateTime"]  # untimed: the session's
    observation = next(
        e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "Observation"
    )
    assert observation["subject"]["reference"] == f"Patient/{patient.id}"
    assert observation["derivedFrom"][0]["reference"].startswith("QuestionnaireResponse/")
    event = db_session.execute(
        sa.select(AuditEvent.detail).where(
            AuditEvent.action == "patient.export", AuditEvent.object_id == str(patient.id)
        )
    ).scalar_one()
    assert event == {"format": "fhir", "checkins": 2, "skipped": 0, "sessions": 1}


def test_outcomes_report_rates(
    staff_client, create_patient, add_checkin, add_session, db_session, other_clinic
):
    client, _, staff = staff_client
    now = utcnow()
    responder = create_patient(staff.clinic)
    add_checkin(responder, 20, now - timedelta(days=30))
    add_session(responder, now - timedelta(days=29))
    add_checkin(responder, 4, now - timedelta(days=5))  # response and remission
    partial = create_patient(staff.clinic)
    add_checkin(partial, 16, now - timedelta(days=30))
    add_session(partial, now - timedelta(days=29), modality="intranasal", dose_mg=56)
    add_checkin(partial, 14, now - timedelta(days=5))  # neither
    # Another clinic's responder must not count.
    stranger = create_patient(other_clinic["clinic"])
    add_checkin(stranger, 20, now - timedelta(days=30))
    add_session(stranger, now - timedelta(days=29))
    add_checkin(stranger, 2, now - timedelta(days=5))
    for n in range(4):
        db_session.add(
            CheckinDue(
                patient_id=responder.id,
                instrument="phq9",
                reason="cadence",
                due_at=now - timedelta(days=n + 1),
                completed_checkin_id=None,
            )
        )
    db_session.flush()
    # Two dues completed (link them to the responder's check-ins).
    from api.models import Checkin

    checkin_ids = db_session.scalars(
        sa.select(Checkin.id).where(Checkin.patient_id == responder.id)
    ).all()
    dues = db_session.scalars(
        sa.select(CheckinDue).where(CheckinDue.patient_id == responder.id).order_by(CheckinDue.id)
    ).all()
    dues[0].completed_checkin_id, dues[3].completed_checkin_id = checkin_ids
    db_session.flush()
    rows = rows_of(client.get("/api/v1/reports/outcomes.csv"))
    table = {
        (r["measure"], r["instrument"], r["modality"]): r for r in rows if r["baseline"] == "all"
    }
    assert table[("courses", "phq9", "all")]["numerator"] == "2"
    assert table[("response", "phq9", "all")]["rate"] == "0.500"
    assert table[("remission", "phq9", "iv")]["rate"] == "1.000"
    assert table[("response", "phq9", "intranasal")]["numerator"] == "0"
    completion = table[("checkin_completion", "", "all")]
    assert (completion["numerator"], completion["denominator"]) == ("2", "4")
    assert not any(r for r in rows if str(responder.id) in str(r) or responder.ref in str(r))
    assert (
        db_session.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.action == "report.outcomes",
                AuditEvent.clinic_id == responder.clinic_id,
            )
        )
        == 1
    )
    theirs = rows_of(other_clinic["client"].get("/api/v1/reports/outcomes.csv"))
    theirs = {
        (r["measure"], r["instrument"], r["modality"]): r for r in theirs if r["baseline"] == "all"
    }
    assert theirs[("courses", "phq9", "all")]["numerator"] == "1"
    assert theirs[("response", "phq9", "all")]["rate"] == "1.000"


def test_exports_carry_the_daily_mood_rating(staff_client, create_patient, add_checkin, db_session):
    """The mood rating's rows: in the CSV with its own answer column, and in the FHIR Bundle
    as a QuestionnaireResponse of Waypoint's own Questionnaire (no LOINC code claimed)."""
    import surveys
    from api.checkins.operations import scored_checkin

    client, _, staff = staff_client
    patient = create_patient(staff.clinic)
    now = utcnow()
    add_checkin(patient, 12, now - timedelta(days=3))
    mood = surveys.get_definition("mood")
    for days, value in ((2, 3), (1, 8)):
        answers = {"mood_today": value}
        db_session.add(
            scored_checkin(
                patient,
                mood,
                answers,
                surveys.score(mood, answers),
                completed_at=now - timedelta(days=days),
            )
        )
    db_session.flush()

    rows = rows_of(client.get(f"/api/v1/patients/{patient.id}/export.csv"))
    assert [(r["instrument"], r["total"], r["mood_today"]) for r in rows] == [
        ("phq9", "12", ""),
        ("mood", "3", "3"),
        ("mood", "8", "8"),
    ]
    assert rows[1]["severity"] == "" and rows[1]["safety_endorsed"] == "False"

    body = client.get(f"/api/v1/patients/{patient.id}/fhir").get_json(force=True)
    Bundle.parse_obj(body)
    resources = [e["resource"] for e in body["entry"]]
    (questionnaire,) = [
        r for r in resources if r["resourceType"] == "Questionnaire" and r["id"] == "mood"
    ]
    url = questionnaire["url"]
    assert url == "https://waypoint.example/fhir/Questionnaire/mood"  # Waypoint's own
    assert "loinc.org" not in str(questionnaire)
    responses = [
        r
        for r in resources
        if r["resourceType"] == "QuestionnaireResponse" and r["questionnaire"].startswith(url)
    ]
    assert len(responses) == 2
    assert responses[1]["questionnaire"] == f"{url}|{mood.version}"
    items = {i["linkId"]: i for i in responses[1]["item"]}
    item = items["mood_today"]
    assert item["answer"][0]["valueCoding"]["code"] == "mood_today=8"
    observations = {r["id"]: r for r in resources if r["resourceType"] == "Observation"}
    panels = [o for o in observations.values() if o["code"]["coding"][0]["code"] == "mood"]
    assert len(panels) == 2
    members = [observations[m["reference"].split("/")[1]] for m in panels[1]["hasMember"]]
    answer, total = members
    assert answer["valueCodeableConcept"]["coding"][0]["code"] == "mood_today=8"
    assert total["valueQuantity"]["value"] == 8 and "interpretation" not in total
    assert "loinc.org" not in str([panels, members])
