"""What the patient app reads of the patient's own record."""

from ..extensions import db
from ..models import CheckinDue
from ..models.base import utcnow
from ..schedules.operations import LOOKBACK


def open_dues(patient, limit: int) -> list[CheckinDue]:
    """The patient's next open check-ins; slots missed before LOOKBACK are history, not due."""
    return db.session.scalars(
        db.select(CheckinDue)
        .where(CheckinDue.patient_id == patient.id, CheckinDue.completed_checkin_id.is_(None))
        .where(CheckinDue.due_at >= utcnow() - LOOKBACK)
        .order_by(CheckinDue.due_at)
        .limit(limit)
    ).all()
