"""The clinic's panel: every patient sorted by who needs attention, a page at a time.

One query orders the clinic and cuts a page whatever its size (plus, on PostgreSQL, one to
learn whether any of the clinic's patients is listed as changed, one to locate the cursor's
anchor, one for the page's names, summaries, follow-ups and booster forecasts, one for its
latest sessions and one for its risk flags). It ranks each patient's inputs
(``api.panel.ranks``: open alerts, safety and relapse flags, the next check-in due, the
summary's worsening and severity), read from one narrow stored row per patient, or live for a
patient changed since it was stored; the default panel's first page reads only the rows that
can be on it, from the stored rows' index (``ranks.first_inputs``).
Risk order: an open imminent or urgent alert, then an open high alert, then a positive
safety screen still flagged, then a worsening trend or a worsening against the lowest
score under review, then an overdue check-in, then an open routine alert (not on track,
check-ins missed), then everyone else ("No open signal"); within a tier the most pressing
alert, then the most severe latest score. Every tier has a label (``TIER_LABELS``).

Each row also carries its treatment context (the current course, the session's number in
it, the latest session: one query for the page's rows) and when its oldest open alert was
raised (with the ordering query), so a page costs the same fixed few queries whatever its size.

Cursors are signed (itsdangerous) and hold only the sort and the last row's patient id
(no name, date or score ever lands in a URL); the next page starts after that patient's
current position. A tampered or foreign cursor is refused.
"""

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

import surveys
from surveys.courses import position, stored_plan
from surveys.forecast import due_words

from ..errors import Malformed
from ..extensions import db
from ..models import (
    BoosterForecast,
    Clinic,
    FollowUp,
    Patient,
    PatientSummary,
    TreatmentCourse,
    TreatmentSession,
)
from ..models.base import UTCDateTime, utcnow
from . import ranks
from .flags import flags_of, hold_of
from .ranks import ROUTINE_RULE_LABELS

SORTS = ("risk", "name", "last_checkin", "booster_due")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Patients without a booster forecast sort after every one with it.
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)
#: The sessions counted for a row's session number. Made once: aliasing a table builds a proxy
#: of every column (their foreign keys' events too), some 15 ms a page when made per call.
_COUNTED = TreatmentSession.__table__.alias("counted")
TIER_LABELS = {
    0: "Urgent alert",
    1: "High-priority alert",
    2: "Positive safety screen",
    3: "Worsening",
    4: "Check-in overdue",
    5: "Routine alert",
    6: "No open signal",
}


class CursorError(Malformed):
    """The cursor was not issued by this server for this list."""

    def __init__(self, message: str):
        super().__init__(message, {"cursor": [message]})


@dataclass(frozen=True)
class Key:
    """One sort key: a SQL expression and its direction."""

    expr: sa.ColumnElement
    descending: bool = False


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="waypoint.panel-cursor")


def encode_cursor(sort: str, patient_id) -> str:
    """A signed cursor pointing after ``patient_id`` in the ``sort`` order."""
    return _serializer().dumps({"s": sort, "p": str(patient_id)})


def decode_cursor(cursor: str, sort: str) -> uuid.UUID:
    """The anchor patient id of a cursor; raises CursorError if tampered or for another sort."""
    try:
        payload = _serializer().loads(cursor)
        if payload["s"] != sort:
            raise CursorError("This cursor belongs to another sort order.")
        return uuid.UUID(payload["p"])
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, CursorError):
            raise
        raise CursorError("The page cursor is not valid.") from None


#: The parameters of the panel's statement: its clinic, the time it ranks at, and the start
#: of the clinic's safety hold at that time (a safety screen resolved since is still flagged).
PARAMETERS = (
    sa.bindparam("clinic_id", type_=sa.Integer()),
    sa.bindparam("now", type_=UTCDateTime()),
    sa.bindparam("hold_from", type_=UTCDateTime()),
)
#: How many rows a first page reads (its limit and one more: is there a next page?).
FIRST = sa.bindparam("first", type_=sa.Integer())
#: The arguments a first page can be read from the stored rows' index with (the default
#: filter only; any other filter or sort, or a cursor, ranks every patient of the clinic).
_FIRST_PAGE_ARGS = {"sort", "limit", "include_discharged", "cursor"}


@functools.cache
def _statement(stored: bool, first: bool = False, active_only: bool = True, listed: bool = True):
    """The panel's select, sort keys and filter columns, made once per process (making the
    ranking's subqueries and their column proxies cost some 10 ms a page): see ``_base``.
    ``first``: the candidates of a first page in risk order only (``ranks.first_inputs``);
    ``listed``: with the live inputs of the patients listed as changed (``ranks.any_listed``)."""
    return _base(*PARAMETERS, stored=stored, first=first, active_only=active_only, listed=listed)


