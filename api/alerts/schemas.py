"""Alert bodies for the clinician API: the inbox, the detail, acknowledge and resolve."""

from marshmallow import Schema, fields, validate

from ..checkins.followups import ASQ_RESULT_VALUES
from ..models.alerts import ALERT_STATUSES, PRIORITIES
from ..patients.schemas import CheckinAnswerSchema

#: An answer that reached the server later than this after it was given sat offline.
OFFLINE_AFTER_MINUTES = 10


class AlertQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(ALERT_STATUSES))
    priority = fields.String(load_default=None, validate=validate.OneOf(PRIORITIES))
    patient_id = fields.UUID(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=1000),
        metadata={"description": "The previous page's next_cursor."},
    )


class AlertActionSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class AlertPatientSchema(Schema):
    id = fields.UUID()
    ref = fields.String()
    display_name = fields.String()


class StaffRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class DeliveryCountsSchema(Schema):
    sent = fields.Integer()
    pending = fields.Integer()
    failed = fields.Integer()


class AlertSchema(Schema):
    id = fields.UUID()
    case_id = fields.UUID(
        allow_none=True, metadata={"description": "The case it is dealt with in (/cases)."}
    )
    patient = fields.Nested(AlertPatientSchema)
    rule = fields.String()
    priority = fields.String()
    reason = fields.String()
    status = fields.String()
    created_at = fields.DateTime(metadata={"description": "When the alert was raised."})
    answered_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "When the patient gave the answer that raised it (the phone's "
            "clock, bounded); null for an alert no answer raised (a missed check-in)."
        },
    )
    received_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "When that answer reached the server."},
    )
    sat_offline = fields.Boolean(
        metadata={
            "description": "The answer reached the server more than "
            f"{OFFLINE_AFTER_MINUTES} minutes after it was given: it was kept on a phone "
            "that was offline (the clinic views say how long ago it was answered)."
        }
    )
    safety_answers = fields.List(
        fields.Nested(CheckinAnswerSchema),
        allow_none=True,
        metadata={
            "description": "The safety items' answers that raised it, each with the "
            "question and the answer in the instrument's own words (PHQ-9 item 9 "
            "'Several days' ... 'Nearly every day'); null for the other rules."
        },
    )
    unfinished = fields.Boolean(
        metadata={
            "description": "Raised by a check-in's safety answer sent before the check-in "
            "was finished, and the check-in has not been finished (yet)."
        }
    )
    asq_result = fields.String(
        allow_none=True,
        metadata={
            "description": "The ASQ's result on this alert's check-in, or on the ASQ that "
            "followed it (NIMH pathway); not_answered once the ASQ offered after item 9 has "
            "waited longer than the clinic's asq_follow_up_minutes rule setting (default 60; "
            "NIMH counts a refusal as positive), pending before.",
            "enum": list(ASQ_RESULT_VALUES),
        },
    )
    repeats = fields.Integer(
        metadata={"description": "Further safety answers attached to this open alert."}
    )
    latest_answered_at = fields.DateTime(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by = fields.Nested(StaffRefSchema, allow_none=True)
    ack_note = fields.String(allow_none=True)
    escalation_level = fields.Integer()
    deliveries = fields.Nested(DeliveryCountsSchema)


class OpenCountsSchema(Schema):
    imminent = fields.Integer()
    urgent = fields.Integer()
    high = fields.Integer()
    routine = fields.Integer()


class AlertListSchema(Schema):
    items = fields.List(fields.Nested(AlertSchema))
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Pass as cursor for the next page; null: last."}
    )
    total = fields.Integer(metadata={"description": "Alerts the filters match, on every page."})
    open = fields.Nested(
        OpenCountsSchema, metadata={"description": "The clinic's open alerts by priority."}
    )


class TimelineEventSchema(Schema):
    at = fields.DateTime()
    kind = fields.String()
    actor = fields.Nested(StaffRefSchema, allow_none=True)
    detail = fields.Dict()


class DeliveryRowSchema(Schema):
    channel = fields.String()
    recipient = fields.String()
    round = fields.Integer()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)


class AlertDetailSchema(AlertSchema):
    timeline = fields.List(fields.Nested(TimelineEventSchema))
    delivery_list = fields.List(fields.Nested(DeliveryRowSchema))
