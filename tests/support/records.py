"""Patients whose records hold every kind of row an export carries (the export tests')."""

from datetime import timedelta

import surveys
from api.models import SessionReading
from api.models.base import utcnow
from tests.support.answers import SAMPLE_ANSWERS


def checkin_of(db_session, patient, code, answers, at, version=None):
    from api.checkins.operations import scored_checkin

    definition = surveys.get_definition(code, version)
    row = scored_checkin(
        patient, definition, answers, surveys.score(definition, answers), completed_at=at
    )
    db_session.add(row)
    db_session.flush()
    return row


def reading(kind, at, systolic, diastolic, heart_rate, spo2):
    return SessionReading(
        kind=kind,
        taken_at=at,
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=heart_rate,
        spo2=spo2,
    )


def full_record(db_session, create_patient, add_session, add_alert, clinic):
    """A patient with a check-in of every instrument (and an earlier GAD-7 version), a ketamine
    infusion and an esketamine spray with their readings and scores, and an open alert."""
    patient = create_patient(clinic, display_name="Ada Lovelace-Byron")
    now = utcnow()
    phq9 = checkin_of(db_session, patient, "phq9", SAMPLE_ANSWERS["phq9"], now - timedelta(days=9))
    add_alert(patient)  # item 9 was endorsed: the alert is the care team's, not the chart's
    checkin_of(db_session, patient, "asq", SAMPLE_ANSWERS["asq"], now - timedelta(days=9, hours=-1))
    old_gad7 = {f"gad7_{i}": 2 for i in range(1, 8)}
    checkin_of(db_session, patient, "gad7", old_gad7, now - timedelta(days=8), version="1.0.0")
    checkin_of(db_session, patient, "gad7", SAMPLE_ANSWERS["gad7"], now - timedelta(days=2))
    checkin_of(db_session, patient, "mood", SAMPLE_ANSWERS["mood"], now - timedelta(days=1))
    answers = {**SAMPLE_ANSWERS["post_session"], "ps_other": "=1+1 felt floaty"}
    checkin_of(db_session, patient, "post_session", answers, now - timedelta(hours=20))

    infusion = add_session(patient, now - timedelta(days=7), dose_mg=35.0, drug="ketamine")
    at = infusion.administered_at
    infusion.dose_mg_per_kg = 0.5
    infusion.cadss, infusion.cadss_form, infusion.moaas = 14, "full", 4
    infusion.monitoring_started_at, infusion.monitoring_ended_at = at, at + timedelta(hours=2)
    infusion.readings = [
        reading("pre_dose", at - timedelta(minutes=10), 128, 82, 76, 98),
        reading("post_40", at + timedelta(minutes=40), 152, 94, 92, 96),
        reading("discharge", at + timedelta(minutes=110), 130, 84, 80, 98),
    ]
    spray = add_session(
        patient,
        now - timedelta(days=1, hours=2),
        course=infusion.course,
        modality="intranasal",
        dose_mg=56,
        drug="esketamine",
    )
    spray.devices, spray.cadss, spray.cadss_form = 2, 5, "cadss6"
    spray.readings = [
        reading("post_40", spray.administered_at + timedelta(minutes=40), *(146, 92, 88, 95))
    ]
    db_session.flush()
    return patient, phq9
