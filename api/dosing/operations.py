"""At-home dosing: a clinician's plan, the patient's pre-dose checks and doses, the signals.

The phone gates a dose offline with the plan it holds (``pwa/js/dosing.js``); the server
records what the phone sends, runs the same gate on its own record of the doses before
(``surveys.dosing.gate``) and tells the care team:

- ``dose_held`` (high): a check the gate stopped (vitals, no monitor, new symptoms, the
  interval, the weekly maximum, the prescription used up) and the patient did not dose;
- ``dose_misuse`` (high): a dose taken although the server's gate says no (on the doses it
  has recorded: a dose sent late is weighed against the later ones too), or a dose reported
  as taken outside the app;
- ``post_dose_check_missed`` (high, the schedule tick): no post-dose check within the plan's
  ``post_check_missed_minutes`` of a dose: the patient may be unwell;
- ``dose_unsafe`` (urgent): the post-dose check's "Are you safe right now?" answered no (sent
  from the phone at once, before the rest of the check, like a check-in's safety signal).
"""

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta

from surveys import RuleHit, SettingsError
from surveys.dosing import (
    DEFAULT_POST_CHECK_MINUTES,
    DEFAULT_POST_CHECK_MISSED_MINUTES,
    WEEK,
    gate,
    plan_from_dict,
    stored_plan,
    vital_errors,
)
from surveys.rules import RULE_PRIORITY

from ..checkins.operations import answer_time, insert_once, replayed
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..models import Alert, Checkin, HomeDose, HomeDosingPlan, Patient, StaffUser
from ..models.base import utcnow
from ..pipeline.alerts import raise_alerts
from ..pipeline.settings import clinic_rule_settings

FIELD = re.compile(r"^([a-z_]+) ")
REASON_WORDS = {
    "bp_high": "blood pressure over the plan's limit",
    "heart_rate_high": "heart rate over the plan's limit",
    "monitor_absent": "no monitor present",
    "new_symptoms": "new symptoms reported",
    "too_soon": "sooner than the plan's interval",
    "weekly_max": "the week's doses already taken",
    "prescription_used": "every prescribed dose already taken",
    "plan_unreadable": "the plan needs a clinician's review",
    "before_prescription": "a time before the current prescription began",
    "plan_stopped": "home dosing had been stopped",
}


def plan_of(patient: Patient) -> HomeDosingPlan | None:
    row = db.session.get(HomeDosingPlan, patient.id)
    return row if row is not None and row.active else None


def set_plan(patient: Patient, body: dict, staff: StaffUser) -> HomeDosingPlan:
    """Set (or change) the patient's plan; ``new_prescription`` starts the dose count again."""
    data = {k: v for k, v in body.items() if k != "new_prescription" and v is not None}
    try:
        plan = plan_from_dict(data, clinic_rule_settings(patient.clinic).home_plan_defaults())
    except SettingsError as error:
        named = FIELD.match(str(error))
        field = named.group(1) if named else "plan"
        raise Invalid("This plan cannot be used.", {field: [str(error)]}) from None
    now = utcnow()
    row = db.session.get(HomeDosingPlan, patient.id, with_for_update=True)
    if row is None:
        row = HomeDosingPlan(
            patient_id=patient.id,
            clinic_id=patient.clinic_id,
            plan=plan.to_dict(),
            version=1,
            prescription_started_at=now,
            updated_at=now,
            updated_by=staff.id,
        )
        db.session.add(row)
    else:
        row.plan, row.version, row.active = plan.to_dict(), row.version + 1, True
        row.updated_at, row.updated_by = now, staff.id
        if body.get("new_prescription"):
            row.prescription_started_at = now
    db.session.flush()
    return row


def stop_plan(patient: Patient, staff: StaffUser) -> HomeDosingPlan:
    row = db.session.get(HomeDosingPlan, patient.id, with_for_update=True)
    if row is None or not row.active:
        raise NotFound("This patient has no home-dosing plan.")
    row.active, row.version = False, row.version + 1
    row.updated_at, row.updated_by = utcnow(), staff.id
    return row


