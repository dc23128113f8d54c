"""The ASQ result of check-ins, as the clinic sees it: the ASQ's own, or its follow-up's.

An ASQ check-in's result is its own (negative / non_acute_positive / acute_positive). A
check-in whose safety answer asked for the ASQ (PHQ-9 item 9) shows the result of the ASQ
that followed it, or ``not_answered`` once the follow-up has waited longer than
``FOLLOW_UP_WAIT`` (NIMH counts a refusal to answer as positive), or ``pending`` before.
"""

from datetime import datetime, timedelta

import surveys

from ..extensions import db
from ..models import Checkin
from ..models.base import utcnow

#: How long an ASQ offered after item 9 may go unanswered before the clinic is told so.
FOLLOW_UP_WAIT = timedelta(hours=1)

#: Every value ``asq_results`` gives, for the OpenAPI and the clinic views.
ASQ_RESULT_VALUES = ("negative", "non_acute_positive", "acute_positive", "pending", "not_answered")


def asq_results(checkins: list[Checkin], now: datetime | None = None) -> dict:
    """{check-in id: ASQ result or None} for ``checkins`` (one query for the follow-ups)."""
    now = now or utcnow()
    asking = {c.id for c in checkins if c.safety_endorsed and _follow_up(c) == "asq"}
    follow_ups: dict = {}
    if asking:
        rows = db.session.execute(
            db.select(Checkin.follow_up_of, Checkin.result)
            .where(
                Checkin.follow_up_of.in_(asking),
                Checkin.instrument == "asq",
            )
            .order_by(Checkin.completed_at)
        )
        for follow_up_of, result in rows:
            follow_ups.setdefault(follow_up_of, surveys.asq_result("asq", result))
    results = {}
    for checkin in checkins:
        own = surveys.asq_result(checkin.instrument, checkin.result)
        if own is None and checkin.id in asking:
            own = follow_ups.get(checkin.id)
            if own is None:
                waited = now - checkin.completed_at
                own = "not_answered" if waited > FOLLOW_UP_WAIT else "pending"
        results[checkin.id] = own
    return results


def _follow_up(checkin: Checkin) -> str | None:
    definition = surveys.get_definition(checkin.instrument, checkin.instrument_version)
    return surveys.evaluate_safety(definition, checkin.answers).follow_up


def alert_asq_results(checkin_ids) -> dict:
    """{check-in id: ASQ result or None} for the check-ins that alerts were raised on."""
    ids = {i for i in checkin_ids if i is not None}
    if not ids:
        return {}
    return asq_results(db.session.scalars(db.select(Checkin).where(Checkin.id.in_(ids))).all())
