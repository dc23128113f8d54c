"""Registering a browser for Web Push: a patient's reminders, a clinician's alerts."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from ..audit import record
from ..auth.policy import current_patient, policy, require_principal
from ..errors import Conflict
from ..extensions import db
from ..models import PushSubscription, StaffUser
from .operations import save_push_subscription
from .schemas import (
    PushSubscriptionInSchema,
    StaffPushStatusSchema,
)

blp = Blueprint(
    "push", __name__, url_prefix="/api/v1", description="Web Push subscriptions of this browser."
)


@blp.route("/me/push-subscription")
class MyPushSubscription(MethodView):
    @policy("patient")
    @blp.arguments(PushSubscriptionInSchema)
    @blp.response(201)
    def post(self, body):
        """Register this device for check-in reminders by Web Push."""
        _subscribe(current_patient(), "patient", body)


@blp.route("/staff/me/push-subscription")
class MyStaffPushSubscription(MethodView):
    @policy("staff")
    @blp.response(200, StaffPushStatusSchema)
    def get(self):
        """The server's VAPID key and how many of my browsers get alert notifications."""
        return _push_status(require_principal().staff)

    @policy("staff")
    @blp.arguments(PushSubscriptionInSchema)
    @blp.response(201, StaffPushStatusSchema)
    def post(self, body):
        """Register this browser for alert notifications by Web Push."""
        principal = require_principal()
        _subscribe(principal.staff, "staff", body)
        return _push_status(principal.staff)


def _push_status(staff: StaffUser) -> dict:
    count = db.session.scalar(
        db.select(db.func.count())
        .select_from(PushSubscription)
        .where(PushSubscription.staff_id == staff.id)
    )
    return {
        "vapid_public_key": current_app.config["VAPID_PUBLIC_KEY"] or None,
        "subscriptions": count,
    }


def _subscribe(owner, kind: str, body: dict) -> None:
    """Save the subscription and audit it (a refusal too), naming any previous owner by id."""
    try:
        row, previous_owner = save_push_subscription(owner, body)
    except Conflict:
        record("push.subscribe", object_type=kind, object_id=owner.id, outcome="denied")
        raise
    detail = {"subscription_id": row.id}
    if previous_owner:
        detail["previous_owner"] = previous_owner
    record("push.subscribe", object_type=kind, object_id=owner.id, **detail)