def _base(
    clinic_id,
    now,
    hold_from,
    stored: bool,
    first: bool = False,
    active_only: bool = True,
    listed: bool = True,
):
    """The panel's select: patients with their ranking inputs (``ranks.inputs``) and sort keys."""
    if first:
        row = ranks.first_inputs(clinic_id, now, hold_from, FIRST, active_only, listed)
    else:
        row = ranks.inputs(clinic_id, stored, listed)
    alert_rank = row.c.alert_rank
    overdue = sa.and_(row.c.next_due.is_not(None), row.c.next_due < now)
    held = row.c.safety_resolved_at >= hold_from
    safety = sa.or_(row.c.safety_open, held)
    # The tier without the time (ranks.base_tier), raised by it: to 2 in a safety screen's
    # hold, to 4 when a check-in is overdue (each only where the patient is below it).
    base = row.c.base_tier
    tier = sa.case(
        (base <= 2, base),
        (held, 2),
        (base == 3, 3),
        (overdue, 4),
        else_=base,
    )
    severity = row.c.severity_rank  # 0 before the first summary (ranks.live_inputs)
    last = sa.func.coalesce(row.c.last_checkin_at, _EPOCH)
    keys = {
        "risk": [Key(tier), Key(alert_rank), Key(severity, True), Key(row.c.patient_id)],
        "name": [Key(sa.func.lower(Patient.display_name)), Key(row.c.patient_id)],
        "last_checkin": [Key(last, True), Key(row.c.patient_id)],
        "booster_due": [
            Key(sa.func.coalesce(BoosterForecast.due_at, _NEVER)),
            Key(row.c.patient_id),
        ],
    }
    # Narrow columns only: every patient of the clinic goes through the sort; the page's wide
    # columns (names, the summaries' JSON) are read for its rows alone. The patients' and the
    # forecasts' tables are joined only where a filter or a sort reads them (see _joined).
    query = sa.select(
        row.c.patient_id.label("id"),
        row.c.last_checkin_at,
        row.c.next_due,
        overdue.label("overdue"),
        tier.label("tier"),
        alert_rank.label("alert_rank"),
        sa.func.coalesce(sa.or_(safety, row.c.relapse), False).label("flagged"),
        *(row.c[f"n_{p}"] for p in surveys.PRIORITY_ORDER),
        *(row.c[f"r_{rule}"] for rule in ROUTINE_RULE_LABELS),
        row.c.oldest_alert_at,
    ).select_from(row)
    columns = {
        "overdue": overdue,
        "has_alerts": row.c.open_alerts > 0,
        "status": row.c.status,
        "trend_status": row.c.trend_status,
        "id": row.c.patient_id,
    }
    return query, keys, columns


def _joined(query, columns, patients: bool, forecasts: bool):
    """``query`` with the patients' table (names, refs) and the forecasts' joined as asked."""
    if patients:
        query = query.join(Patient, Patient.id == columns["id"])
    if forecasts:
        query = query.outerjoin(BoosterForecast, BoosterForecast.patient_id == columns["id"])
    return query


def _after(keys: list[Key], values) -> sa.ColumnElement:
    """Rows strictly after ``values`` in the order of ``keys`` (expanded for any direction)."""
    clauses = []
    for n, key in enumerate(keys):
        equal = [keys[i].expr == values[i] for i in range(n)]
        beyond = key.expr < values[n] if key.descending else key.expr > values[n]
        clauses.append(sa.and_(*equal, beyond))
    return sa.or_(*clauses)


