"""The intake before a course: trials, the signed screen, overrides, and the check that a new
course may start (``ensure_course_may_start``, called wherever a course is created).

Writes lock the patient's row first (FOR NO KEY UPDATE, which check-ins and sessions inserting
their rows do not wait for), so that two clinicians answering at once cannot both insert the
same answer, and a course cannot start on a screen that is being changed at that moment.
"""

from decimal import Decimal

from surveys.intake import (
    SCREEN,
    SCREEN_BY_CODE,
    Trial,
    item_is_open,
    open_contraindications,
    resistance,
)

from ..errors import Conflict
from ..extensions import db
from ..models import IntakeAnswer, IntakeOverride, IntakeTrial, Patient, StaffUser
from ..models.base import utcnow

TRIAL_FIELDS = (
    "drug",
    "dose_mg_per_day",
    "duration_weeks",
    "adequate",
    "outcome",
    "current_episode",
    "note",
)


def lock_patient(patient: Patient) -> None:
    """Serialise intake writes and course starts of one patient (see the module docstring)."""
    db.session.execute(
        db.select(Patient.id).where(Patient.id == patient.id).with_for_update(key_share=True)
    )


def active_trials(patient: Patient) -> list[IntakeTrial]:
    """The patient's trials, in the order they were recorded (deleted ones left out)."""
    return db.session.scalars(
        db.select(IntakeTrial)
        .where(IntakeTrial.patient_id == patient.id, IntakeTrial.deleted_at.is_(None))
        .order_by(IntakeTrial.recorded_at, IntakeTrial.id)
    ).all()


def trial_or_none(patient: Patient, trial_id: int) -> IntakeTrial | None:
    """One of the patient's trials that has not been deleted."""
    return db.session.scalar(
        db.select(IntakeTrial).where(
            IntakeTrial.id == trial_id,
            IntakeTrial.patient_id == patient.id,
            IntakeTrial.deleted_at.is_(None),
        )
    )


def add_trial(patient: Patient, body: dict, staff: StaffUser) -> IntakeTrial:
    """Record an antidepressant trial (flushes; the request commits)."""
    lock_patient(patient)
    row = IntakeTrial(
        patient_id=patient.id,
        recorded_by=staff.id,
        **{name: body[name] for name in TRIAL_FIELDS if name in body},
    )
    db.session.add(row)
    db.session.flush()
    return row


def update_trial(patient: Patient, row: IntakeTrial, body: dict) -> list[str]:
    """Correct a trial; returns the names of the fields that changed."""
    lock_patient(patient)
    changed = [
        name for name in TRIAL_FIELDS if name in body and _plain(getattr(row, name)) != body[name]
    ]
    for name in changed:
        setattr(row, name, body[name])
    db.session.flush()
    return changed


def delete_trial(patient: Patient, row: IntakeTrial, staff: StaffUser) -> None:
    """Soft-delete: the row stays for the audit trail, and leaves the history and the count."""
    lock_patient(patient)
    row.deleted_at = utcnow()
    row.deleted_by = staff.id
    db.session.flush()


def _answers(patient: Patient) -> dict[str, IntakeAnswer]:
    rows = db.session.scalars(db.select(IntakeAnswer).where(IntakeAnswer.patient_id == patient.id))
    return {row.item: row for row in rows}


def record_answers(patient: Patient, answers: dict[str, dict], staff: StaffUser) -> list[str]:
    """Sign the given answers as ``staff`` now; an answer sent unchanged keeps its sign-off.

    A changed answer (or note) is signed again, and an override made against the earlier one
    no longer stands. Returns the items that changed.
    """
    lock_patient(patient)
    current = _answers(patient)
    changed = []
    for code, given in answers.items():
        row = current.get(code)
        # A note left out is kept; null clears it.
        note = given.get("note", row.note if row else None)
        if row is not None and (row.answer, row.note) == (given["answer"], note):
            continue
        if row is None:
            row = IntakeAnswer(patient_id=patient.id, item=code)
            db.session.add(row)
        row.answer, row.note = given["answer"], note
        row.signed_by, row.signed_at = staff.id, utcnow()
        changed.append(code)
    db.session.flush()
    return changed


