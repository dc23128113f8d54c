"""REMS-ready records of esketamine sessions: the due list, the form, its CSV, submitted."""

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from ..audit import record
from ..auth.policy import policy, require_principal
from ..models.base import utcnow
from ..timebounds import BoundedDateTime
from .rems import due_list, form, form_csv, mark_submitted, record_for

blp = Blueprint(
    "rems",
    __name__,
    url_prefix="/api/v1/rems",
    description="Esketamine REMS Patient Monitoring Form records (Waypoint never submits them).",
)


class DueItemSchema(Schema):
    id = fields.UUID()
    session_id = fields.UUID()
    patient_id = fields.UUID()
    patient_name = fields.String()
    patient_ref = fields.String()
    administered_at = fields.DateTime()
    due_at = fields.DateTime()
    overdue = fields.Boolean()
    days_left = fields.Integer()
    missing = fields.List(fields.String())


class DueListSchema(Schema):
    items = fields.List(fields.Nested(DueItemSchema))


class RemsRecordSchema(Schema):
    id = fields.UUID()
    session_id = fields.UUID()
    patient_id = fields.UUID()
    fields_ = fields.Dict(data_key="fields", attribute="fields")
    missing = fields.List(fields.String())
    to_fill = fields.List(fields.String())
    due_at = fields.DateTime()
    overdue = fields.Boolean()
    submitted_at = fields.DateTime(allow_none=True)
    submitted_by = fields.Integer(allow_none=True)
    submission_reference = fields.String(allow_none=True)
    changed_since_submitted = fields.List(fields.String())
    minimum_minutes = fields.Integer()


class SubmittedInSchema(Schema):
    submitted_at = BoundedDateTime(
        allow_none=True, metadata={"description": "When it was sent; now if not given."}
    )
    reference = fields.String(
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": "The REMS confirmation or fax reference, if any."},
    )


def _record_or_404(record_id, lock: bool = False):
    found = record_for(record_id, require_principal().clinic_id, lock)
    if found is None:
        record("rems.read", object_type="rems_record", object_id=record_id, outcome="denied")
        abort(404, message="No such REMS record.")
    return found


@blp.route("/due")
class RemsDue(MethodView):
    @policy("staff")
    @blp.response(200, DueListSchema)
    def get(self):
        """The clinic's records not yet marked submitted, the longest waiting first; those
        past 7 days after their session are overdue."""
        items = due_list(require_principal().clinic_id, utcnow())
        record("rems.due_list", object_type="clinic", count=len(items))
        return {"items": items}


@blp.route("/records/<uuid:record_id>")
class RemsRecordView(MethodView):
    @policy("staff")
    @blp.response(200, RemsRecordSchema)
    def get(self, record_id):
        """The Patient Monitoring Form filled from the session, what is missing, its state."""
        found = _record_or_404(record_id)
        record("rems.read", object_type="rems_record", object_id=found.id)
        return form(found, utcnow())


@blp.route("/records/<uuid:record_id>/csv")
class RemsRecordCsv(MethodView):
    @policy("staff")
    @blp.response(200, content_type="text/csv", description="The form as one CSV row.")
    def get(self, record_id):
        """The form as CSV, every field, those Waypoint does not hold left empty."""
        found = _record_or_404(record_id)
        record("rems.export", object_type="rems_record", object_id=found.id, format="csv")
        return Response(
            form_csv(found),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="rems-monitoring-form.csv"'},
        )


@blp.route("/records/<uuid:record_id>/submitted")
class RemsRecordSubmitted(MethodView):
    @policy("staff")
    @blp.arguments(SubmittedInSchema)
    @blp.response(200, RemsRecordSchema)
    def post(self, body, record_id):
        """Mark the form submitted to the REMS (by staff, on its portal or by fax); once."""
        found = _record_or_404(record_id, lock=True)
        now = utcnow()
        mark_submitted(found, require_principal().staff, body, now)
        record(
            "rems.submitted",
            object_type="rems_record",
            object_id=found.id,
            patient_id=str(found.patient_id),
        )
        return form(found, now)
