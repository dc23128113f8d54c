"""The clinic's alert inbox, a page at a time, with nothing silently beyond a limit.

Order: the most pressing priority first, then the longest waiting (the time the patient
answered, or for an alert no answer raised the time it was raised), then the id. The keys
of an alert never change, so a keyset cursor (signed, holding only the last alert's id, like
the panel's) walks the list without skipping or repeating a row while alerts arrive or are
acknowledged. Every page carries the total the filters match and the clinic's open alerts
by priority, so a clinician always knows how much is beyond the page. A patient's repeated
safety answers are one row, their episode (``api.pipeline.alerts``).
"""

import uuid

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import Malformed
from ..extensions import db
from ..models import Alert, Patient
from ..models.alerts import PRIORITIES

_RANK = sa.case({p: i for i, p in enumerate(PRIORITIES)}, value=Alert.priority)
_WAITING_SINCE = sa.func.coalesce(Alert.answered_at, Alert.created_at)
#: The inbox's order, as keys compared after the cursor's anchor.
KEYS = (_RANK, _WAITING_SINCE, Alert.id)
FILTERS = ("status", "priority", "patient_id")


class CursorError(Malformed):
    """The cursor was not issued by this server for this list."""

    def __init__(self, message: str):
        super().__init__(message, {"cursor": [message]})


class SignedCursor:
    """A keyset cursor signed for one list (its salt), holding only the last row's id."""

    def __init__(self, salt: str):
        self.salt = salt

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=self.salt)

    def encode(self, row_id) -> str:
        """A cursor pointing after ``row_id`` in the list's order."""
        return self._serializer().dumps({"a": str(row_id)})

    def decode(self, cursor: str) -> uuid.UUID:
        """The anchor id of a cursor; raises CursorError if tampered or foreign."""
        try:
            return uuid.UUID(self._serializer().loads(cursor)["a"])
        except (BadSignature, KeyError, TypeError, ValueError):
            raise CursorError("The page cursor is not valid.") from None


CURSOR = SignedCursor("waypoint.alerts-cursor")


def _filtered(select, clinic_id: int, query: dict):
    select = select.where(Alert.clinic_id == clinic_id)
    for name in FILTERS:
        if query.get(name) is not None:
            select = select.where(getattr(Alert, name) == query[name])
    return select


def inbox_page(clinic_id: int, query: dict) -> dict:
    """One page of the clinic's alerts for the validated ``query`` (see AlertQuerySchema)."""
    select = _filtered(db.select(Alert, Patient), clinic_id, query).join(
        Patient, Patient.id == Alert.patient_id
    )
    if query.get("cursor"):
        anchor_id = CURSOR.decode(query["cursor"])
        anchor = db.session.execute(
            db.select(*KEYS).where(Alert.id == anchor_id, Alert.clinic_id == clinic_id)
        ).first()
        if anchor is None:
            raise CursorError("The page cursor is no longer valid; start from the first page.")
        select = select.where(sa.tuple_(*KEYS) > tuple(anchor))
    limit = query["limit"]
    rows = db.session.execute(select.order_by(*KEYS).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    total = db.session.scalar(_filtered(db.select(sa.func.count(Alert.id)), clinic_id, query))
    return {
        "rows": rows,
        "next_cursor": CURSOR.encode(rows[-1][0].id) if more else None,
        "total": total,
        "open": open_counts(clinic_id),
    }


def open_counts(clinic_id: int) -> dict[str, int]:
    """The clinic's open alerts by priority (every priority named, zeros too)."""
    counts = dict(
        db.session.execute(
            db.select(Alert.priority, sa.func.count(Alert.id))
            .where(Alert.clinic_id == clinic_id, Alert.status == "open")
            .group_by(Alert.priority)
        ).all()
    )
    return {p: counts.get(p, 0) for p in PRIORITIES}
