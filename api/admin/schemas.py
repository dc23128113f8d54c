"""Bodies of the clinic admin endpoints: explicit fields in, explicit fields out."""

from marshmallow import Schema, fields, validate

from ..dosing.schemas import DoseOutSchema
from ..timebounds import BoundedDateTime


class AuditArgsSchema(Schema):
    since = BoundedDateTime(load_default=None)
    until = BoundedDateTime(load_default=None)
    action = fields.String(load_default=None, validate=validate.Length(max=60))
    outcome = fields.String(
        load_default=None, validate=validate.OneOf(["success", "denied", "failure"])
    )
    object_type = fields.String(load_default=None, validate=validate.Length(max=40))
    object_id = fields.String(load_default=None, validate=validate.Length(max=64))
    actor_id = fields.String(load_default=None, validate=validate.Length(max=64))


class AuditPageArgsSchema(AuditArgsSchema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    before_id = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**63 - 1),
        metadata={"description": "The previous page's next_before_id."},
    )


class AuditEventSchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor_kind = fields.String(required=True)
    actor_id = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    clinic_id = fields.Integer(allow_none=True)
    action = fields.String(required=True)
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    outcome = fields.String(required=True)
    ip = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    detail = fields.Dict(allow_none=True)


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)
    next_before_id = fields.Integer(allow_none=True, required=True)


class RevokedSchema(Schema):
    revoked = fields.Integer(required=True, metadata={"description": "Sessions ended."})


class EraseInSchema(Schema):
    confirm_ref = fields.String(
        required=True,
        validate=validate.Length(min=1, max=16),
        metadata={"description": "The patient's ref, typed again to confirm."},
    )


class ErasedSchema(Schema):
    checkins = fields.Integer(required=True)
    safety_signals = fields.Integer(required=True)
    alerts = fields.Integer(required=True)
    cases = fields.Integer(required=True)
    case_contacts = fields.Integer(required=True)
    deliveries = fields.Integer(required=True)
    treatment_sessions = fields.Integer(required=True)
    device_sessions = fields.Integer(required=True)
    invites = fields.Integer(required=True)


class ExportPatientSchema(Schema):
    id = fields.UUID(required=True)
    ref = fields.String(required=True)
    display_name = fields.String(required=True)
    email = fields.String(allow_none=True)
    timezone = fields.String(required=True)
    schedule = fields.Dict()
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    discharged_at = fields.DateTime(allow_none=True)
    care_team = fields.Function(lambda p: [s.id for s in p.care_team])


class ExportCheckinSchema(Schema):
    id = fields.UUID(required=True)
    instrument = fields.String(required=True)
    instrument_version = fields.String(required=True)
    answers = fields.Dict(required=True)
    total = fields.Integer(allow_none=True)
    severity = fields.String(allow_none=True)
    safety_endorsed = fields.Boolean(required=True)
    safety_level = fields.String(required=True)
    result = fields.String(allow_none=True)
    prorated = fields.Boolean(required=True)
    completed_at = fields.DateTime(required=True)
    received_at = fields.DateTime(required=True)
    evaluated_at = fields.DateTime(allow_none=True)


class ExportSafetySignalSchema(Schema):
    """The answers of a check-in under way, sent for a safety answer (finished or not)."""

    id = fields.UUID(required=True)
    instrument = fields.String(required=True)
    instrument_version = fields.String(required=True)
    answers = fields.Dict(required=True)
    safety_level = fields.String(required=True)
    answered_at = fields.DateTime(required=True)
    received_at = fields.DateTime(required=True)


class ExportCourseSchema(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    started_at = fields.DateTime(required=True)
    planned_start_at = fields.DateTime(allow_none=True)
    plan = fields.Dict(allow_none=True, metadata={"description": "The course's phases."})


class ExportHomeDosingSchema(Schema):
    plan = fields.Dict(allow_none=True, metadata={"description": "The home-dosing plan."})
    doses = fields.List(fields.Nested(DoseOutSchema), required=True)


class ExportReadingSchema(Schema):
    kind = fields.String(required=True)
    taken_at = fields.DateTime(allow_none=True)
    systolic = fields.Integer(allow_none=True)
    diastolic = fields.Integer(allow_none=True)
    heart_rate = fields.Integer(allow_none=True)
    spo2 = fields.Integer(allow_none=True)


class ExportTreatmentSessionSchema(Schema):
    id = fields.UUID(required=True)
    course_id = fields.Integer(required=True)
    administered_at = fields.DateTime(required=True)
    modality = fields.String(required=True)
    drug = fields.String(allow_none=True)
    dose_mg = fields.Float(allow_none=True)
    dose_mg_per_kg = fields.Float(allow_none=True)
    devices = fields.Integer(allow_none=True)
    lot_number = fields.String(allow_none=True)
    readings = fields.List(fields.Nested(ExportReadingSchema))
    monitoring_started_at = fields.DateTime(allow_none=True)
    monitoring_ended_at = fields.DateTime(allow_none=True)
    ready_to_leave_at = fields.DateTime(allow_none=True)
    early_leave_reason = fields.String(allow_none=True)
    moaas = fields.Integer(allow_none=True)
    cadss = fields.Integer(allow_none=True)
    cadss_form = fields.String(allow_none=True)
    sedation = fields.Boolean(allow_none=True)
    dissociation = fields.Boolean(allow_none=True)
    respiratory_depression = fields.Boolean(allow_none=True)
    respiratory_note = fields.String(allow_none=True)
    vitals_ok_pre = fields.Boolean(allow_none=True)
    vitals_ok_discharge = fields.Boolean(allow_none=True)
    concomitant_classes = fields.List(fields.String(), allow_none=True)
    serious_adverse_event = fields.Boolean(allow_none=True)
    serious_adverse_event_note = fields.String(allow_none=True)
    adverse_events = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    deleted_at = fields.DateTime(allow_none=True)


class ExportAlertSchema(Schema):
    id = fields.UUID(required=True)
    case_id = fields.UUID(allow_none=True)
    checkin_id = fields.UUID(allow_none=True)
    rule = fields.String(required=True)
    priority = fields.String(required=True)
    reason = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by = fields.Integer(allow_none=True)
    ack_note = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)


