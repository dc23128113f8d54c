"""Case bodies for the clinician API: the inbox, the detail, the call log and the resolution."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..alerts.schemas import (
    AlertPatientSchema,
    AlertSchema,
    DeliveryCountsSchema,
    DeliveryRowSchema,
    OpenCountsSchema,
    StaffRefSchema,
    TimelineEventSchema,
)
from ..models.alerts import ALERT_STATUSES, PRIORITIES
from ..models.cases import CONTACT_METHODS, CONTACT_RESULTS, PLANS, RISK_LEVELS
from ..timebounds import BoundedDateTime

NOTE = validate.Length(max=2000)


class CaseQuerySchema(Schema):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(("unresolved", *ALERT_STATUSES)),
        metadata={
            "description": "open: waiting for someone; acknowledged: held, awaiting its "
            "outcome; unresolved: both; resolved."
        },
    )
    priority = fields.String(load_default=None, validate=validate.OneOf(PRIORITIES))
    patient_id = fields.UUID(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=1000),
        metadata={"description": "The previous page's next_cursor."},
    )


SEEN_ALERTS = dict(
    load_default=None,
    allow_none=True,
    validate=validate.Range(1, 10_000),
    metadata={
        "description": "The alert_count the clinician was shown: a case that gathered "
        "more since is refused (409, reason case_changed)."
    },
)


class CaseAcknowledgeSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=NOTE)
    seen_alerts = fields.Integer(**SEEN_ALERTS)


class ContactInSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(CONTACT_METHODS))
    result = fields.String(
        required=True,
        validate=validate.OneOf(CONTACT_RESULTS),
        metadata={"description": "reached | tried (no answer) | left_message."},
    )
    at = BoundedDateTime(
        load_default=None, metadata={"description": "When; now if not given. Not future."}
    )
    note = fields.String(load_default=None, allow_none=True, validate=NOTE)


class OutcomeContactSchema(Schema):
    made = fields.Boolean(required=True, metadata={"description": "The patient was reached."})
    method = fields.String(load_default=None, validate=validate.OneOf(CONTACT_METHODS))
    at = BoundedDateTime(load_default=None)

    @validates_schema
    def _made_says_how_and_when(self, data, **kwargs):
        if data.get("made"):
            missing = {
                name: ["Say how and when the patient was reached."]
                for name in ("method", "at")
                if data.get(name) is None
            }
            if missing:
                raise ValidationError(missing)


class OutcomeSchema(Schema):
    contact = fields.Nested(OutcomeContactSchema, required=True)
    risk_level = fields.String(
        required=True,
        validate=validate.OneOf(RISK_LEVELS),
        metadata={"description": "The overall level of suicide risk the assessment found."},
    )
    plan = fields.List(
        fields.String(validate=validate.OneOf(PLANS)),
        required=True,
        validate=validate.Length(min=1, max=len(PLANS), error="Choose at least one step."),
    )
    plan_note = fields.String(load_default=None, allow_none=True, validate=NOTE)
    next_contact_on = fields.Date(
        required=True, metadata={"description": "The next planned contact (clinic's date)."}
    )


class CaseResolveSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=NOTE)
    seen_alerts = fields.Integer(**SEEN_ALERTS)
    outcome = fields.Nested(
        OutcomeSchema,
        load_default=None,
        allow_none=True,
        metadata={"description": "Required for an urgent or imminent case."},
    )


class ContactSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    method = fields.String()
    result = fields.String()
    note = fields.String(allow_none=True)
    by = fields.Nested(StaffRefSchema, allow_none=True)


class CaseSchema(Schema):
    id = fields.UUID()
    patient = fields.Nested(AlertPatientSchema)
    priority = fields.String()
    status = fields.String()
    opened_at = fields.DateTime()
    waiting_since = fields.DateTime(
        metadata={"description": "When the earliest answer inside was given."}
    )
    last_alert_at = fields.DateTime()
    alert_count = fields.Integer()
    new_since_acknowledged = fields.Integer(
        metadata={"description": "Alerts that joined after the acknowledgement, not yet seen."}
    )
    alerts = fields.List(fields.Nested(AlertSchema))
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by = fields.Nested(StaffRefSchema, allow_none=True)
    ack_note = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.Nested(StaffRefSchema, allow_none=True)
    resolution_note = fields.String(allow_none=True)
    outcome = fields.Dict(allow_none=True)
    outcome_required = fields.Boolean(
        metadata={"description": "Resolving needs an outcome (an urgent or imminent case)."}
    )
    contacts = fields.List(fields.Nested(ContactSchema))
    escalation_level = fields.Integer()
    deliveries = fields.Nested(DeliveryCountsSchema)


class CaseListSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema))
    next_cursor = fields.String(allow_none=True)
    total = fields.Integer(metadata={"description": "Cases the filters match, on every page."})
    open = fields.Nested(
        OpenCountsSchema, metadata={"description": "The clinic's open cases by priority."}
    )
    awaiting_outcome = fields.Integer(
        metadata={"description": "The clinic's acknowledged cases still awaiting an outcome."}
    )


class CaseDetailSchema(CaseSchema):
    timeline = fields.List(fields.Nested(TimelineEventSchema))
    delivery_list = fields.List(fields.Nested(DeliveryRowSchema))
