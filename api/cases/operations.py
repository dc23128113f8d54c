"""A care team's work on a case: acknowledge, log a call, resolve with its documented outcome.

Each change takes the case's row lock, the same lock an alert joining the case takes
(``api.pipeline.cases``), so an alert arriving while someone acknowledges is either covered
by that acknowledgement (it was there first, and the clinician saw it if they passed the
``seen_alerts`` count they were shown) or reopens the case after it.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import Alert, AlertEvent, Case, CaseContact, Clinic, FollowUp
from ..models.base import dialect_insert, utcnow
from ..models.cases import OUTCOME_PRIORITIES, UNREACHED_PLANS

#: The furthest a next contact may be planned: a follow-up beyond a quarter is not one.
NEXT_CONTACT_MAX_DAYS = 92


class CaseStateError(Conflict):
    """The case is not in a state that allows the change (e.g. resolved already)."""


def lock_case(case_id, clinic_id: int) -> Case | None:
    """The clinic's case, row-locked against concurrent changes and joining alerts."""
    return db.session.scalar(
        db.select(Case)
        .where(Case.id == case_id, Case.clinic_id == clinic_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _open_alerts(case: Case, *statuses: str) -> list[Alert]:
    return db.session.scalars(
        db.select(Alert)
        .where(Alert.case_id == case.id, Alert.status.in_(statuses))
        .order_by(Alert.created_at)
        .with_for_update()
    ).all()


def _refuse_unless_current(case: Case, seen_alerts: int | None) -> None:
    """Refuse a change to a resolved case, or to one that gathered alerts since the count
    the clinician was shown (``seen_alerts``): nobody acknowledges or resolves a reason they
    have not seen (an alert that joined quietly included)."""
    if case.status == "resolved":
        raise CaseStateError("This case is resolved already.", reason="case_resolved")
    if seen_alerts is not None and seen_alerts != case.alert_count:
        new = case.alert_count - seen_alerts
        raise CaseStateError(
            f"The case has changed since you opened it ({new} more reason(s)); look again.",
            reason="case_changed",
        )


def acknowledge_case(case: Case, staff, note: str | None, seen_alerts: int | None = None) -> Case:
    """Acknowledge the case and every open alert in it; stops their escalation.

    ``seen_alerts``: the alert count the clinician was shown; a case that gathered more
    since is refused, so nobody acknowledges a reason they have not seen.
    """
    _refuse_unless_current(case, seen_alerts)
    alerts = _open_alerts(case, "open")
    if case.status == "acknowledged" and not alerts:
        raise CaseStateError("This case is already acknowledged.", reason="case_acknowledged")
    now = utcnow()
    case.status = "acknowledged"
    case.acknowledged_at, case.acknowledged_by, case.ack_note = now, staff.id, note
    for alert in alerts:
        alert.status = "acknowledged"
        alert.acknowledged_at, alert.acknowledged_by, alert.ack_note = now, staff.id, note
        alert.escalate_at = None
        _event(alert, "acknowledged", staff, now, note=note)
    db.session.flush()
    return case


def log_contact(case: Case, staff, values: dict) -> CaseContact:
    """Add a call (or other contact) with the patient to the case's log."""
    now = utcnow()
    at = values.get("at") or now
    if at > now + timedelta(minutes=5):
        raise Invalid("A contact cannot be logged in the future.", {"at": ["Not in the future."]})
    contact = CaseContact(
        case_id=case.id,
        patient_id=case.patient_id,
        at=at,
        method=values["method"],
        result=values["result"],
        note=values.get("note"),
        actor_id=staff.id,
        created_at=now,
    )
    db.session.add(contact)
    _follow_up(case.patient_id, contact=contact)
    db.session.flush()
    return contact


def resolve_case(
    case: Case, staff, note: str | None, outcome: dict | None, seen_alerts: int | None = None
) -> Case:
    """Resolve the case and every alert in it, with the documented outcome it needs; refused
    if it gathered alerts since the ``seen_alerts`` the clinician was shown."""
    _refuse_unless_current(case, seen_alerts)
    clinic = db.session.get(Clinic, case.clinic_id)
    if outcome is not None:
        outcome = _checked_outcome(case, clinic, outcome)
    elif case.priority in OUTCOME_PRIORITIES:
        raise Invalid(
            f"An {case.priority} case is resolved with its outcome: the contact made, the "
            "risk level, the plan and the next contact.",
            {"outcome": ["Record the outcome of the assessment."]},
            reason="outcome_required",
        )
    now = utcnow()
    for alert in _open_alerts(case, "open", "acknowledged"):
        if alert.status == "open":
            alert.acknowledged_at, alert.acknowledged_by = now, staff.id
        alert.status = "resolved"
        alert.resolved_at, alert.resolved_by = now, staff.id
        alert.escalate_at = None
        _event(alert, "resolved", staff, now, note=note)
    if case.acknowledged_at is None:
        case.acknowledged_at, case.acknowledged_by = now, staff.id
    case.status = "resolved"
    case.resolved_at, case.resolved_by, case.resolution_note = now, staff.id, note
    case.outcome = outcome
    if outcome is not None:
        reached = _contact_of_outcome(case, staff, outcome, now)
        _follow_up(
            case.patient_id,
            contact=reached,
            next_contact_on=date.fromisoformat(outcome["next_contact_on"]),
        )
    db.session.flush()
    return case


def _contact_of_outcome(case: Case, staff, outcome: dict, now: datetime) -> CaseContact | None:
    """The contact the outcome documents, in the call log: the reached call logged on the
    case already (the latest), or a new row when none was logged. The log and the panel's
    "last contact" then never disagree with a resolution, and a call is never in it twice."""
    contact = outcome["contact"]
    if not contact["made"]:
        return None
    logged = db.session.scalar(
        db.select(CaseContact)
        .where(CaseContact.case_id == case.id, CaseContact.result == "reached")
        .order_by(CaseContact.at.desc())
        .limit(1)
    )
    if logged is not None:
        return logged
    row = CaseContact(
        case_id=case.id,
        patient_id=case.patient_id,
        at=datetime.fromisoformat(contact["at"]),
        method=contact["method"],
        result="reached",
        note="Recorded with the case's outcome.",
        actor_id=staff.id,
        created_at=now,
    )
    db.session.add(row)
    return row


def _checked_outcome(case: Case, clinic: Clinic, outcome: dict) -> dict:
    """The outcome as stored (JSON), after the checks that need the case and the clock."""
    contact, errors = outcome["contact"], {}
    now = utcnow()
    if contact["made"]:
        if contact.get("at") and contact["at"] > now + timedelta(minutes=5):
            errors["outcome.contact.at"] = ["Not in the future."]
        if contact.get("at") and contact["at"] < case.opened_at - timedelta(days=1):
            errors["outcome.contact.at"] = ["Before this case was opened."]
    elif not set(outcome["plan"]) & set(UNREACHED_PLANS):
        errors["outcome.contact.made"] = [
            "Without contact, the plan must say emergency services or the emergency "
            "department were involved; otherwise log the attempt and keep the case open."
        ]
    today = now.astimezone(ZoneInfo(clinic.timezone)).date()
    next_on = outcome["next_contact_on"]
    if next_on < today:
        errors["outcome.next_contact_on"] = ["Today or later."]
    elif next_on > today + timedelta(days=NEXT_CONTACT_MAX_DAYS):
        errors["outcome.next_contact_on"] = [f"Within {NEXT_CONTACT_MAX_DAYS} days."]
    if errors:
        raise Invalid("The outcome is not complete.", errors, reason="outcome_invalid")
    return {
        "contact": {
            "made": contact["made"],
            "method": contact.get("method"),
            "at": contact["at"].isoformat() if contact.get("at") else None,
        },
        "risk_level": outcome["risk_level"],
        "plan": list(dict.fromkeys(outcome["plan"])),
        "plan_note": outcome.get("plan_note"),
        "next_contact_on": next_on.isoformat(),
    }


def _follow_up(patient_id, *, contact: CaseContact | None = None, next_contact_on=None) -> None:
    """Move the patient's panel follow-up on: a newer contact, or the next one planned."""
    row = db.session.get(FollowUp, patient_id, with_for_update=True)
    if row is None:
        db.session.execute(
            dialect_insert(FollowUp).values(patient_id=patient_id).on_conflict_do_nothing()
        )
        row = db.session.get(FollowUp, patient_id, with_for_update=True)
    if contact is not None and (row.last_contact_at is None or contact.at >= row.last_contact_at):
        row.last_contact_at = contact.at
        row.last_contact_result, row.last_contact_method = contact.result, contact.method
    if next_contact_on is not None:
        row.next_contact_on = next_contact_on


def _event(alert: Alert, kind: str, staff, now: datetime, *, note: str | None) -> None:
    db.session.add(
        AlertEvent(
            alert_id=alert.id,
            kind=kind,
            at=now,
            actor_id=staff.id,
            detail={"note": note} if note else {},
        )
    )