def panel_page(clinic_id: int, args: dict, q: str | None = None) -> dict:
    """One page of the panel of ``clinic_id`` for the validated ``args`` (see PanelArgsSchema)."""
    now = utcnow()
    hold = hold_of(clinic_id)
    sort = args.get("sort", "risk")
    limit = args.get("limit", 50)
    parameters = {"clinic_id": clinic_id, "now": now, "hold_from": now - hold}
    stored = ranks.stored()
    # The first page of the default panel, the one most read, from the stored rows' index.
    first = stored and sort == "risk" and not q and not args.get("cursor")
    first = first and set(args) <= _FIRST_PAGE_ARGS
    if first:
        parameters["first"] = limit + 1
    query, keys, columns = _statement(
        stored,
        first=first,
        active_only=first and not args.get("include_discharged"),
        listed=stored and ranks.any_listed(clinic_id),
    )
    keys = keys[sort]
    patients = bool(q) or sort == "name"
    forecasts = sort == "booster_due" or "booster_due_within_days" in args
    query = joined = _joined(query, columns, patients, forecasts)
    if not args.get("include_discharged"):
        query = query.where(columns["status"] == "active")
    if "status" in args:
        query = query.where(columns["trend_status"] == args["status"])
    if "overdue" in args:
        overdue = columns["overdue"]
        query = query.where(overdue if args["overdue"] else sa.not_(overdue))
    if "booster_due_within_days" in args:
        by = now + timedelta(days=args["booster_due_within_days"])
        query = query.where(BoosterForecast.due_at <= by)
    if "has_open_alerts" in args:
        has = columns["has_alerts"]
        query = query.where(has if args["has_open_alerts"] else sa.not_(has))
    if q:
        needle = q.strip().lower()
        query = query.where(
            sa.or_(
                sa.func.lower(Patient.display_name).contains(needle, autoescape=True),
                sa.func.lower(Patient.ref).contains(needle, autoescape=True),
            )
        )
    if args.get("cursor"):
        anchor_id = decode_cursor(args["cursor"], sort)
        anchor = db.session.execute(
            joined.with_only_columns(*(k.expr for k in keys)).where(columns["id"] == anchor_id),
            parameters,
        ).first()
        if anchor is None:
            raise CursorError("The page cursor is no longer valid; start from the first page.")
        query = query.where(_after(keys, list(anchor)))
    order = [k.expr.desc() if k.descending else k.expr.asc() for k in keys]
    rows = db.session.execute(query.order_by(*order).limit(limit + 1), parameters).all()
    more = len(rows) > limit
    rows = rows[:limit]
    details = _details([row.id for row in rows])
    sessions = _latest_sessions([row.id for row in rows])
    # The flags of the page's flagged rows only: a page without any costs no query.
    risk_flags = flags_of(clinic_id, [row.id for row in rows if row.flagged], now, hold)
    return {
        "items": [
            _row(row, details[row.id], risk_flags.get(row.id, []), sessions.get(row.id), now)
            for row in rows
        ],
        "next_cursor": encode_cursor(sort, rows[-1].id) if more else None,
    }


#: The page's patients, for the statements made once below (a list expanded at execution).
_IDS = sa.bindparam("ids", expanding=True)


@functools.cache
def _details_statement():
    return (
        sa.select(
            Patient.id,
            Patient.ref,
            Patient.display_name,
            Patient.status,
            PatientSummary.trend_status,
            PatientSummary.instruments,
            FollowUp.last_contact_at,
            FollowUp.last_contact_result,
            FollowUp.last_contact_method,
            FollowUp.next_contact_on,
            Clinic.timezone,
            BoosterForecast.patient_id.label("forecast_of"),
            BoosterForecast.due_at,
            BoosterForecast.due_low_at,
            BoosterForecast.due_high_at,
        )
        .outerjoin(PatientSummary, PatientSummary.patient_id == Patient.id)
        .outerjoin(FollowUp, FollowUp.patient_id == Patient.id)
        .outerjoin(
            BoosterForecast,
            sa.and_(BoosterForecast.patient_id == Patient.id, BoosterForecast.reason == "forecast"),
        )
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .where(Patient.id.in_(_IDS))
    )


def _details(patient_ids: list) -> dict:
    """The wide columns of a page's patients, by id (primary-key lookups), with their booster
    forecasts where the worker has one."""
    if not patient_ids:
        return {}
    rows = db.session.execute(_details_statement(), {"ids": patient_ids})
    return {row.id: row for row in rows}


