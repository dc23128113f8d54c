"""The monitored session: every field's bounds, every threshold, the urgent alert (one alert,
one case), the esketamine two-hour rule, and the CSV columns."""

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.models import Alert, AuditEvent, Case, SessionReading, TreatmentSession
from api.models.base import utcnow
from tests.support.intake import clear_intake

AT = utcnow() - timedelta(hours=3)


def iso(minutes: float) -> str:
    """The time ``minutes`` after the dose, as the API takes it."""
    return (AT + timedelta(minutes=minutes)).isoformat()


def reading(kind="pre_dose", minutes=-5, **values):
    values = values or {"systolic": 124, "diastolic": 78, "heart_rate": 72, "spo2": 98}
    return {"kind": kind, "taken_at": iso(minutes), **values}


def spray(**changes):
    """A complete, unremarkable esketamine session (56 mg, 2 h 10 min of monitoring)."""
    body = {
        "administered_at": AT.isoformat(),
        "modality": "intranasal",
        "drug": "esketamine",
        "dose_mg": 56,
        "devices": 2,
        "lot_number": "AB12-345",
        "readings": [
            reading(),
            reading("post_40", 40, systolic=136, diastolic=86, heart_rate=80, spo2=97),
            reading("discharge", 125, systolic=126, diastolic=80, heart_rate=74, spo2=98),
        ],
        "moaas": 4,
        "cadss": 9,
        "cadss_form": "cadss6",
        "sedation": True,
        "dissociation": True,
        "respiratory_depression": False,
        "vitals_ok_pre": True,
        "vitals_ok_discharge": True,
        "monitoring_started_at": iso(0),
        "monitoring_ended_at": iso(130),
        "ready_to_leave_at": iso(95),
        "concomitant_classes": ["benzodiazepines"],
        "serious_adverse_event": False,
    }
    body.update(changes)
    return body


@pytest.fixture
def page(staff_client, create_patient):
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic)
    clear_intake(patient, staff)  # the screen is clear: a first course may start
    return client, {"X-CSRF-Token": csrf}, patient, f"/api/v1/patients/{patient.id}/sessions"


def _count(db_session, model, **where):
    query = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db_session.scalar(query)


def test_a_complete_esketamine_session_is_recorded_with_its_readings(page, db_session):
    client, headers, patient, base = page
    created = client.post(base, json=spray(), headers=headers)
    assert created.status_code == 201, created.json
    body = created.json
    assert [r["kind"] for r in body["readings"]] == ["pre_dose", "post_40", "discharge"]
    assert (body["bp_pre_systolic"], body["bp_post_systolic"]) == (124, 136)
    assert body["devices"] == 2 and body["cadss_form"] == "cadss6" and body["flags"] == []
    assert body["rems_record_id"]
    listed = client.get(base).json
    assert listed["thresholds"]["caution_systolic"] == 140
    assert listed["thresholds"]["urgent_spo2"] == 90
    assert _count(db_session, SessionReading, session_id=body["id"]) == 3


