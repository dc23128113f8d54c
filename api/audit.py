"""Append audit events for PHI access and authentication.

Events are collected during the request and written by the request boundary
(``api.web``): with the request's own transaction when it succeeds, and in a
transaction of their own when it fails, so that refusals are recorded too.
"""

from flask import g, has_request_context, request

from .extensions import db
from .models import AuditEvent


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
    event = AuditEvent(
        actor_kind=principal.kind if principal else "anonymous",
        actor_id=principal.actor_id if principal else None,
        role=principal.role if principal else None,
        clinic_id=clinic_id
        if clinic_id is not None
        else (principal.clinic_id if principal else None),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        outcome=outcome,
        detail=detail,
    )
    if has_request_context():
        event.ip = request.remote_addr
        event.request_id = g.get("request_id")
        g.setdefault("audit_events", []).append(event)
    else:
        db.session.add(event)


def pending_events() -> list[AuditEvent]:
    """The audit events noted so far in this request."""
    return g.get("audit_events", [])
