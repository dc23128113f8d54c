"""Bodies of the clinic admin endpoints: explicit fields in, explicit fields out."""

from marshmallow import Schema, fields, validate

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


class ExportTreatmentSessionSchema(Schema):
    id = fields.UUID(required=True)
    course_id = fields.Integer(required=True)
    administered_at = fields.DateTime(required=True)
    modality = fields.String(required=True)
    dose_mg = fields.Float(allow_none=True)
    dose_mg_per_kg = fields.Float(allow_none=True)
    bp_pre_systolic = fields.Integer(allow_none=True)
    bp_pre_diastolic = fields.Integer(allow_none=True)
    bp_post_systolic = fields.Integer(allow_none=True)
    bp_post_diastolic = fields.Integer(allow_none=True)
    cadss = fields.Integer(allow_none=True)
    adverse_events = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    deleted_at = fields.DateTime(allow_none=True)


class ExportAlertSchema(Schema):
    id = fields.UUID(required=True)
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


class PatientExportSchema(Schema):
    patient = fields.Nested(ExportPatientSchema, required=True)
    checkins = fields.List(fields.Nested(ExportCheckinSchema), required=True)
    safety_signals = fields.List(fields.Nested(ExportSafetySignalSchema), required=True)
    treatment_courses = fields.List(fields.Nested(ExportCourseSchema), required=True)
    treatment_sessions = fields.List(fields.Nested(ExportTreatmentSessionSchema), required=True)
    alerts = fields.List(fields.Nested(ExportAlertSchema), required=True)
    device_sessions = fields.List(fields.Nested(ExportDeviceSchema), required=True)
    invites = fields.List(fields.Nested(ExportInviteSchema), required=True)
    access_log = fields.List(fields.Nested(AuditEventSchema), required=True)
    fhir = fields.Dict(required=True, metadata={"description": "A FHIR R4 collection Bundle."})