@functools.cache
def _sessions_statement():
    """See ``_latest_sessions``; made once per process, as the page's other statements (each
    cost some 5 ms of Python a page when built per call, against 1-2 ms in the database)."""
    live = TreatmentSession.deleted_at.is_(None)
    rank = (
        sa.func.row_number()
        .over(
            partition_by=TreatmentSession.patient_id,
            order_by=(TreatmentSession.administered_at.desc(), TreatmentSession.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        sa.select(
            TreatmentSession.patient_id,
            TreatmentSession.course_id,
            TreatmentSession.administered_at,
            TreatmentSession.modality,
            rank,
        )
        .where(TreatmentSession.patient_id.in_(_IDS), live)
        .subquery("ranked")
    )
    counted = _COUNTED
    number = (
        sa.select(sa.func.count())
        .where(counted.c.course_id == ranked.c.course_id, counted.c.deleted_at.is_(None))
        .scalar_subquery()
    )
    return (
        sa.select(
            ranked.c.patient_id.label("id"),
            ranked.c.course_id,
            TreatmentCourse.label,
            TreatmentCourse.plan,
            Clinic.timezone,
            number.label("n"),
            ranked.c.administered_at,
            ranked.c.modality,
        )
        .select_from(
            sa.join(ranked, TreatmentCourse, TreatmentCourse.id == ranked.c.course_id)
            .join(Patient, Patient.id == ranked.c.patient_id)
            .join(Clinic, Clinic.id == Patient.clinic_id)
        )
        .where(ranked.c.rank == 1)
    )


def _latest_sessions(patient_ids: list) -> dict:
    """The latest recorded session of each of ``patient_ids`` with its course, by id (one query).

    The course of the latest session is the current one (a new course starts with a session);
    the session's number counts the course's sessions not deleted. A window function ranks
    the page's patients' sessions on the sessions' (patient, time) index, and the count is a
    correlated subquery on the course index: plain SQL that SQLite runs too (no LATERAL).
    """
    if not patient_ids:
        return {}
    rows = db.session.execute(_sessions_statement(), {"ids": patient_ids})
    return {row.id: row for row in rows}


def _treatment(session, now: datetime) -> dict | None:
    """The row's treatment context from its latest session, None before any is recorded;
    with the course plan's phase and next session due where the course has a plan."""
    if session is None:
        return None
    context = {
        "course_id": session.course_id,
        "course_label": session.label,
        "session_number": int(session.n),
        "last_session_at": session.administered_at,
        "days_since_last_session": max(0, (now - session.administered_at).days),
        "modality": session.modality,
        "phase": None,
        "next_session_due_on": None,
        "next_session_overdue_days": None,
    }
    plan = stored_plan(session.plan)
    if plan is not None:
        tz = ZoneInfo(session.timezone)
        last = session.administered_at.astimezone(tz).date()
        at = position(plan, int(session.n), last, now.astimezone(tz).date())
        if at.phase is not None:
            context["phase"] = at.phase.name
            context["next_session_due_on"] = at.next_due_on
            context["next_session_overdue_days"] = at.days_overdue
    return context


def _follow_up(details, now: datetime) -> dict | None:
    """The row's last contact and next planned one; None before either exists."""
    if details.last_contact_at is None and details.next_contact_on is None:
        return None
    today = now.astimezone(ZoneInfo(details.timezone)).date()
    next_on, last = details.next_contact_on, details.last_contact_at
    # Reached on or after the planned day: that follow-up happened (an attempt is not one).
    contacted_since = (
        details.last_contact_result == "reached"
        and next_on is not None
        and last.astimezone(ZoneInfo(details.timezone)).date() >= next_on
    )
    return {
        "last_contact_at": last,
        "last_contact_result": details.last_contact_result,
        "last_contact_method": details.last_contact_method,
        "next_contact_on": next_on,
        "next_contact_overdue": next_on is not None and next_on < today and not contacted_since,
    }


def _booster(details, now: datetime) -> dict | None:
    """The panel's booster words (decision support) of a row with a forecast; None without."""
    if details.forecast_of is None:
        return None
    due, low, high = details.due_at, details.due_low_at, details.due_high_at
    return {
        "due_at": due,
        "due_low_at": low,
        "due_high_at": high,
        "words": due_words(due, low, high, now),
    }


def _tier_label(row) -> str:
    if row.tier == 0 and row.alert_rank == 0:
        return "Imminent-risk alert"
    if row.tier == 5:
        for rule, words in ROUTINE_RULE_LABELS.items():
            if getattr(row, f"r_{rule}"):
                return words
    return TIER_LABELS[row.tier]


def _row(row, details, risk_flags, session, now: datetime) -> dict:
    return {
        "id": row.id,
        "ref": details.ref,
        "display_name": details.display_name,
        "status": details.status,
        "trend_status": details.trend_status,
        "instruments": details.instruments or {},
        "last_checkin_at": row.last_checkin_at,
        "next_due_at": row.next_due,
        "overdue": bool(row.overdue),
        "open_alerts": {p: int(getattr(row, f"n_{p}") or 0) for p in surveys.PRIORITY_ORDER},
        "oldest_open_alert_at": row.oldest_alert_at,
        "risk": {"tier": row.tier, "label": _tier_label(row)},
        "risk_flags": risk_flags,
        "treatment": _treatment(session, now),
        "follow_up": _follow_up(details, now),
        "booster": _booster(details, now),
    }
