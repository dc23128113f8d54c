"""The clinic's cases a page at a time, and how one case is shown.

Order as the alert inbox's (``api.alerts.inbox``): the most pressing priority first, then the
longest waiting (the earliest answer inside), then the id, walked with a signed keyset
cursor. A case's priority can rise while it is listed (a more pressing alert joins it); the
cursor then holds the old keys and the case moves up to pages already read, which is where
the clinician should look first anyway: the open counts of every page say so.
"""

import sqlalchemy as sa

from ..alerts.bodies import alert_bodies, staff_refs
from ..alerts.inbox import CursorError, SignedCursor
from ..extensions import db
from ..models import Alert, AlertEvent, Case, CaseContact, Delivery, Patient
from ..models.alerts import PRIORITIES
from ..models.cases import OUTCOME_PRIORITIES

_RANK = sa.case({p: i for i, p in enumerate(PRIORITIES)}, value=Case.priority)
KEYS = (_RANK, Case.waiting_since, Case.id)
#: Alert events that a change of the whole case writes on each of its alerts.
CASE_WIDE = ("acknowledged", "resolved")


CURSOR = SignedCursor("waypoint.cases-cursor")


def waiting_for_someone():
    """SQL: the case needs a person: open, or acknowledged with an alert that joined it
    quietly since (it is "open" in the inbox, its counts and the badge, so that no alert
    waits unseen behind an earlier acknowledgement)."""
    unseen = sa.exists().where(Alert.case_id == Case.id, Alert.status == "open").correlate(Case)
    return sa.or_(Case.status == "open", sa.and_(Case.status == "acknowledged", unseen))


def awaiting_outcome():
    """SQL: acknowledged, nobody waiting on it, and no outcome yet: someone holds the case."""
    return sa.and_(Case.status == "acknowledged", ~waiting_for_someone())


#: What each status filter of the inbox selects. ``unresolved`` (open and acknowledged) is
#: the screen's default: an acknowledged case still needs its call and its outcome, and must
#: not leave the list a nurse opens first.
STATUS_FILTERS = {
    "unresolved": lambda: Case.status != "resolved",
    "open": waiting_for_someone,
    "acknowledged": awaiting_outcome,
    "resolved": lambda: Case.status == "resolved",
}


def _filtered(select, clinic_id: int, query: dict):
    select = select.where(Case.clinic_id == clinic_id)
    if query.get("status") is not None:
        select = select.where(STATUS_FILTERS[query["status"]]())
    for name in ("priority", "patient_id"):
        if query.get(name) is not None:
            select = select.where(getattr(Case, name) == query[name])
    return select


def cases_page(clinic_id: int, query: dict) -> dict:
    """One page of the clinic's cases for the validated ``query`` (CaseQuerySchema)."""
    select = _filtered(db.select(Case), clinic_id, query)
    if query.get("cursor"):
        anchor = db.session.execute(
            db.select(*KEYS).where(
                Case.id == CURSOR.decode(query["cursor"]), Case.clinic_id == clinic_id
            )
        ).first()
        if anchor is None:
            raise CursorError("The page cursor is no longer valid; start from the first page.")
        select = select.where(sa.tuple_(*KEYS) > tuple(anchor))
    limit = query["limit"]
    cases = db.session.scalars(select.order_by(*KEYS).limit(limit + 1)).all()
    more = len(cases) > limit
    cases = cases[:limit]
    total = db.session.scalar(_filtered(db.select(sa.func.count(Case.id)), clinic_id, query))
    return {
        "items": case_bodies(cases),
        "next_cursor": CURSOR.encode(cases[-1].id) if more else None,
        "total": total,
        "open": open_case_counts(clinic_id),
        "awaiting_outcome": db.session.scalar(
            db.select(sa.func.count(Case.id)).where(Case.clinic_id == clinic_id, awaiting_outcome())
        ),
    }


def open_case_counts(clinic_id: int) -> dict[str, int]:
    """The clinic's cases waiting for someone, by priority (every priority named, zeros too)."""
    counts = dict(
        db.session.execute(
            db.select(Case.priority, sa.func.count(Case.id))
            .where(Case.clinic_id == clinic_id, waiting_for_someone())
            .group_by(Case.priority)
        ).all()
    )
    return {p: counts.get(p, 0) for p in PRIORITIES}


