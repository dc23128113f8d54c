"""Saving a browser's push endpoint, for patients and clinicians alike. Flushes only."""

from ..audit import record
from ..errors import Conflict
from ..extensions import db
from ..models import Patient, PushSubscription, StaffUser
from ..models.base import dialect_insert, utcnow


def save_push_subscription(owner: Patient | StaffUser, body: dict) -> PushSubscription:
    """Store this browser's endpoint for ``owner`` and audit it; 409 if the other role holds it.

    A browser that changes hands between two patients or two staff (a shared tablet, a
    phone passed on) registers again and its notifications follow the new owner; the audit
    row names the previous one by id. Between a patient and staff it is refused, not moved:
    a patient who re-registered a clinician's endpoint (with keys of their own) would
    silently end that clinician's urgent-alert notifications. The clinician's browser keeps
    its endpoint; the other role's needs a fresh subscription (a new endpoint) there.
    One upsert, so two registrations of one endpoint racing each other cannot collide, and
    its WHERE makes the role check part of the same statement.
    """
    kind = "staff" if isinstance(owner, StaffUser) else "patient"
    previous = db.session.execute(
        db.select(PushSubscription.staff_id, PushSubscription.patient_id)
        .where(PushSubscription.endpoint == body["endpoint"])
        .with_for_update()
    ).first()
    values = {
        "staff_id": owner.id if kind == "staff" else None,
        "patient_id": owner.id if kind == "patient" else None,
        "p256dh": body["keys"]["p256dh"],
        "auth": body["keys"]["auth"],
        "created_at": utcnow(),
    }
    held_by = PushSubscription.staff_id if kind == "staff" else PushSubscription.patient_id
    same_role = held_by.is_not(None)
    insert = dialect_insert(PushSubscription).values(endpoint=body["endpoint"], **values)
    subscription_id = db.session.scalar(
        insert.on_conflict_do_update(
            index_elements=["endpoint"], set_=values, where=same_role
        ).returning(PushSubscription.id)
    )
    if subscription_id is None:
        record("push.subscribe", object_type=kind, object_id=owner.id, outcome="denied")
        raise Conflict(
            "This browser receives another account's notifications; "
            "unsubscribe it there, or subscribe again to get a new endpoint.",
            {"endpoint": ["Registered to an account of another kind."]},
        )
    detail = {"subscription_id": subscription_id}
    if previous is not None:
        staff_id, patient_id = previous
        detail["previous_owner"] = f"staff:{staff_id}" if staff_id else f"patient:{patient_id}"
    record("push.subscribe", object_type=kind, object_id=owner.id, **detail)
    return db.session.get(PushSubscription, subscription_id, populate_existing=True)
