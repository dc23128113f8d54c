"""Append audit events for PHI access and authentication.

Events are collected during the request and written by the request boundary
(``api.boundary``): with the request's own transaction when it succeeds, and in a
transaction of their own when it fails, so that refusals are recorded too.
"""

import sqlalchemy as sa
from flask import g, has_request_context, request

from .extensions import db
from .models import AuditEvent
from .models.base import utcnow


def record(
    action: str,
    *,
    object_type: str | None = None,
    object_id=None,
    outcome: str = "success",
    clinic_id: int | None = None,
    **detail,
) -> None:
    """Note an audit event for this request; ``detail`` must hold no PHI."""
    from .auth.principal import current_principal

    principal = current_principal()
    values = {
        "at": utcnow(),
        "actor_kind": principal.kind if principal else "anonymous",
        "actor_id": principal.actor_id if principal else None,
        "role": principal.role if principal else None,
        "clinic_id": clinic_id
        if clinic_id is not None
        else (principal.clinic_id if principal else None),
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id) if object_id is not None else None,
        "outcome": outcome,
        "detail": detail,
    }
    if has_request_context():
        values["ip"] = request.remote_addr
        values["request_id"] = g.get("request_id")
        g.setdefault("audit_events", []).append(values)
    else:
        db.session.add(AuditEvent(**values))


def write_pending_events() -> None:
    """Insert the audit events noted so far in this request (one statement), on its session.

    Plain rows rather than ORM objects: every audited request paid the unit of work's
    bookkeeping for rows nothing reads back.
    """
    events = g.get("audit_events")
    if events:
        db.session.execute(sa.insert(AuditEvent.__table__), events)