BAD = [
    # Esketamine is a nasal spray: the form once let it be saved as IV (a walk found it).
    ({"modality": "iv", "devices": None}, "modality"),
    ({"readings": [reading(systolic=301, diastolic=80)]}, "readings.0.systolic"),
    ({"readings": [reading(systolic=49, diastolic=30)]}, "readings.0.systolic"),
    ({"readings": [reading(systolic=120, diastolic=201)]}, "readings.0.diastolic"),
    ({"readings": [reading(systolic=120, diastolic=19)]}, "readings.0.diastolic"),
    ({"readings": [reading(systolic=80, diastolic=90)]}, "readings.0.systolic"),
    ({"readings": [reading(systolic=120)]}, "readings.0.diastolic"),
    ({"readings": [reading(heart_rate=251)]}, "readings.0.heart_rate"),
    ({"readings": [reading(heart_rate=19)]}, "readings.0.heart_rate"),
    ({"readings": [reading(spo2=101)]}, "readings.0.spo2"),
    ({"readings": [reading(spo2=49)]}, "readings.0.spo2"),
    ({"readings": [reading(spo2=10**9)]}, "readings.0.spo2"),
    ({"readings": [{"kind": "further", "taken_at": iso(30)}]}, "readings.0"),
    ({"readings": [reading(minutes=-181)]}, "readings.0.taken_at"),
    ({"readings": [reading(minutes=20)]}, "readings.0.taken_at"),  # "pre-dose" after it
    ({"readings": [reading("post_40", -10)]}, "readings.0.taken_at"),
    ({"readings": [reading("further", 150)]}, "readings.0.taken_at"),  # after monitoring
    ({"readings": [reading(), reading(minutes=-2)]}, "readings"),  # two pre-dose readings
    ({"moaas": 6}, "moaas"),
    ({"moaas": -1}, "moaas"),
    ({"cadss": 25}, "cadss"),  # CADSS-6 is 0-24
    ({"cadss": 93, "cadss_form": "full"}, "cadss"),
    ({"cadss_form": None}, "cadss_form"),
    ({"cadss_form": "cadss8"}, "cadss_form"),
    ({"devices": 4, "dose_mg": 112}, "devices"),
    ({"devices": 0}, "devices"),
    ({"devices": None}, "devices"),
    ({"devices": 3}, "dose_mg"),  # 3 devices are 84 mg, not 56
    ({"drug": "ketamine"}, "devices"),  # devices are esketamine's
    ({"dose_mg": 112, "devices": None}, "dose_mg"),
    ({"drug": None}, "drug"),
    ({"lot_number": "AB\n12"}, "lot_number"),
    ({"lot_number": "x" * 41}, "lot_number"),
    ({"monitoring_ended_at": iso(-1)}, "monitoring_ended_at"),
    ({"monitoring_ended_at": iso(60 * 25)}, "monitoring_ended_at"),
    ({"monitoring_started_at": iso(61)}, "monitoring_started_at"),
    ({"monitoring_started_at": None}, "monitoring_started_at"),
    ({"ready_to_leave_at": iso(-5)}, "ready_to_leave_at"),
    ({"ready_to_leave_at": iso(140)}, "ready_to_leave_at"),
    ({"monitoring_ended_at": (utcnow() + timedelta(hours=1)).isoformat()}, "monitoring_ended_at"),
    ({"concomitant_classes": ["antihistamines"]}, "concomitant_classes.0"),
    ({"concomitant_classes": ["opioids", "opioids"]}, "concomitant_classes"),
    ({"serious_adverse_event": True}, "serious_adverse_event_note"),
    ({"respiratory_depression": "maybe"}, "respiratory_depression"),
    ({"respiratory_note": "x" * 1001}, "respiratory_note"),
    ({"readings": [reading()] * 61}, "readings"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_implausible_monitoring_is_422_naming_the_field_and_nothing_is_written(
    page, db_session, change, field
):
    client, headers, patient, base = page
    response = client.post(base, json=spray(**change), headers=headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert all(response.json["errors"][field])  # and says why
    assert _count(db_session, TreatmentSession, patient_id=patient.id) == 0


@pytest.mark.parametrize(("change", "field"), BAD[:20])
def test_implausible_corrections_change_nothing(page, db_session, change, field):
    client, headers, patient, base = page
    created = client.post(base, json=spray(), headers=headers).json
    response = client.patch(f"{base}/{created['id']}", json=change, headers=headers)
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert client.get(f"{base}/{created['id']}").json["readings"] == created["readings"]


def _flags(client, headers, base, **change):
    response = client.post(base, json=spray(**change), headers=headers)
    assert response.status_code == 201, response.json
    return [(f["field"], f["level"]) for f in response.json["flags"]]


PRE = "readings.0"
THRESHOLDS = [
    # The label's "consider the risk" line before dosing: above 140/90, not at it.
    ({"readings": [reading(systolic=140, diastolic=90)]}, []),
    ({"readings": [reading(systolic=141, diastolic=80)]}, [(f"{PRE}.systolic", "caution")]),
    ({"readings": [reading(systolic=130, diastolic=91)]}, [(f"{PRE}.systolic", "caution")]),
    # Urgent at or above 180/110.
    ({"readings": [reading(systolic=179, diastolic=109)]}, [(f"{PRE}.systolic", "caution")]),
    ({"readings": [reading(systolic=180, diastolic=100)]}, [(f"{PRE}.systolic", "urgent")]),
    ({"readings": [reading(systolic=170, diastolic=110)]}, [(f"{PRE}.systolic", "urgent")]),
    # Heart rate above 100.
    ({"readings": [reading(heart_rate=100)]}, []),
    ({"readings": [reading(heart_rate=101)]}, [(f"{PRE}.heart_rate", "caution")]),
    # Urgent at or above 150 (the AHA's tachycardia algorithm).
    ({"readings": [reading(heart_rate=149)]}, [(f"{PRE}.heart_rate", "caution")]),
    ({"readings": [reading(heart_rate=150)]}, [(f"{PRE}.heart_rate", "urgent")]),
    # SpO2 below 94 (caution) and below 90 (urgent).
    ({"readings": [reading(spo2=94)]}, []),
    ({"readings": [reading(spo2=93)]}, [(f"{PRE}.spo2", "caution")]),
    ({"readings": [reading(spo2=90)]}, [(f"{PRE}.spo2", "caution")]),
    ({"readings": [reading(spo2=89)]}, [(f"{PRE}.spo2", "urgent")]),
    # MOAA/S 3 or below is flagged, 0 is urgent; respiratory depression is urgent.
    ({"moaas": 4}, []),
    ({"moaas": 3}, [("moaas", "caution")]),
    ({"moaas": 0}, [("moaas", "urgent")]),
    ({"respiratory_depression": True}, [("respiratory_depression", "urgent")]),
]


@pytest.mark.parametrize(("change", "expected"), THRESHOLDS)
def test_every_threshold_flags_at_its_line(page, change, expected):
    client, headers, _, base = page
    assert _flags(client, headers, base, **change) == expected


def test_the_clinics_own_lines_are_used(page, db_session):
    client, headers, patient, base = page
    patient.clinic.rule_settings = {"session_caution_systolic": 130, "session_urgent_spo2": 85}
    db_session.flush()
    pressure = [reading(systolic=131, diastolic=80, spo2=88)]
    assert _flags(client, headers, base, readings=pressure) == [
        (f"{PRE}.systolic", "caution"),
        (f"{PRE}.spo2", "caution"),  # 88 is below 94 but not below this clinic's 85
    ]
    assert client.get(base).json["thresholds"]["caution_systolic"] == 130


def _session_alerts(db_session, patient):
    return db_session.scalars(
        sa.select(Alert).where(Alert.patient_id == patient.id, Alert.rule == "session_vitals")
    ).all()


def test_an_urgent_reading_alerts_the_team_once_with_one_case(page, db_session):
    client, headers, patient, base = page
    peak = reading("post_40", 40, systolic=186, diastolic=112, heart_rate=96, spo2=96)
    body = spray(readings=[reading(), peak])
    created = client.post(base, json=body, headers=headers)
    assert created.status_code == 201, created.json
    [alert] = _session_alerts(db_session, patient)
    assert alert.priority == "urgent" and alert.status == "open"
    assert "186/112" in alert.reason and patient.display_name not in alert.reason
    assert alert.case_id is not None
    assert _count(db_session, Case, patient_id=patient.id) == 1
    # A correction adding a second urgent reading is the same session: no second alert.
    low = reading("further", 60, spo2=86)
    again = client.patch(
        f"{base}/{created.json['id']}",
        json={"readings": [*body["readings"], low]},
        headers=headers,
    )
    assert again.status_code == 200, again.json
    assert len(_session_alerts(db_session, patient)) == 1
    assert _count(db_session, Case, patient_id=patient.id) == 1
    # A caution line alone alerts nobody.
    client.post(base, json=spray(readings=[reading(systolic=150, diastolic=80)]), headers=headers)
    assert len(_session_alerts(db_session, patient)) == 1


def test_leaving_before_two_hours_of_esketamine_needs_a_reason(page):
    client, headers, _, base = page
    early = {"monitoring_ended_at": iso(100), "ready_to_leave_at": iso(90)}
    early["readings"] = [reading(), reading("discharge", 95)]
    refused = client.post(base, json=spray(**early), headers=headers)
    assert refused.status_code == 422
    assert "100 minutes" in refused.json["errors"]["early_leave_reason"][0]
    at_two_hours = early | {"monitoring_ended_at": iso(120)}
    assert client.post(base, json=spray(**at_two_hours), headers=headers).status_code == 201
    given = early | {"early_leave_reason": "Transferred to the emergency department."}
    assert client.post(base, json=spray(**given), headers=headers).status_code == 201
    ketamine = early | {"drug": "ketamine", "modality": "iv", "devices": None, "dose_mg": 35}
    assert client.post(base, json=spray(**ketamine), headers=headers).status_code == 201


def test_carried_over_sessions_stay_correctable_without_a_drug(page, db_session, add_session):
    client, headers, patient, base = page
    old = add_session(patient, utcnow() - timedelta(days=30))
    # As migration 0014 carries them over: the pressures kept, their time unknown.
    old.readings = [SessionReading(kind="pre_dose", systolic=130, diastolic=84)]
    db_session.flush()
    response = client.patch(f"{base}/{old.id}", json={"notes": "Checked"}, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["drug"] is None and response.json["bp_pre_systolic"] == 130


def test_sessions_csv_carries_the_monitored_fields(page):
    client, headers, patient, base = page
    client.post(base, json=spray(), headers=headers)
    response = client.get(f"/api/v1/patients/{patient.id}/export.csv?part=sessions")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    [row] = rows
    for column in (
        "drug",
        "drug_rxnorm",
        "devices",
        "lot_number",
        "moaas",
        "cadss_form",
        "respiratory_depression",
        "monitoring_started_at",
        "monitoring_ended_at",
        "ready_to_leave_at",
        "concomitant_classes",
        "serious_adverse_event",
        "pre_dose_systolic",
        "post_40_heart_rate",
        "discharge_spo2",
        "further_readings",
    ):
        assert column in row, column
    assert (row["drug"], row["drug_rxnorm"], row["devices"]) == ("esketamine", "2201623", "2")
    assert (row["post_40_systolic"], row["concomitant_classes"]) == ("136", "benzodiazepines")
    readings = client.get(f"/api/v1/patients/{patient.id}/export.csv?part=readings")
    table = list(csv.DictReader(io.StringIO(readings.get_data(as_text=True))))
    assert [r["kind"] for r in table] == ["pre_dose", "post_40", "discharge"]
    assert set(table[0]) == {"patient_ref", "session_id", "kind", "taken_at"} | {
        "systolic",
        "diastolic",
        "heart_rate",
        "spo2",
    }


def test_every_read_and_write_is_audited_with_field_names_only(page, db_session):
    client, headers, patient, base = page
    created = client.post(base, json=spray(), headers=headers).json
    same = [{k: v for k, v in r.items() if v is not None} for r in created["readings"]]
    client.patch(
        f"{base}/{created['id']}",
        json={"lot_number": "ZZ-9", "moaas": 3, "readings": same},  # the readings as they were
        headers=headers,
    )
    events = db_session.execute(
        sa.select(AuditEvent.action, AuditEvent.detail)
        .where(AuditEvent.object_id == created["id"])
        .order_by(AuditEvent.id)
    ).all()
    assert [a for a, _ in events] == ["session.create", "session.update"]
    assert events[1][1]["fields"] == ["lot_number", "moaas"]
    assert "ZZ-9" not in str(events)


@pytest.fixture
def admin_client(make_client, login, create_clinician):
    admin = create_clinician(role="admin")
    client = make_client()
    return client, login(client, admin)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"session_caution_systolic": 119}, "session_caution_systolic"),
        ({"session_urgent_spo2": 96}, "session_urgent_spo2"),
        ({"session_caution_heart_rate": 151}, "session_caution_heart_rate"),
        ({"session_urgent_heart_rate": 201}, "session_urgent_heart_rate"),
    ],
)
def test_threshold_settings_are_bounded(admin_client, settings, field):
    client, csrf = admin_client
    response = client.patch(
        "/api/v1/clinic/settings", json={"rule_settings": settings}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == [f"rule_settings.{field}"]


def test_an_urgent_line_below_its_caution_line_is_refused(admin_client):
    client, csrf = admin_client
    settings = {"session_caution_systolic": 170, "session_urgent_systolic": 160}
    response = client.patch(
        "/api/v1/clinic/settings", json={"rule_settings": settings}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 422
    assert "must be above session_caution_systolic" in str(response.json)


def test_an_urgent_heart_rate_line_must_stay_above_the_caution_line(admin_client):
    client, csrf = admin_client
    settings = {"session_caution_heart_rate": 130, "session_urgent_heart_rate": 130}
    response = client.patch(
        "/api/v1/clinic/settings", json={"rule_settings": settings}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 422
    assert "session_urgent_heart_rate must be above session_caution_heart_rate" in str(
        response.json["errors"]
    )
    assert (
        client.get("/api/v1/clinic/settings")
        .json["rule_settings"]
        .get("session_urgent_heart_rate", 150)
        == 150
    )
