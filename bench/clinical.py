"""The rows of a patient's care beyond the check-ins, as the app would have written them.

A treatment course with its plan (``surveys.courses`` templates) and sessions on that plan up
to now, each session with its monitoring (vitals at the three checkpoints, MOAA/S, CADSS) and,
for esketamine, its REMS record; the intake before the course (antidepressant trials, the
signed screen); for some ketamine patients a home-dosing plan and its doses, each through
``surveys.dosing.gate``; the booster forecast (``surveys.forecast.course_forecast``); and the
cases of the patient's alerts, grouped as migration 0010 groups them, resolved ones with
their documented outcome and call. Every session passes ``surveys.plausibility
.session_errors``, the check the API makes before it stores one.
"""

import json
import uuid
from datetime import timedelta

from api.models.alerts import PRIORITIES
from surveys import courses as course_plans
from surveys import dosing
from surveys.forecast import course_forecast, due_times
from surveys.intake import SCREEN
from surveys.plausibility import session_errors
from surveys.summary import PatientRecord

#: What share of the courses are esketamine (the rest IV ketamine).
ESKETAMINE_SHARE = 0.3
#: What share of the IV ketamine patients also dose at home.
HOME_DOSING_SHARE = 0.15
#: Decimals of the session's dose columns (``api.sessions.operations``).
DOSE_PLACES, PER_KG_PLACES = 2, 3
TRIALS = (
    ("sertraline", 150, 8, "none"),
    ("escitalopram", 20, 10, "partial"),
    ("venlafaxine", 225, 12, "none"),
)
HOME_PLAN = dosing.plan_from_dict(
    {"form": "sublingual_troche", "dose_mg": 200, "doses_prescribed": 40}
).to_dict()
OUTCOME_PRIORITIES = ("imminent", "urgent")
# fmt: off
SESSION_COLUMNS = [
    "id", "patient_id", "course_id", "administered_at", "modality", "drug", "dose_mg",
    "dose_mg_per_kg", "devices", "cadss", "cadss_form", "moaas", "sedation", "dissociation",
    "respiratory_depression", "vitals_ok_pre", "vitals_ok_discharge", "monitoring_started_at",
    "monitoring_ended_at", "ready_to_leave_at", "concomitant_classes", "serious_adverse_event",
    "created_by", "created_at",
]
READING_COLUMNS = [
    "session_id", "kind", "taken_at", "systolic", "diastolic", "heart_rate", "spo2",
]
REMS_COLUMNS = [
    "id", "clinic_id", "patient_id", "session_id", "due_at", "created_at", "submitted_at",
    "submitted_by",
]
TRIAL_COLUMNS = [
    "patient_id", "drug", "dose_mg_per_day", "duration_weeks", "adequate", "outcome",
    "current_episode", "recorded_by", "recorded_at",
]
ANSWER_COLUMNS = ["patient_id", "item", "answer", "signed_by", "signed_at"]
DOSING_PLAN_COLUMNS = [
    "patient_id", "clinic_id", "plan", "version", "prescription_started_at", "active",
    "updated_at", "updated_by",
]
DOSE_COLUMNS = [
    "id", "patient_id", "clinic_id", "plan_version", "payload_hash", "checked_at",
    "received_at", "systolic", "diastolic", "heart_rate", "monitor_present", "new_symptoms",
    "gate_ok", "gate_reasons", "dosed_at", "outside_app", "post_check_due_at", "post_check_at",
]
FORECAST_COLUMNS = [
    "patient_id", "course_id", "reason", "due_at", "due_low_at", "due_high_at", "payload",
    "computed_at",
]
CASE_COLUMNS = [
    "id", "clinic_id", "patient_id", "priority", "status", "opened_at", "waiting_since",
    "last_alert_at", "alert_count", "acknowledged_at", "acknowledged_by", "resolved_at",
    "resolved_by", "outcome",
]
CONTACT_COLUMNS = [
    "case_id", "patient_id", "at", "method", "result", "note", "actor_id", "created_at",
]
FOLLOW_UP_COLUMNS = [
    "patient_id", "last_contact_at", "last_contact_result", "last_contact_method",
    "next_contact_on",
]
# fmt: on
#: Table -> columns, in the order they are copied (a row's foreign keys come first).
TABLES = {
    "treatment_sessions": SESSION_COLUMNS,
    "session_readings": READING_COLUMNS,
    "rems_records": REMS_COLUMNS,
    "intake_trials": TRIAL_COLUMNS,
    "intake_answers": ANSWER_COLUMNS,
    "home_dosing_plans": DOSING_PLAN_COLUMNS,
    "home_doses": DOSE_COLUMNS,
    "booster_forecasts": FORECAST_COLUMNS,
}


