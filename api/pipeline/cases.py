"""Filing each new alert into its patient's case, and whether the care team is told of it.

A patient has at most one case that is not resolved; every alert raised meanwhile joins it,
whatever its rule (the same check-in's, or days later). The care team hears of a case once,
and again only when something more pressing happens inside it:

- the alert that opens a case is notified (and escalates as every alert does);
- an alert joining an open case is notified only if it raises the case's priority, or is a
  positive safety screen of a kind the case does not hold yet, from another answer (it then
  carries the escalation: the others' deadlines are cleared); otherwise it joins quietly;
- an alert joining an acknowledged case reopens it and is notified if it raises the priority,
  is a positive safety screen (a person must hear of every one), or comes later than the
  clinic's ``case_window_hours`` after the acknowledgement; otherwise it joins quietly, and
  the case shows it as new since acknowledged.

Race-safe: the unique index on the unresolved case lets one of two concurrent alerts open it
(the other's INSERT waits for that commit and then joins under the case's row lock), and
acknowledging takes the same row lock (``api.cases.operations``).
"""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from surveys.rules import priority_rank

from ..extensions import db
from ..models import Alert, Case, Patient
from ..models.base import dialect_insert, new_uuid
from .settings import clinic_rule_settings

log = logging.getLogger("waypoint.pipeline")

#: Attempts to open or join a case while others resolve it at that very moment.
CASE_ATTEMPTS = 3


def file_alert(patient: Patient, alert: Alert, now: datetime) -> None:
    """Put the just-raised ``alert`` into the patient's unresolved case (opening one if
    there is none) and set ``alert.notify``: whether its first round is to be sent."""
    for _ in range(CASE_ATTEMPTS):
        case = _unresolved_case(patient.id)
        if case is None:
            case = _open_case(patient, alert, now)
            if case is not None:
                alert.case_id, alert.notify = case.id, True
                return
            continue  # another alert opened it this instant: join that one
        _join(patient, case, alert, now)
        return
    # Resolved under our feet every time: the alert must still reach somebody.
    log.error("case of patient kept closing; alert %s notified on its own", alert.id)
    alert.notify = True


def _unresolved_case(patient_id) -> Case | None:
    return db.session.scalar(
        db.select(Case)
        .where(Case.patient_id == patient_id, Case.status != "resolved")
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _waiting_since(alert: Alert) -> datetime:
    return alert.answered_at or alert.created_at


def _open_case(patient: Patient, alert: Alert, now: datetime) -> Case | None:
    """INSERT the patient's new case unless one is there already (then None)."""
    values = {
        "id": new_uuid(),
        "clinic_id": patient.clinic_id,
        "patient_id": patient.id,
        "priority": alert.priority,
        "status": "open",
        "opened_at": now,
        "waiting_since": _waiting_since(alert),
        "last_alert_at": now,
        "alert_count": 1,
    }
    insert = dialect_insert(Case).values(**values).on_conflict_do_nothing()
    case_id = db.session.execute(insert.returning(Case.id)).scalar()
    return db.session.get(Case, case_id) if case_id is not None else None


def _another_emergency(case: Case, alert: Alert) -> bool:
    """A positive safety screen of a kind the case does not hold yet, from another answer than
    those inside it (a chest-pain warning sign after an item-9 case): a person is told of it
    even while the case waits for its first acknowledgement. The hits of one check-in (the
    same answer) are one notification, the most pressing one's."""
    if not alert.red_flag:
        return False
    if alert.checkin_id is not None:
        # The check-in's own alerts, and those its safety signal raised before it was
        # finished (keyed on the check-in's id, their check-in not joined yet).
        same_answer = sa.or_(
            Alert.checkin_id == alert.checkin_id,
            Alert.dedupe_key.like(f"checkin:{alert.checkin_id}:%"),
        )
    elif alert.answered_at is not None:
        same_answer = Alert.answered_at == alert.answered_at
    else:
        same_answer = Alert.answered_at.is_(None)
    known = db.select(Alert.id).where(
        Alert.case_id == case.id,
        Alert.id != alert.id,
        sa.or_(Alert.rule == alert.rule, same_answer),
    )
    return not db.session.scalar(db.select(known.exists()))


def _join(patient: Patient, case: Case, alert: Alert, now: datetime) -> None:
    """Add ``alert`` to the row-locked unresolved ``case``; decide whether it is notified."""
    higher = priority_rank(alert.priority) < priority_rank(case.priority)
    notify = higher or _another_emergency(case, alert)
    if case.status == "acknowledged":
        window = timedelta(hours=clinic_rule_settings(patient.clinic).case_window_hours)
        # (An acknowledged case without its time, which only a hand-made row could be, is
        # treated as long ago: the care team is told rather than an alert lost.)
        acknowledged = case.acknowledged_at
        stale = acknowledged is None or now - acknowledged > window
        notify = higher or alert.red_flag or stale
        if notify:  # a person must look again: the case waits for a new acknowledgement
            case.status = "open"
            case.acknowledged_at = case.acknowledged_by = case.ack_note = None
    if higher:
        case.priority = alert.priority
    if notify:
        # This alert carries the escalation now; the others' deadlines would repeat it.
        db.session.execute(
            db.update(Alert)
            .where(Alert.case_id == case.id, Alert.status == "open")
            .values(escalate_at=None)
            .execution_options(synchronize_session=False)
        )
    else:
        alert.escalate_at = None
    alert.case_id, alert.notify = case.id, notify
    case.alert_count += 1
    case.last_alert_at = now
    case.waiting_since = min(case.waiting_since, _waiting_since(alert))