def doses_taken(patient_id, since: datetime, before: datetime | None = None) -> list[datetime]:
    """When the patient's doses were taken (in the app or reported outside it), from
    ``since`` and before ``before``."""
    select = db.select(HomeDose.dosed_at).where(
        HomeDose.patient_id == patient_id,
        HomeDose.dosed_at.is_not(None),
        HomeDose.dosed_at >= since,
    )
    if before is not None:
        select = select.where(HomeDose.dosed_at < before)
    return list(db.session.scalars(select.order_by(HomeDose.dosed_at)))


def weighed_since(plan_row: HomeDosingPlan, plan, at: datetime) -> datetime:
    """From when the gate at ``at`` weighs the doses taken: the current prescription's start,
    or the week and the interval before ``at`` when that is earlier (a dose just before a new
    prescription still counts for the interval and the week, not for the count)."""
    started = plan_row.prescription_started_at
    if plan is None:
        return started
    return min(at - (WEEK + timedelta(hours=plan.min_interval_hours)), started)


def gate_doses(patient: Patient, plan_row: HomeDosingPlan) -> list[datetime]:
    """The doses the phone's gate needs now, as the server's weighs them (``_server_gate``);
    the phone counts those from ``prescription_started_at`` against the prescription."""
    at = utcnow()
    return doses_taken(patient.id, weighed_since(plan_row, stored_plan(plan_row.plan), at))