def case_bodies(cases: list[Case]) -> list[dict]:
    """The bodies of ``cases``: a few queries for the whole page, none per case."""
    if not cases:
        return []
    ids = [case.id for case in cases]
    rows = db.session.execute(
        db.select(Alert, Patient)
        .join(Patient, Patient.id == Alert.patient_id)
        .where(Alert.case_id.in_(ids))
        .order_by(Alert.created_at, Alert.id)
    ).all()
    alerts: dict = {case_id: [] for case_id in ids}
    for body, (alert, _) in zip(alert_bodies(rows), rows, strict=True):
        alerts[alert.case_id].append(body)
    contacts: dict = {case_id: [] for case_id in ids}
    for contact in db.session.scalars(
        db.select(CaseContact).where(CaseContact.case_id.in_(ids)).order_by(CaseContact.at)
    ):
        contacts[contact.case_id].append(contact)
    patients = {patient.id: patient for _, patient in rows}  # every case has an alert
    staff = staff_refs(
        [c.acknowledged_by for c in cases]
        + [c.resolved_by for c in cases]
        + [k.actor_id for ks in contacts.values() for k in ks]
    )
    return [_body(c, patients[c.patient_id], alerts[c.id], contacts[c.id], staff) for c in cases]


def _body(case: Case, patient: Patient, alerts: list, contacts: list, staff: dict) -> dict:
    deliveries = {
        status: sum(a["deliveries"][status] for a in alerts)
        for status in ("sent", "pending", "failed")
    }
    return {
        "id": case.id,
        "patient": {"id": patient.id, "ref": patient.ref, "display_name": patient.display_name},
        "priority": case.priority,
        "status": case.status,
        "opened_at": case.opened_at,
        "waiting_since": case.waiting_since,
        "last_alert_at": case.last_alert_at,
        "alert_count": case.alert_count,
        # Most pressing first, then in the order raised.
        "alerts": sorted(alerts, key=lambda a: PRIORITIES.index(a["priority"])),
        "new_since_acknowledged": sum(
            1 for a in alerts if case.status == "acknowledged" and a["status"] == "open"
        ),
        "acknowledged_at": case.acknowledged_at,
        "acknowledged_by": staff.get(case.acknowledged_by),
        "ack_note": case.ack_note,
        "resolved_at": case.resolved_at,
        "resolved_by": staff.get(case.resolved_by),
        "resolution_note": case.resolution_note,
        "outcome": case.outcome,
        "outcome_required": case.priority in OUTCOME_PRIORITIES,
        "contacts": [
            {
                "id": k.id,
                "at": k.at,
                "method": k.method,
                "result": k.result,
                "note": k.note,
                "by": staff.get(k.actor_id),
            }
            for k in contacts
        ],
        "escalation_level": max((a["escalation_level"] for a in alerts), default=0),
        "deliveries": deliveries,
    }


def case_detail(case: Case) -> dict:
    """The case's body with one timeline of all its alerts' events and its calls, and every
    notification delivery."""
    (body,) = case_bodies([case])
    alert_ids = [a["id"] for a in body["alerts"]]
    rules = {a["id"]: a["rule"] for a in body["alerts"]}
    events = db.session.scalars(
        db.select(AlertEvent).where(AlertEvent.alert_id.in_(alert_ids)).order_by(AlertEvent.id)
    ).all()
    staff = staff_refs(e.actor_id for e in events)
    timeline, seen = [], set()
    for e in events:
        if e.kind in CASE_WIDE:
            # One acknowledgement or resolution of the case, written on each of its alerts.
            if (e.kind, e.at, e.actor_id) in seen:
                continue
            seen.add((e.kind, e.at, e.actor_id))
        detail = {**(e.detail or {}), "alert_id": str(e.alert_id), "rule": rules[e.alert_id]}
        timeline.append(
            {"at": e.at, "kind": e.kind, "actor": staff.get(e.actor_id), "detail": detail}
        )
    timeline += [
        {
            "at": k["at"],
            "kind": f"contact_{k['result']}",
            "actor": k["by"],
            "detail": {"method": k["method"], "note": k["note"]},
        }
        for k in body["contacts"]
    ]
    body["timeline"] = sorted(timeline, key=lambda e: e["at"])
    body["delivery_list"] = db.session.scalars(
        db.select(Delivery).where(Delivery.alert_id.in_(alert_ids)).order_by(Delivery.id)
    ).all()
    return body
