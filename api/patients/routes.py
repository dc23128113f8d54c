"""The clinic's patients: enrol, read, change, invite, their check-ins."""

from flask.views import MethodView

# Registered on the same blueprint; imported for that side effect.
from flask_smorest import Blueprint, abort

import surveys

from ..audit import record
from ..auth.operations import create_invite
from ..auth.policy import clinic_patient_or_404, policy, require_principal
from ..checkins.answers import answer_rows
from ..checkins.followups import asq_results
from ..checkins.partials import merged_unfinished, with_signals
from ..extensions import db
from ..models import Checkin, CheckinDue, PatientSummary
from ..models.base import utcnow
from ..reminders.operations import phone_hint, phone_of
from .invites import email_invite, invite_body, sms_invite
from .operations import care_team_members, enrol_patient, update_patient
from .schemas import (
    CheckinArgsSchema,
    EnrolledSchema,
    InviteEmailedSchema,
    InviteEmailInSchema,
    InviteSchema,
    InviteTextedSchema,
    PatientCheckinListSchema,
    PatientDetailSchema,
    PatientInSchema,
    PatientPatchSchema,
)

blp = Blueprint(
    "patients", __name__, url_prefix="/api/v1/patients", description="The clinic's patients."
)


@blp.route("")
class Patients(MethodView):
    @policy("staff")
    @blp.arguments(PatientInSchema)
    @blp.response(201, EnrolledSchema)
    def post(self, body):
        """Enrol a patient; the answer carries a one-time invite URL for them, and its QR code."""
        principal = require_principal()
        team = care_team_members(principal.clinic_id, body["care_team"])
        patient = enrol_patient(
            principal.staff.clinic,
            display_name=body["display_name"],
            timezone=body["timezone"],
            email=body["email"],
            language=body["language"],
            care_team=team,
            mobile=body["mobile"],
        )
        invite_url = create_invite(patient, principal.staff)
        record("patient.create", object_type="patient", object_id=patient.id)
        return {"patient": patient, **invite_body(invite_url)}


@blp.route("/<uuid:patient_id>")
class PatientDetail(MethodView):
    @policy("staff")
    @blp.response(200, PatientDetailSchema)
    def get(self, patient_id):
        """One patient: profile, care team, schedule, latest scores and what is due."""
        patient = clinic_patient_or_404(patient_id)
        record("patient.read", object_type="patient", object_id=patient.id)
        return _detail(patient)

    @policy("staff")
    @blp.arguments(PatientPatchSchema)
    @blp.response(200, PatientDetailSchema)
    def patch(self, body, patient_id):
        """Change the schedule, care team, contact details, or discharge / re-admit."""
        patient = clinic_patient_or_404(patient_id)
        changed = update_patient(patient, body)
        record("patient.update", object_type="patient", object_id=patient.id, fields=changed)
        return _detail(patient)


PATIENT_FIELDS = (
    "id",
    "ref",
    "display_name",
    "email",
    "timezone",
    "language",
    "status",
    "schedule",
    "created_at",
    "discharged_at",
)


def _detail(patient) -> dict:
    summary = db.session.get(PatientSummary, patient.id)
    due = db.session.scalars(
        db.select(CheckinDue)
        .where(CheckinDue.patient_id == patient.id, CheckinDue.completed_checkin_id.is_(None))
        .order_by(CheckinDue.due_at)
        .limit(10)
    ).all()
    return {
        **{name: getattr(patient, name) for name in PATIENT_FIELDS},
        "mobile_hint": phone_hint(phone_of(patient)),
        "care_team": patient.care_team,
        "trend_status": summary.trend_status if summary else None,
        "instruments": summary.instruments if summary else {},
        "course_start": summary.course_start if summary else None,
        "next_due": due,
        "overdue": bool(due) and due[0].due_at < utcnow(),
    }


@blp.route("/<uuid:patient_id>/invite")
class PatientInvite(MethodView):
    @policy("staff")
    @blp.response(201, InviteSchema)
    def post(self, patient_id):
        """A fresh invite URL and its QR code; every older one stops working."""
        principal = require_principal()
        patient = clinic_patient_or_404(patient_id)
        if patient.status != "active":
            abort(409, message="Re-admit the patient before inviting them.")
        invite_url = create_invite(patient, principal.staff)
        record("patient.invite", object_type="patient", object_id=patient.id)
        return invite_body(invite_url)


@blp.route("/<uuid:patient_id>/invite/email")
class PatientInviteEmail(MethodView):
    @policy("staff")
    @blp.arguments(InviteEmailInSchema)
    @blp.response(202, InviteEmailedSchema)
    @blp.alt_response(409, description="The patient is discharged.")
    @blp.alt_response(422, description="No email address, or not a live invite of the patient.")
    def post(self, body, patient_id):
        """Email the patient their live invite link (the worker sends it after the commit)."""
        patient = clinic_patient_or_404(patient_id)
        sent_to = email_invite(patient, body["invite_url"])
        record("patient.invite_email", object_type="patient", object_id=patient.id)
        return {"sent_to": sent_to}


@blp.route("/<uuid:patient_id>/invite/sms")
class PatientInviteSms(MethodView):
    @policy("staff")
    @blp.arguments(InviteEmailInSchema)
    @blp.response(202, InviteTextedSchema)
    @blp.alt_response(409, description="The patient is discharged, or the clinic has no SMS.")
    @blp.alt_response(422, description="No mobile number, or not a live invite of the patient.")
    def post(self, body, patient_id):
        """Text the patient their live invite link through the clinic's SMS service (the
        reminders' Apprise URL; the worker sends it after the commit)."""
        patient = clinic_patient_or_404(patient_id)
        sent_to = sms_invite(patient, body["invite_url"])
        record("patient.invite_sms", object_type="patient", object_id=patient.id)
        return {"sent_to": sent_to}


@blp.route("/<uuid:patient_id>/checkins")
class PatientCheckins(MethodView):
    @policy("staff")
    @blp.arguments(CheckinArgsSchema, location="query")
    @blp.response(200, PatientCheckinListSchema)
    def get(self, args, patient_id):
        """The patient's check-ins, newest first, with every question and answer."""
        patient = clinic_patient_or_404(patient_id)
        query = db.select(Checkin).where(Checkin.patient_id == patient.id)
        if "instrument" in args:
            query = query.where(Checkin.instrument == args["instrument"])
        rows = db.session.scalars(
            query.order_by(Checkin.completed_at.desc(), Checkin.id).limit(args["limit"])
        ).all()
        asq = asq_results(rows)
        items = [{**_checkin(row), "asq_result": asq[row.id]} for row in rows]
        items = with_signals(items, patient.id)
        # Check-ins abandoned after a safety answer, with the answers that were given.
        items = merged_unfinished(items, patient.id, args.get("instrument"), args["limit"])
        record("checkin.list", object_type="patient", object_id=patient.id, count=len(items))
        return {"items": items}


def _checkin(row: Checkin) -> dict:
    definition = surveys.get_definition(row.instrument, row.instrument_version)
    band = definition.band_for(row.total) if row.total is not None else None
    answers = answer_rows(definition, row.answers)
    return {
        "id": row.id,
        "status": "complete",
        "instrument": row.instrument,
        "instrument_title": definition.short_title,
        "completed_at": row.completed_at,
        "answered_at": row.completed_at,
        "received_at": row.received_at,
        "total": row.total,
        "severity": row.severity,
        "severity_label": band.label if band else None,
        "result": row.result,
        "safety_endorsed": row.safety_endorsed,
        "safety_level": row.safety_level,
        "prorated": row.prorated,
        "answers": answers,
    }
