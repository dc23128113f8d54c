"""A clinician's changes through an alert: they act on its case (``api.cases.operations``),
so that one acknowledge or resolve covers every reason of the episode."""

from ..cases.operations import CaseStateError, acknowledge_case, resolve_case
from ..extensions import db
from ..models import Alert, Case

#: The refusals of a change made through an alert are its case's.
AlertStateError = CaseStateError


def lock_alert(alert_id, clinic_id: int) -> Alert | None:
    """The clinic's alert, its case row-locked first (the order every case change takes)."""
    case_id = db.session.scalar(
        db.select(Alert.case_id).where(Alert.id == alert_id, Alert.clinic_id == clinic_id)
    )
    if case_id is None:
        return None
    db.session.scalar(db.select(Case.id).where(Case.id == case_id).with_for_update())
    return db.session.scalar(
        db.select(Alert).where(Alert.id == alert_id).execution_options(populate_existing=True)
    )


def _case_of(alert: Alert) -> Case:
    return db.session.get(Case, alert.case_id, populate_existing=True)


def acknowledge_alert(alert: Alert, staff, note: str | None) -> Alert:
    """Acknowledge the alert's case (every open alert in it; escalation stops)."""
    if alert.status != "open":
        raise AlertStateError(f"This alert is already {alert.status}.")
    acknowledge_case(_case_of(alert), staff, note)
    return alert


def resolve_alert(
    alert: Alert, staff, note: str | None, outcome: dict | None = None, seen_alerts=None
) -> Alert:
    """Resolve the alert's case, with the outcome an urgent or imminent case needs."""
    if alert.status == "resolved":
        raise AlertStateError("This alert is already resolved.")
    resolve_case(_case_of(alert), staff, note, outcome, seen_alerts)
    return alert