class ExportContactSchema(Schema):
    at = fields.DateTime(required=True)
    method = fields.String(required=True)
    result = fields.String(required=True)
    note = fields.String(allow_none=True)
    actor_id = fields.Integer(allow_none=True)


class ExportCaseSchema(Schema):
    id = fields.UUID(required=True)
    priority = fields.String(required=True)
    status = fields.String(required=True)
    opened_at = fields.DateTime(required=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by = fields.Integer(allow_none=True)
    ack_note = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.Integer(allow_none=True)
    resolution_note = fields.String(allow_none=True)
    outcome = fields.Dict(allow_none=True)
    contacts = fields.List(fields.Nested(ExportContactSchema), required=True)


class ExportDeviceSchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    last_seen_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoked_reason = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)


class ExportInviteSchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class ExportIntakeTrialSchema(Schema):
    id = fields.Integer(required=True)
    drug = fields.String(required=True)
    dose_mg_per_day = fields.Float(allow_none=True)
    duration_weeks = fields.Integer(required=True)
    adequate = fields.Boolean(required=True)
    outcome = fields.String(required=True)
    current_episode = fields.Boolean(required=True)
    note = fields.String(allow_none=True)
    recorded_by = fields.Integer(allow_none=True)
    recorded_at = fields.DateTime(required=True)
    deleted_at = fields.DateTime(allow_none=True)


class ExportIntakeAnswerSchema(Schema):
    item = fields.String(required=True)
    answer = fields.String(required=True)
    note = fields.String(allow_none=True)
    signed_by = fields.Integer(required=True)
    signed_at = fields.DateTime(required=True)


class ExportIntakeOverrideSchema(Schema):
    id = fields.Integer(required=True)
    item = fields.String(required=True)
    answer = fields.String(required=True)
    answer_signed_at = fields.DateTime(required=True)
    reason = fields.String(required=True)
    by = fields.Integer(required=True)
    at = fields.DateTime(required=True)


class ExportIntakeSchema(Schema):
    trials = fields.List(
        fields.Nested(ExportIntakeTrialSchema),
        required=True,
        metadata={"description": "Every trial recorded, the deleted ones with deleted_at."},
    )
    answers = fields.List(fields.Nested(ExportIntakeAnswerSchema), required=True)
    overrides = fields.List(fields.Nested(ExportIntakeOverrideSchema), required=True)


class ExportRemsRecordSchema(Schema):
    id = fields.UUID(required=True)
    session_id = fields.UUID(required=True)
    due_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(allow_none=True)
    submitted_by = fields.Integer(allow_none=True)
    submission_reference = fields.String(allow_none=True)
    submitted_fields = fields.Dict(allow_none=True)


class PatientExportSchema(Schema):
    patient = fields.Nested(ExportPatientSchema, required=True)
    checkins = fields.List(fields.Nested(ExportCheckinSchema), required=True)
    safety_signals = fields.List(fields.Nested(ExportSafetySignalSchema), required=True)
    treatment_courses = fields.List(fields.Nested(ExportCourseSchema), required=True)
    treatment_sessions = fields.List(fields.Nested(ExportTreatmentSessionSchema), required=True)
    rems_records = fields.List(
        fields.Nested(ExportRemsRecordSchema),
        required=True,
        metadata={"description": "Esketamine REMS Patient Monitoring Form records."},
    )
    alerts = fields.List(fields.Nested(ExportAlertSchema), required=True)
    home_dosing = fields.Nested(ExportHomeDosingSchema, required=True)
    cases = fields.List(
        fields.Nested(ExportCaseSchema),
        required=True,
        metadata={"description": "The cases the alerts were dealt with in, with the call log."},
    )
    device_sessions = fields.List(fields.Nested(ExportDeviceSchema), required=True)
    invites = fields.List(fields.Nested(ExportInviteSchema), required=True)
    intake = fields.Nested(ExportIntakeSchema, required=True)
    access_log = fields.List(fields.Nested(AuditEventSchema), required=True)
    fhir = fields.Dict(required=True, metadata={"description": "A FHIR R4 collection Bundle."})
