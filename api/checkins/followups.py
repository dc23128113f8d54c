"""The ASQ result of check-ins, as the clinic sees it: the ASQ's own, or its follow-up's.

An ASQ check-in's result is its own (negative / non_acute_positive / acute_positive). A
check-in whose safety answer asked for the ASQ (PHQ-9 item 9) shows the result of the ASQ
that followed it, or ``not_answered`` once the follow-up has waited longer than the
clinic's ``asq_follow_up_minutes`` rule setting (default 60; NIMH counts a refusal to answer
as positive), or ``pending`` before.

Computed when read, from the check-in's answer time and the linked ASQ, not by periodic work:
the marker is exact to the minute, needs no worker to be up, and a clinic that changes its
setting sees every open alert follow the new time at once. Nothing is notified when the time
passes: the item-9 alert that asked for the ASQ was notified already.
"""

from datetime import datetime, timedelta

import surveys

from ..extensions import db
from ..models import Checkin, Clinic
from ..models.base import utcnow
from ..pipeline.settings import clinic_rule_settings

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
                own = follow_up_state(checkin.completed_at, now, _wait(checkin.clinic_id))
        results[checkin.id] = own
    return results


def follow_up_state(offered_at: datetime, now: datetime, wait: timedelta) -> str:
    """``pending`` while an ASQ offered at ``offered_at`` is within ``wait``, then
    ``not_answered`` (strictly after: at exactly ``wait`` it is still pending)."""
    return "not_answered" if now - offered_at > wait else "pending"


def follow_up_wait(clinic: Clinic) -> timedelta:
    """The clinic's time for the ASQ offered after item 9 (rule setting, default an hour)."""
    return timedelta(minutes=clinic_rule_settings(clinic).asq_follow_up_minutes)


def _wait(clinic_id: int) -> timedelta:
    # The identity map holds the clinic after its first read: one query per clinic at most.
    return follow_up_wait(db.session.get(Clinic, clinic_id))


def _follow_up(checkin: Checkin) -> str | None:
    definition = surveys.get_definition(checkin.instrument, checkin.instrument_version)
    return surveys.evaluate_safety(definition, checkin.answers).follow_up


def alert_asq_results(checkin_ids) -> dict:
    """{check-in id: ASQ result or None} for the check-ins that alerts were raised on."""
    ids = {i for i in checkin_ids if i is not None}
    if not ids:
        return {}
    return asq_results(db.session.scalars(db.select(Checkin).where(Checkin.id.in_(ids))).all())