def _hash(body: dict) -> str:
    """What a check says, times in UTC (the same instant with another offset is the same)."""
    canonical = {
        k: (v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v)
        for k, v in body.items()
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()


def _server_gate(patient: Patient, plan_row: HomeDosingPlan, plan, values: dict, at: datetime):
    """(ok, reasons) of the gate at ``at`` on the server's record: every dose taken before it
    for the interval and the week, those on the current prescription for its count."""
    if plan is None:
        return False, ["plan_unreadable"]
    earlier = doses_taken(patient.id, weighed_since(plan_row, plan, at), at)
    used = sum(1 for taken in earlier if taken >= plan_row.prescription_started_at)
    verdict = gate(
        plan, values, values["monitor_present"], values["new_symptoms"], earlier, at, used
    )
    reasons = list(verdict.reasons)
    if at < plan_row.prescription_started_at - timedelta(days=1):
        # Before the prescription began: a clock far off, or a time meant to fall outside
        # the count; either way a person looks at it.
        reasons.append("before_prescription")
    return not reasons, reasons


def record_dose(patient: Patient, body: dict) -> tuple[HomeDose, bool, list[Alert]]:
    """Store a pre-dose check (and its dose) once; (row, created, alerts raised).

    A replay of the same id and values answers with the stored row (also after the plan was
    stopped); the same id with other values is a 409. With the plan stopped, a dose is still
    recorded (``plan_stopped`` when taken after the stop) and a check without one is a 409.
    The patient's checks are recorded one at a time (the plan's row lock), the server's gate
    reads the doses recorded before this one, and a dose that arrives late (a phone offline)
    is weighed against the later doses recorded before it arrived (``_reconsider_later``).
    Times are never refused: a dose taken must not be lost
    (``api.checkins.operations.answer_time``, as for a safety answer).
    """
    digest = _hash(body)
    existing = db.session.get(HomeDose, body["id"])
    if existing is not None:
        return replayed(existing, patient, digest), False, []
    plan_row = db.session.get(HomeDosingPlan, patient.id, with_for_update=True)
    if plan_row is None or not (plan_row.active or body.get("dosed_at") is not None):
        # A check that let no dose through needs a plan. A dose taken is recorded whatever
        # became of the plan since (a phone offline when it was stopped): it must not be lost,
        # nor the "not safe" that may follow it.
        raise Conflict("This patient has no home-dosing plan.", reason="no_plan")
    now = utcnow()
    plan = stored_plan(plan_row.plan)
    checked_at = answer_time(body["checked_at"], now, True, "checked_at")[0]
    dosed_at = body.get("dosed_at")
    outside = body.get("outside_app", False)
    if dosed_at is not None:
        dosed_at = answer_time(dosed_at, now, True, "dosed_at")[0]
        if not outside:
            # Never before its own check: a dose is taken after the check that let it
            # through. A dose reported outside the app was taken before its report.
            dosed_at = max(dosed_at, checked_at)
    if not outside:
        errors = vital_errors(body)
        if errors:
            raise Invalid("These readings cannot be right.", errors)
    if outside:
        verdict_ok, reasons = False, ["outside_app"]
    else:
        verdict_ok, reasons = _server_gate(patient, plan_row, plan, body, checked_at)
    if not plan_row.active and dosed_at >= plan_row.updated_at:
        verdict_ok, reasons = False, [*reasons, "plan_stopped"]
    row = HomeDose(
        id=body["id"],
        patient_id=patient.id,
        clinic_id=patient.clinic_id,
        plan_version=plan_row.version,
        payload_hash=digest,
        checked_at=checked_at,
        received_at=now,
        systolic=body.get("systolic"),
        diastolic=body.get("diastolic"),
        heart_rate=body.get("heart_rate"),
        monitor_present=body.get("monitor_present"),
        new_symptoms=body.get("new_symptoms"),
        gate_ok=verdict_ok,
        gate_reasons=reasons,
        dosed_at=dosed_at,
        outside_app=outside,
        post_check_due_at=(
            dosed_at + timedelta(minutes=_post_check_minutes(plan)) if dosed_at else None
        ),
    )
    if not insert_once(row):
        return replayed(db.session.get(HomeDose, body["id"]), patient, digest), False, []
    row = db.session.get(HomeDose, body["id"])
    alerts = _signals(patient, row)
    if dosed_at is not None:
        alerts += _reconsider_later(patient, plan_row, plan, row)
    return row, True, alerts


#: How many later doses a late arrival can change the verdict on.
RECONSIDER_LIMIT = 10


def _reconsider_later(patient, plan_row, plan, arrived: HomeDose) -> list[Alert]:
    """Gate again the doses taken after ``arrived`` but recorded before it (a phone that was
    offline sends an earlier dose late): one that its interval, week or prescription now
    says should not have been taken is a misuse signal, once (its key)."""
    later = db.session.scalars(
        db.select(HomeDose)
        .where(
            HomeDose.patient_id == patient.id,
            HomeDose.dosed_at > arrived.dosed_at,
            HomeDose.gate_ok.is_(True),
            HomeDose.id != arrived.id,
        )
        .order_by(HomeDose.dosed_at)
        .limit(RECONSIDER_LIMIT)
    ).all()
    alerts = []
    for row in later:
        values = {
            "systolic": row.systolic,
            "diastolic": row.diastolic,
            "heart_rate": row.heart_rate,
            "monitor_present": row.monitor_present,
            "new_symptoms": row.new_symptoms,
        }
        ok, reasons = _server_gate(patient, plan_row, plan, values, row.dosed_at)
        if ok:
            continue
        row.gate_ok, row.gate_reasons = False, reasons
        alerts += _signals(patient, row)
    return alerts


def _post_check_minutes(plan) -> int:
    return plan.post_check_minutes if plan else DEFAULT_POST_CHECK_MINUTES


def _signals(patient: Patient, row: HomeDose) -> list[Alert]:
    """The alerts a new check or dose raises (see the module)."""
    reasons = [REASON_WORDS.get(r, r) for r in row.gate_reasons if r != "outside_app"]
    if row.outside_app:
        hit = _hit(row, "dose_misuse", "A dose taken outside the app was reported")
    elif row.dosed_at is not None and not row.gate_ok:
        hit = _hit(
            row,
            "dose_misuse",
            f"A dose was taken although the check said not to: {', '.join(reasons)}",
        )
    elif row.dosed_at is None and not row.gate_ok:
        hit = _hit(row, "dose_held", f"A dose was held back: {', '.join(reasons)}")
    else:
        return []
    return raise_alerts(patient, [hit], answered_at=row.checked_at, received_at=row.received_at)


def _hit(row: HomeDose, rule: str, reason: str) -> RuleHit:
    return RuleHit(f"dose:{row.id}:{rule}", rule, RULE_PRIORITY[rule], reason)


def _taken_dose(patient: Patient, dose_id) -> HomeDose:
    """The patient's dose ``dose_id``, locked; NotFound for none, another's, or a check that
    let no dose through."""
    row = db.session.scalar(
        db.select(HomeDose)
        .where(HomeDose.id == dose_id, HomeDose.patient_id == patient.id)
        .with_for_update()
    )
    if row is None or row.dosed_at is None:
        raise NotFound("No such dose.")
    return row


def link_post_check(patient: Patient, dose_id, checkin_id) -> HomeDose:
    """Mark the dose's post-dose check answered by the patient's post-session check-in."""
    row = _taken_dose(patient, dose_id)
    checkin = db.session.scalar(
        db.select(Checkin).where(Checkin.id == checkin_id, Checkin.patient_id == patient.id)
    )
    if (
        checkin is None
        or checkin.instrument != "post_session"
        or checkin.completed_at < row.dosed_at
    ):
        raise Invalid(
            "The post-dose check is a post-session check-in of yours.",
            {"checkin_id": ["Not a post-session check-in of this patient after this dose."]},
        )
    if row.post_check_at is None:
        row.post_check_at, row.post_check_checkin_id = checkin.completed_at, checkin.id
    elif row.post_check_checkin_id != checkin.id:
        raise Conflict("This dose's check is answered already.", reason="answered")
    return row


def record_unsafe(patient: Patient, dose_id, answered_at: datetime) -> tuple[HomeDose, list]:
    """The patient said after a dose that they do not feel safe: ``dose_unsafe``, once per
    dose (its key); a resend raises nothing new. Its time is never refused (a safety answer)."""
    row = _taken_dose(patient, dose_id)
    now = utcnow()
    at = answer_time(answered_at, now, True, "answered_at")[0]
    hit = _hit(row, "dose_unsafe", "Said after a dose taken at home that they do not feel safe")
    return row, raise_alerts(patient, [hit], answered_at=at, received_at=now)


def _span(minutes: int) -> str:
    """ "4 hours", "1 hour", "90 minutes"."""
    if minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return f"{hours} hour{'' if hours == 1 else 's'}"


def raise_missed_post_checks(patients: list[Patient], now: datetime) -> list[Alert]:
    """``post_dose_check_missed`` for doses whose check went unanswered past the plan's
    time (once each). Run by the schedule tick for a batch of patients."""
    by_id = {p.id: p for p in patients}
    if not by_id:
        return []
    plans = {
        row.patient_id: stored_plan(row.plan)
        for row in db.session.scalars(
            db.select(HomeDosingPlan).where(HomeDosingPlan.patient_id.in_(list(by_id)))
        )
    }
    rows = db.session.scalars(
        db.select(HomeDose)
        .where(
            HomeDose.patient_id.in_(list(plans)),
            HomeDose.post_check_at.is_(None),
            HomeDose.post_check_missed_at.is_(None),
            HomeDose.post_check_due_at.is_not(None),
            HomeDose.post_check_due_at < now,
        )
        .with_for_update(skip_locked=True)
    ).all()
    created = []
    for row in rows:
        plan = plans[row.patient_id]
        missed = plan.post_check_missed_minutes if plan else DEFAULT_POST_CHECK_MISSED_MINUTES
        if now < row.dosed_at + timedelta(minutes=missed):
            continue
        row.post_check_missed_at = now
        reason = f"No post-dose check within {_span(missed)} of a dose taken at home"
        hit = RuleHit(
            f"dose:{row.id}:post_dose_check_missed",
            "post_dose_check_missed",
            RULE_PRIORITY["post_dose_check_missed"],
            reason,
        )
        created += raise_alerts(by_id[row.patient_id], [hit], answered_at=None)
    return created