def _uuid(rng) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def plan_sessions(template: str, start, now) -> tuple[dict, list]:
    """A template's plan and session times on it from ``start`` up to a day before ``now``
    (a course kept to its plan raises no induction or booster signal at the tick)."""
    plan = course_plans.plan_from_dict({"template": template})
    times, at = [], start
    for phase in plan.phases:
        count = phase.sessions if phase.sessions is not None else 10_000
        for _ in range(count):
            if at > now - timedelta(days=1):
                return plan.to_dict(), times
            times.append(at)
            at += timedelta(days=phase.interval_days - 0.5)
    return plan.to_dict(), times


def session_rows(rng, pid, clinic, course_id, esketamine: bool, times, staff: int, now, out):
    """Each session with its monitoring, readings and (esketamine) REMS record."""
    for at in times:
        sid = _uuid(rng)
        minutes = rng.randint(125, 150) if esketamine else rng.randint(60, 90)
        end = at + timedelta(minutes=minutes)
        devices = rng.choice((2, 3)) if esketamine else None
        weight = rng.uniform(55, 110)
        readings = [
            {"kind": kind, "taken_at": at + timedelta(minutes=offset),
             "systolic": rng.randint(108, 138), "diastolic": rng.randint(64, 86),
             "heart_rate": rng.randint(58, 92), "spo2": rng.randint(95, 99)}
            for kind, offset in (("pre_dose", -10), ("post_40", 40), ("discharge", minutes - 5))
        ]  # fmt: skip
        values = {
            "administered_at": at,
            "modality": "intranasal" if esketamine else "iv",
            "drug": "esketamine" if esketamine else "ketamine",
            "dose_mg": devices * 28 if esketamine else round(0.5 * weight, DOSE_PLACES),
            "dose_mg_per_kg": None if esketamine else 0.5,
            "devices": devices,
            "cadss": rng.randint(0, 30),
            "cadss_form": "full",
            "moaas": rng.choice((4, 5, 5)),
            "sedation": False,
            "dissociation": rng.random() < 0.4,
            "respiratory_depression": False,
            "vitals_ok_pre": True,
            "vitals_ok_discharge": True,
            "monitoring_started_at": at,
            "monitoring_ended_at": end,
            "ready_to_leave_at": end,
            "concomitant_classes": [],
            "serious_adverse_event": False,
            "readings": readings,
        }
        errors = session_errors(values, now, DOSE_PLACES, PER_KG_PLACES)
        if errors:
            raise ValueError(f"a seeded session the API would refuse: {errors}")
        columns = SESSION_COLUMNS[4:-2]
        out["treatment_sessions"].append(
            (sid, pid, course_id, at)
            + tuple(
                json.dumps(values[c]) if c == "concomitant_classes" else values[c] for c in columns
            )
            + (staff, end)
        )
        out["session_readings"].extend(
            (sid, *(r[c] for c in READING_COLUMNS[1:])) for r in readings
        )
        if esketamine:
            due = at + timedelta(days=7)
            submitted = at + timedelta(days=2) if due < now else None
            out["rems_records"].append(
                (_uuid(rng), clinic, pid, sid, due, end, submitted, staff if submitted else None)
            )


def intake_rows(pid, staff: int, signed_at, out: dict) -> None:
    """Two inadequate-response trials of the current episode, and every screen item signed no."""
    for drug, dose, weeks, outcome in TRIALS[:2]:
        out["intake_trials"].append((pid, drug, dose, weeks, True, outcome, True, staff, signed_at))
    out["intake_answers"].extend((pid, item.code, "no", staff, signed_at) for item in SCREEN)