def _standing_overrides(patient: Patient, answers: dict[str, IntakeAnswer]) -> dict:
    """Item -> the latest override made against the item's current, signed answer."""
    rows = db.session.scalars(
        db.select(IntakeOverride)
        .where(IntakeOverride.patient_id == patient.id)
        .order_by(IntakeOverride.at, IntakeOverride.id)
    )
    standing = {}
    for row in rows:
        answer = answers.get(row.item)
        if answer is not None and row.answer_signed_at == answer.signed_at:
            standing[row.item] = row
    return standing


def override_item(patient: Patient, code: str, reason: str, staff: StaffUser) -> IntakeOverride:
    """Record a clinician's reasoned decision to plan a course despite an open contraindication."""
    lock_patient(patient)
    answers = _answers(patient)
    answer = answers.get(code)
    if answer is None:
        raise Conflict(
            "Answer this item before overriding it.",
            {"item": ["Not answered yet: record yes or unknown, signed, first."]},
            reason="intake_item_not_answered",
        )
    if not item_is_open(code, answer.answer):
        raise Conflict(
            "This item is answered no: there is nothing to override.",
            {"item": ["Answered no; it does not block a course."]},
            reason="intake_item_not_open",
        )
    if code in _standing_overrides(patient, answers):
        raise Conflict(
            "This answer is overridden already.",
            {"item": ["Already overridden for the current answer."]},
            reason="intake_item_overridden",
        )
    row = IntakeOverride(
        patient_id=patient.id,
        item=code,
        answer=answer.answer,
        answer_signed_at=answer.signed_at,
        reason=reason,
        by=staff.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _blocking(answers: dict[str, IntakeAnswer], overridden: dict) -> list[str]:
    return open_contraindications({code: row.answer for code, row in answers.items()}, overridden)


def ensure_course_may_start(patient: Patient) -> None:
    """Refuse a new course while a contraindication is open and not overridden.

    Every place that creates a course calls this first (recording a session that starts a
    course, the demo's seeding): one rule, one refusal naming each item.
    """
    lock_patient(patient)
    answers = _answers(patient)
    blocking = _blocking(answers, _standing_overrides(patient, answers))
    if not blocking:
        return
    errors = {}
    for code in blocking:
        row = answers.get(code)
        state = "not answered yet" if row is None else f"answered {row.answer}"
        errors[f"intake.{code}"] = [
            f"{SCREEN_BY_CODE[code].label}: {state}. Answer no, or record a reasoned override "
            "in the intake."
        ]
    names = "; ".join(SCREEN_BY_CODE[code].label for code in blocking)
    raise Conflict(
        f"A course cannot start while a contraindication is open: {names}.",
        errors,
        reason="intake_contraindication_open",
    )


def intake_view(patient: Patient) -> dict:
    """The intake as the clinic sees it: trials with the count, the screen, what blocks."""
    trials = active_trials(patient)
    result = resistance(
        Trial(t.drug, t.duration_weeks, t.adequate, t.outcome, t.current_episode) for t in trials
    )
    answers = _answers(patient)
    overridden = _standing_overrides(patient, answers)
    blocking = _blocking(answers, overridden)
    screen = []
    for item in SCREEN:
        row = answers.get(item.code)
        screen.append(
            {
                "item": item,
                "answer": row,
                "open": item_is_open(item.code, row.answer if row else None),
                "override": overridden.get(item.code),
                "blocking": item.code in blocking,
            }
        )
    return {
        "trials": [
            {"trial": t, "counted": reason is None, "not_counted": reason}
            for t, reason in zip(trials, result.reasons, strict=True)
        ],
        "resistance": result,
        "screen": screen,
        "blocking": blocking,
        "course_may_start": not blocking,
    }


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value
