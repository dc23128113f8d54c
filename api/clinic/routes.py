"""Clinic administration: notification settings, staff on call, clinicians' Web Push."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..audit import record
from ..auth.policy import clinic_staff_or_404, policy, require_principal
from ..extensions import db
from ..models import Clinic, PushSubscription, StaffUser
from .operations import update_settings
from .schemas import (
    ClinicSettingsInSchema,
    ClinicSettingsOutSchema,
    ClinicStaffSchema,
    StaffListSchema,
    StaffUpdateSchema,
)

blp = Blueprint("clinic", __name__, url_prefix="/api/v1", description="Clinic administration.")


@blp.route("/clinic/settings")
class ClinicSettings(MethodView):
    @policy("admin")
    @blp.response(200, ClinicSettingsOutSchema)
    def get(self):
        """The clinic's notification, escalation and crisis settings (the secret is never shown)."""
        return _clinic()

    @policy("admin")
    @blp.arguments(ClinicSettingsInSchema)
    @blp.response(200, ClinicSettingsOutSchema)
    def patch(self, body):
        """Change some settings; fields not sent keep their value."""
        clinic = _clinic()
        url = body.get("webhook_url", clinic.webhook_url)
        if url and not body.get("webhook_secret", clinic.webhook_secret):
            abort(
                422,
                message="A webhook needs a secret to sign its requests.",
                errors={"json": {"webhook_secret": ["Required when a webhook URL is set."]}},
            )
        start = body.get("quiet_hours_start", clinic.quiet_hours_start)
        end = body.get("quiet_hours_end", clinic.quiet_hours_end)
        if bool(start) != bool(end):
            field = "quiet_hours_end" if start else "quiet_hours_start"
            abort(
                422,
                message="Quiet hours need a start and an end (or neither).",
                errors={"json": {field: ["Set both quiet-hours times, or clear both."]}},
            )
        clinic = update_settings(clinic, body)
        record(
            "clinic.settings.update", object_type="clinic", object_id=clinic.id, fields=sorted(body)
        )
        return clinic


@blp.route("/clinic/staff")
class ClinicStaff(MethodView):
    @policy("staff")
    @blp.response(200, StaffListSchema)
    def get(self):
        """The clinic's staff, with who is on call and who gets push notifications."""
        principal = require_principal()
        pushing = set(
            db.session.scalars(
                db.select(PushSubscription.staff_id)
                .join(StaffUser, StaffUser.id == PushSubscription.staff_id)
                .where(StaffUser.clinic_id == principal.clinic_id)
            )
        )
        staff = db.session.scalars(
            db.select(StaffUser)
            .where(StaffUser.clinic_id == principal.clinic_id)
            .order_by(StaffUser.name, StaffUser.id)
        ).all()
        return {"items": [_staff_body(member, pushing) for member in staff]}


@blp.route("/clinic/staff/<int:staff_id>")
class ClinicStaffMember(MethodView):
    @policy("admin")
    @blp.arguments(StaffUpdateSchema)
    @blp.response(200, ClinicStaffSchema)
    def patch(self, body, staff_id):
        """Put a staff member on or off the on-call list (first told of escalated alerts)."""
        member = clinic_staff_or_404(staff_id)
        member.on_call = body["on_call"]
        db.session.flush()
        record("staff.on_call", object_type="staff", object_id=member.id, on_call=member.on_call)
        pushing = set(
            db.session.scalars(
                db.select(PushSubscription.staff_id).where(PushSubscription.staff_id == member.id)
            )
        )
        return _staff_body(member, pushing)


def _clinic() -> Clinic:
    return db.session.get(Clinic, require_principal().clinic_id)


def _staff_body(member: StaffUser, pushing: set) -> dict:
    return {
        "id": member.id,
        "name": member.name,
        "email": member.email,
        "role": member.role,
        "on_call": member.on_call,
        "active": member.active,
        "push_enabled": member.id in pushing,
    }