def home_dosing_rows(rng, pid, clinic, staff: int, now, out: dict) -> None:
    """A plan started 60 days ago and a check about every 3.5 days since, through the gate."""
    plan = dosing.stored_plan(HOME_PLAN)
    started = now - timedelta(days=60)
    out["home_dosing_plans"].append(
        (pid, clinic, json.dumps(HOME_PLAN), 1, started, True, started, staff)
    )
    doses: list = []
    at = started + timedelta(hours=20)
    while at < now - timedelta(hours=6):
        vitals = {
            "systolic": rng.randint(105, 150),
            "diastolic": rng.randint(62, 88),
            "heart_rate": rng.randint(56, 96),
        }
        verdict = dosing.gate(plan, vitals, True, False, doses, at)
        dosed = at + timedelta(minutes=5) if verdict.ok else None
        if dosed:
            doses.append(dosed)
        due = dosed + timedelta(minutes=plan.post_check_minutes) if dosed else None
        out["home_doses"].append(
            (_uuid(rng), pid, clinic, 1, f"{rng.getrandbits(256):064x}", at,
             at + timedelta(seconds=3), vitals["systolic"], vitals["diastolic"],
             vitals["heart_rate"], True, False, verdict.ok, json.dumps(list(verdict.reasons)),
             dosed, False, due, due - timedelta(minutes=20) if due else None)
        )  # fmt: skip
        at += timedelta(hours=84)


def forecast_row(pid, course_id, plan: dict, points: dict, times, now) -> tuple:
    """The stored forecast of the patient's course (``api.forecast.operations``)."""
    record = PatientRecord(points, [(course_id, at) for at in times])
    result = course_forecast(record, plan, now)
    due, low, high = due_times(result)
    payload = json.dumps(result.to_dict(), default=str)
    return (pid, course_id, result.reason, due, low, high, payload, now)


def cases_of(alerts: list[tuple], staff: int, rng, now) -> tuple[list, list, list, dict]:
    """Cases of one patient's alert rows (``seed._alert``'s columns, case id filled in place):
    an alert joins the patient's last case unless every alert of that case was resolved by
    then; the unresolved alerts share one case (migration 0010's grouping). Returns the case,
    call and follow-up rows and the alert rows with their case."""
    groups: list[list[tuple]] = []
    for alert in sorted(alerts, key=lambda a: a[10]):
        last = groups[-1] if groups else None
        closed = last and all(a[9] == "resolved" and a[13] <= alert[10] for a in last)
        if last is None or closed or (alert[9] != "resolved") != (last[0][9] != "resolved"):
            groups.append([alert])
        else:
            last.append(alert)
    cases, contacts, with_case = [], [], []
    follow_up = None
    for group in groups:
        case_id = _uuid(rng)
        resolved = all(a[9] == "resolved" for a in group)
        priority = min((a[6] for a in group), key=PRIORITIES.index)
        resolved_at = max(a[13] for a in group) if resolved else None
        outcome = None
        if resolved and priority in OUTCOME_PRIORITIES:
            called = resolved_at - timedelta(hours=2)
            next_on = (resolved_at + timedelta(days=7)).date()
            outcome = {
                "contact": {"made": True, "method": "phone", "at": called.isoformat()},
                "risk_level": "low",
                "plan": ["safety_plan", "follow_up_call"],
                "plan_note": None,
                "next_contact_on": next_on.isoformat(),
            }
            contacts.append(
                (case_id, group[0][2], called, "phone", "reached",
                 "Recorded with the case's outcome.", staff, resolved_at)
            )  # fmt: skip
            follow_up = (group[0][2], called, "reached", "phone", next_on)
        cases.append(
            (case_id, group[0][1], group[0][2], priority, "resolved" if resolved else "open",
             min(a[10] for a in group), min(a[8] for a in group), max(a[10] for a in group),
             len(group), resolved_at, staff if resolved else None, resolved_at,
             staff if resolved else None, json.dumps(outcome) if outcome else None)
        )  # fmt: skip
        with_case.extend((*a, case_id) for a in group)
    return cases, contacts, [follow_up] if follow_up else [], with_case
