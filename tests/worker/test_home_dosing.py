"""At-home dosing through the API (#20): the clinician's plan and its bounds, the pre-dose
check the server gates again, one row per phone id (replays and races), the care team told
of a held dose and of misuse, the post-dose check linked or missed, and bad input refused."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from api.models import Alert, AuditEvent, HomeDose
from tests.support.answers import checkin_body

CALM = {"systolic": 128, "diastolic": 82, "heart_rate": 74}
PLAN = {"form": "sublingual_troche", "dose_mg": 200, "doses_prescribed": 6}


@pytest.fixture
def world(client, make_client, login, create_clinician, create_patient, redeem):
    staff = create_clinician()
    patient = create_patient(staff.clinic)
    staff_client = make_client()
    staff_csrf = login(staff_client, staff)
    csrf = redeem(client, patient)

    def as_staff(method, path, body=None):
        return getattr(staff_client, method)(path, json=body, headers={"X-CSRF-Token": staff_csrf})

    def as_patient(method, path, body=None):
        return getattr(client, method)(path, json=body, headers={"X-CSRF-Token": csrf})

    return {"patient": patient, "staff": as_staff, "me": as_patient, "csrf": csrf, "client": client}


def _plan(world, **changes):
    response = world["staff"](
        "put", f"/api/v1/patients/{world['patient'].id}/home-dosing", {**PLAN, **changes}
    )
    assert response.status_code == 200, response.json
    return response.json


def _check(world, at=None, dosed=True, **values):
    at = at or datetime.now(UTC) - timedelta(minutes=1)
    body = {
        "id": str(uuid.uuid4()),
        "checked_at": at.isoformat(),
        **CALM,
        "monitor_present": True,
        "new_symptoms": False,
        "dosed_at": (at + timedelta(minutes=1)).isoformat() if dosed else None,
        **values,
    }
    return world["me"]("post", "/api/v1/me/home-doses", body), body


def _alerts(db_session, rule):
    return db_session.scalars(sa.select(Alert).where(Alert.rule == rule)).all()


def test_the_plan_is_set_audited_and_reaches_the_phone(world, db_session):
    body = _plan(world)
    assert body["plan"]["systolic_max"] == 160 and body["plan"]["monitor_required"] is True
    assert body["version"] == 1 and body["doses_taken"] == []
    changed = _plan(world, max_per_week=1)
    assert changed["version"] == 2
    mine = world["me"]("get", "/api/v1/me/home-dosing")
    assert mine.status_code == 200 and mine.json["plan"]["max_per_week"] == 1
    actions = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == str(world["patient"].id))
    ).all()
    assert actions.count("dosing.plan_set") == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"form": "iv", "dose_mg": 200, "doses_prescribed": 6}, "form"),
        ({"form": "oral", "doses_prescribed": 6}, "dose_mg"),
        ({"form": "oral", "dose_mg": 5000, "doses_prescribed": 6}, "dose_mg"),
        ({**PLAN, "systolic_max": 230}, "systolic_max"),
        ({**PLAN, "max_per_week": "2"}, "max_per_week"),
        (
            {**PLAN, "post_check_minutes": 300, "post_check_missed_minutes": 240},
            "post_check_missed_minutes",
        ),
        ({**PLAN, "colour": "blue"}, "colour"),
        ({**PLAN, "monitor_name": "J" * 81}, "monitor_name"),
        ({**PLAN, "monitor_name": "Jordan\u200b"}, "monitor_name"),  # not printable
        ({**PLAN, "monitor_name": 7}, "monitor_name"),
    ],
)
def test_a_bad_plan_is_a_422_by_field_and_sets_nothing(world, body, field):
    response = world["staff"]("put", f"/api/v1/patients/{world['patient'].id}/home-dosing", body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert world["me"]("get", "/api/v1/me/home-dosing").json["active"] is False


def test_the_monitor_named_in_the_plan_reaches_the_phone(world, db_session):
    """The home-dosing agreement names the monitor; the phone asks for them by that name."""
    body = _plan(world, monitor_name="  Jordan   (partner) ")
    assert body["plan"]["monitor_name"] == "Jordan (partner)"  # spaces as a name has them
    mine = world["me"]("get", "/api/v1/me/home-dosing").json
    assert mine["plan"]["monitor_name"] == "Jordan (partner)"
    assert _plan(world, monitor_name="")["plan"]["monitor_name"] is None  # "your monitor"
    assert _plan(world)["plan"]["monitor_name"] is None
    # A plan stored before the name existed still reads (and gates) as before.
    from api.models import HomeDosingPlan

    row = db_session.get(HomeDosingPlan, world["patient"].id)
    row.plan = {k: v for k, v in row.plan.items() if k != "monitor_name"}
    db_session.flush()
    response, _ = _check(world)
    assert response.status_code == 201 and response.json["gate_ok"] is True, response.json


def test_no_plan_reads_as_none_for_the_clinic_and_the_phone(world):
    """The patient page reads the plan for every patient: none is a 200, not an error."""
    for response in (
        world["staff"]("get", f"/api/v1/patients/{world['patient'].id}/home-dosing"),
        world["me"]("get", "/api/v1/me/home-dosing"),
    ):
        assert response.status_code == 200
        assert (response.json["active"], response.json["plan"]) == (False, None)


def test_a_check_without_a_plan_is_refused(world, db_session):
    response, _ = _check(world)
    assert response.status_code == 409 and response.json["reason"] == "no_plan"
    assert db_session.scalar(sa.select(sa.func.count(HomeDose.id))) == 0


def test_a_calm_dose_is_recorded_and_its_post_check_falls_due(world, db_session):
    _plan(world)
    response, body = _check(world)
    assert response.status_code == 201, response.json
    assert response.json["gate_ok"] is True and response.json["gate_reasons"] == []
    dosed = datetime.fromisoformat(body["dosed_at"])
    assert datetime.fromisoformat(response.json["post_check_due_at"]) == dosed + timedelta(hours=2)
    # A replay answers with the stored row; the same id with another reading is a 409.
    again = world["me"]("post", "/api/v1/me/home-doses", body)
    assert again.status_code == 200 and again.json["id"] == body["id"]
    other = world["me"]("post", "/api/v1/me/home-doses", {**body, "systolic": 140})
    assert other.status_code == 409
    assert db_session.scalar(sa.select(sa.func.count(HomeDose.id))) == 1
    assert _alerts(db_session, "dose_held") == [] and _alerts(db_session, "dose_misuse") == []


def test_the_dose_log_exports_as_csv_with_its_vitals_and_gate(world, db_session):
    """part=doses: each pre-dose check at home, the gate's verdict, the dose it let through."""
    import csv
    import io

    path = f"/api/v1/patients/{world['patient'].id}/export.csv?part=doses"
    empty = world["staff"]("get", path)
    assert empty.status_code == 200 and empty.mimetype == "text/csv"
    assert list(csv.DictReader(io.StringIO(empty.get_data(as_text=True)))) == []
    _plan(world)
    earlier = datetime.now(UTC) - timedelta(hours=3)
    held, _ = _check(world, at=earlier, dosed=False, systolic=172, diastolic=96)
    taken, _ = _check(world)
    assert (held.status_code, taken.status_code) == (201, 201)
    response = world["staff"]("get", path)
    assert response.status_code == 200
    assert 'filename="waypoint-' in response.headers["Content-Disposition"]
    assert str(world["patient"].id) not in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["dose_id"] for r in rows] == [held.json["id"], taken.json["id"]]
    first, second = rows
    assert first["patient_ref"] == world["patient"].ref
    assert (first["systolic"], first["diastolic"], first["gate_ok"]) == ("172", "96", "False")
    assert first["gate_reasons"] == "bp_high" and first["dosed_at"] == ""
    assert second["gate_ok"] == "True" and second["gate_reasons"] == "none"
    assert (
        second["dosed_at"] and second["post_check_due_at"] and second["monitor_present"] == "True"
    )
    audited = db_session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "patient.export",
            AuditEvent.object_id == str(world["patient"].id),
        )
    ).all()
    assert [(a.detail["part"], a.detail["rows"]) for a in audited] == [("doses", 0), ("doses", 2)]


def test_high_blood_pressure_holds_the_dose_and_tells_the_care_team(world, db_session):
    _plan(world)
    response, _ = _check(world, dosed=False, systolic=172, diastolic=96)
    assert response.status_code == 201
    assert response.json["gate_ok"] is False and response.json["gate_reasons"] == ["bp_high"]
    (alert,) = _alerts(db_session, "dose_held")
    assert alert.priority == "high"
    assert alert.reason == "A dose was held back: blood pressure over the plan's limit"


def test_a_dose_taken_although_too_soon_is_a_misuse_signal(world, db_session):
    from api.models import HomeDosingPlan

    _plan(world)
    now = datetime.now(UTC)
    # The prescription began two days ago.
    db_session.get(HomeDosingPlan, world["patient"].id).prescription_started_at = now - timedelta(
        days=2
    )
    db_session.flush()
    first, _ = _check(world, at=now - timedelta(hours=30))
    assert first.status_code == 201 and first.json["gate_ok"]
    # The phone said no (or was stale); the patient dosed anyway: the server's record says so.
    second, _ = _check(world, at=now - timedelta(minutes=5))
    assert second.json["gate_reasons"] == ["too_soon"]
    (alert,) = _alerts(db_session, "dose_misuse")
    assert "sooner than the plan's interval" in alert.reason
    assert alert.red_flag
    outside = world["me"](
        "post",
        "/api/v1/me/home-doses",
        {
            "id": str(uuid.uuid4()),
            "checked_at": now.isoformat(),
            "outside_app": True,
            "dosed_at": (now - timedelta(hours=1)).isoformat(),
        },
    )
    assert outside.status_code == 201, outside.json
    assert len(_alerts(db_session, "dose_misuse")) == 2


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"systolic": 300}, "systolic"),
        ({"heart_rate": 10}, "heart_rate"),
        ({"systolic": 80, "diastolic": 95}, "diastolic"),
        ({"monitor_present": None}, "monitor_present"),
        ({"systolic": "high"}, "systolic"),
        ({"checked_at": "3026-01-01T00:00:00+00:00"}, "checked_at"),
    ],
)
def test_readings_that_cannot_be_right_are_refused(world, db_session, values, field):
    _plan(world)
    response, _ = _check(world, **values)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert db_session.scalar(sa.select(sa.func.count(HomeDose.id))) == 0


def test_the_post_check_is_linked_or_missed(world, db_session, run_task):
    _plan(world)
    response, body = _check(world, at=datetime.now(UTC) - timedelta(hours=6))
    dose_id = response.json["id"]
    # Another patient's, or a check-in of another kind, cannot answer it.
    phq = world["client"].post(
        "/api/v1/checkins",
        json=checkin_body({f"phq9_{i}": 0 for i in range(1, 10)}),
        headers={"X-CSRF-Token": world["csrf"]},
    )
    wrong = world["me"](
        "post", f"/api/v1/me/home-doses/{dose_id}/post-check", {"checkin_id": phq.json["id"]}
    )
    assert wrong.status_code == 422 and "checkin_id" in wrong.json["errors"]
    # Four hours have passed with no check: the schedule tick tells the care team, once.
    patient = world["patient"]
    result = run_task("waypoint.plan_schedules", [str(patient.id)])
    assert result["signals"] == 1
    (alert,) = _alerts(db_session, "post_dose_check_missed")
    assert alert.reason == "No post-dose check within 4 hours of a dose taken at home"
    assert run_task("waypoint.plan_schedules", [str(patient.id)])["signals"] == 0


def test_one_row_per_phone_id_when_two_sends_race(app, committed_db, make_client):
    from api.auth.operations import create_invite
    from api.auth.passwords import hash_password
    from api.dosing.operations import set_plan
    from api.models import Clinic, StaffUser
    from api.patients.operations import enrol_patient

    with app.test_request_context():
        clinic = Clinic(name=f"Dose race {uuid.uuid4().hex[:6]}")
        committed_db.add(clinic)
        committed_db.flush()
        staff = StaffUser(
            clinic_id=clinic.id,
            email=f"d-{uuid.uuid4().hex[:6]}@example.org",
            name="Doc",
            password_hash=hash_password("x" * 20),
        )
        committed_db.add(staff)
        patient = enrol_patient(clinic, display_name="Racing doser")
        committed_db.flush()
        set_plan(patient, PLAN, staff)
        committed_db.commit()
    pairs = []
    for _ in range(2):  # two devices, each its own session
        with app.test_request_context():
            token = create_invite(patient).rsplit("/", 1)[1]
            committed_db.commit()
        c = make_client()
        pairs.append((c, c.post("/api/v1/auth/redeem", json={"token": token}).json["csrf_token"]))
    at = datetime.now(UTC) - timedelta(minutes=2)
    body = {
        "id": str(uuid.uuid4()),
        "checked_at": at.isoformat(),
        **CALM,
        "monitor_present": True,
        "new_symptoms": False,
        "dosed_at": (at + timedelta(minutes=1)).isoformat(),
    }
    barrier, statuses = threading.Barrier(2), []

    def send(pair):
        barrier.wait()
        statuses.append(
            pair[0]
            .post("/api/v1/me/home-doses", json=body, headers={"X-CSRF-Token": pair[1]})
            .status_code
        )

    threads = [threading.Thread(target=send, args=(p,)) for p in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(statuses) == [200, 201]
    committed_db.rollback()
    count = committed_db.scalar(
        sa.select(sa.func.count(HomeDose.id)).where(HomeDose.patient_id == patient.id)
    )
    assert count == 1


def _started_days_ago(db_session, world, days):
    from api.models import HomeDosingPlan

    row = db_session.get(HomeDosingPlan, world["patient"].id)
    row.prescription_started_at = datetime.now(UTC) - timedelta(days=days)
    db_session.flush()


def test_a_dose_sent_late_is_weighed_against_the_doses_after_it(world, db_session):
    """A review sent dose B (2 h ago) and then dose A (26 h ago, a phone that was offline):
    72 h apart is the plan, and neither was flagged. The late one now is, or the one after."""
    _plan(world)
    _started_days_ago(db_session, world, 3)
    now = datetime.now(UTC)
    later, _ = _check(world, at=now - timedelta(hours=2))
    assert later.json["gate_ok"] is True
    earlier, _ = _check(world, at=now - timedelta(hours=26))
    assert earlier.status_code == 201 and earlier.json["gate_ok"] is True
    db_session.expire_all()
    stored = db_session.get(HomeDose, uuid.UUID(later.json["id"]))
    assert (stored.gate_ok, stored.gate_reasons) == (False, ["too_soon"])
    (alert,) = _alerts(db_session, "dose_misuse")
    assert "sooner than the plan's interval" in alert.reason


def test_a_replay_after_the_plan_stopped_answers_as_stored(world, db_session):
    _plan(world)
    first, body = _check(world)
    stopped = world["staff"]("delete", f"/api/v1/patients/{world['patient'].id}/home-dosing")
    assert stopped.status_code == 200
    again = world["me"]("post", "/api/v1/me/home-doses", body)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    new, _ = _check(world, dosed=False)
    assert new.status_code == 409 and new.json["reason"] == "no_plan"


def test_a_dose_sent_after_the_plan_stopped_is_kept_and_flagged(world, db_session):
    """A phone offline while the plan was stopped sends its dose later: it was refused (a
    409 the phone keeps as refused), so the server lost the dose, and the "not safe" after it
    (which names the dose) was refused too."""
    _plan(world)
    _started_days_ago(db_session, world, 5)
    before, _ = _check(world, at=datetime.now(UTC) - timedelta(hours=80))
    stopped = world["staff"]("delete", f"/api/v1/patients/{world['patient'].id}/home-dosing")
    assert stopped.status_code == 200
    # Taken before the stop (sent late): recorded as its gate says.
    late, _ = _check(world, at=datetime.now(UTC) - timedelta(hours=4), dosed=True)
    assert late.status_code == 201 and late.json["gate_reasons"] == []
    # Taken after the stop: recorded, and a misuse signal with its reason.
    after, _ = _check(world, at=datetime.now(UTC) + timedelta(seconds=1))
    assert after.status_code == 201, after.json
    assert "plan_stopped" in after.json["gate_reasons"] and after.json["dosed_at"]
    (misuse,) = _alerts(db_session, "dose_misuse")
    assert "home dosing had been stopped" in misuse.reason
    unsafe = world["me"](
        "post",
        f"/api/v1/me/home-doses/{after.json['id']}/unsafe",
        {"answered_at": datetime.now(UTC).isoformat()},
    )
    assert unsafe.status_code == 200
    assert len(_alerts(db_session, "dose_unsafe")) == 1
    assert before.json["gate_ok"] is True


def test_a_dose_timed_before_the_prescription_is_flagged_not_lost(world, db_session):
    """A check dated years back once fell outside every count and passed."""
    _plan(world)
    response, _ = _check(world, at=datetime(2001, 1, 1, tzinfo=UTC))
    assert response.status_code == 201
    assert "before_prescription" in response.json["gate_reasons"]
    (alert,) = _alerts(db_session, "dose_misuse")
    assert "before the current prescription began" in alert.reason


def test_a_post_check_answered_before_the_dose_does_not_count(world, db_session):
    """Any post-session check-in once answered a dose's check, one from before it too."""
    import surveys

    definition = surveys.get_definition("post_session")
    calm = {i.link_id: min(i.values) for i in definition.items if i.type == "choice"}
    now = datetime.now(UTC)
    before = world["client"].post(
        "/api/v1/checkins",
        json=checkin_body(calm, instrument="post_session", completed_at=now - timedelta(hours=3)),
        headers={"X-CSRF-Token": world["csrf"]},
    )
    assert before.status_code == 201, before.json
    _plan(world)
    response, _ = _check(world, at=now - timedelta(hours=2))
    url = f"/api/v1/me/home-doses/{response.json['id']}/post-check"
    wrong = world["me"]("post", url, {"checkin_id": before.json["id"]})
    assert wrong.status_code == 422 and "checkin_id" in wrong.json["errors"]
    after = world["client"].post(
        "/api/v1/checkins",
        json=checkin_body(calm, instrument="post_session"),
        headers={"X-CSRF-Token": world["csrf"]},
    )
    answered = world["me"]("post", url, {"checkin_id": after.json["id"]})
    assert answered.status_code == 200 and answered.json["post_check_at"]


def test_a_dose_reported_outside_the_app_keeps_its_own_time(world, db_session):
    """It was once moved to its report's time, and the check that followed did not count it."""
    _plan(world)
    now = datetime.now(UTC)
    taken = now - timedelta(hours=5)
    outside = world["me"](
        "post",
        "/api/v1/me/home-doses",
        {
            "id": str(uuid.uuid4()),
            "checked_at": now.isoformat(),
            "outside_app": True,
            "dosed_at": taken.isoformat(),
        },
    )
    assert outside.status_code == 201, outside.json
    assert datetime.fromisoformat(outside.json["dosed_at"]) == taken
    held, _ = _check(world, at=now, dosed=False)
    assert held.json["gate_reasons"] == ["too_soon"]


def test_not_safe_after_a_dose_is_urgent_once(world, db_session):
    _plan(world)
    response, _ = _check(world)
    url = f"/api/v1/me/home-doses/{response.json['id']}/unsafe"
    body = {"answered_at": datetime.now(UTC).isoformat()}
    first = world["me"]("post", url, body)
    assert first.status_code == 200, first.json
    again = world["me"]("post", url, body)
    assert again.status_code == 200
    (alert,) = _alerts(db_session, "dose_unsafe")
    assert alert.priority == "urgent"
    assert alert.reason == "Said after a dose taken at home that they do not feel safe"
    assert alert.red_flag  # the panel keeps "Not safe after a home dose" until resolved and after
    # A check that let no dose through, or no such dose: 404, nothing raised.
    held, _ = _check(world, dosed=False)
    missing = world["me"]("post", f"/api/v1/me/home-doses/{held.json['id']}/unsafe", body)
    assert missing.status_code == 404
    bad = world["me"]("post", url, {"answered_at": "yesterday"})
    assert bad.status_code == 422 and "answered_at" in bad.json["errors"]
    assert len(_alerts(db_session, "dose_unsafe")) == 1


def test_another_patients_dose_is_a_404_and_the_refusal_is_audited(
    world, db_session, make_client, create_patient, redeem
):
    """Both routes that name a dose by its id (the post-dose check, "not safe")."""
    _plan(world)
    response, _ = _check(world)
    dose_id = response.json["id"]
    stranger = create_patient(world["patient"].clinic)
    client = make_client()
    csrf = redeem(client, stranger)
    for action, tail, body in (
        ("dosing.post_check", "post-check", {"checkin_id": str(uuid.uuid4())}),
        ("dosing.unsafe", "unsafe", {"answered_at": datetime.now(UTC).isoformat()}),
    ):
        refused = client.post(
            f"/api/v1/me/home-doses/{dose_id}/{tail}", json=body, headers={"X-CSRF-Token": csrf}
        )
        assert refused.status_code == 404 and refused.json["message"] == "No such dose."
        (event,) = db_session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.object_id == str(dose_id)
            )
        ).all()
        assert event.outcome == "denied"
    assert _alerts(db_session, "dose_unsafe") == []


def test_a_dose_before_a_new_prescription_still_reaches_the_phones_gate(world, db_session):
    """The phone was sent only the doses on the current prescription, while the server's gate
    weighs the week and the interval before too: a dose the day before a new prescription was
    let through on the phone and then flagged as misuse."""
    _plan(world)
    _started_days_ago(db_session, world, 3)
    taken, _ = _check(world, at=datetime.now(UTC) - timedelta(hours=24))
    assert taken.json["gate_ok"] is True
    renewed = _plan(world, new_prescription=True)
    mine = world["me"]("get", "/api/v1/me/home-dosing").json
    started = datetime.fromisoformat(mine["prescription_started_at"])
    (dose,) = [datetime.fromisoformat(at) for at in mine["doses_taken"]]
    assert dose == datetime.fromisoformat(taken.json["dosed_at"]) and dose < started
    assert renewed["doses_taken"] == mine["doses_taken"]
    # The server's gate holds the next dose as too soon, not against the new prescription.
    held, _ = _check(world, dosed=False)
    assert held.json["gate_reasons"] == ["too_soon"]


def test_not_safe_after_a_dose_is_told_even_while_an_item_9_case_waits(world, db_session):
    """A case holding an unacknowledged item-9 alert still tells the care team of a patient
    who says they are not safe after a home dose: another emergency, not a repeat of the first
    (api/pipeline/cases.py). A held dose joins that case quietly: the gate worked."""
    from tests.support.answers import phq9

    _plan(world)
    body = checkin_body(phq9(q9=2))
    assert world["me"]("post", "/api/v1/checkins", body).status_code == 201
    (first,) = _alerts(db_session, "suicidal_ideation")
    assert first.notify and first.red_flag
    held, _ = _check(world, dosed=False, systolic=182, diastolic=104)
    assert held.json["gate_ok"] is False
    (gate,) = _alerts(db_session, "dose_held")
    assert gate.case_id == first.case_id and not gate.notify and not gate.red_flag
    response, _ = _check(world)
    url = f"/api/v1/me/home-doses/{response.json['id']}/unsafe"
    told = world["me"]("post", url, {"answered_at": datetime.now(UTC).isoformat()})
    assert told.status_code == 200, told.json
    (unsafe,) = _alerts(db_session, "dose_unsafe")
    assert unsafe.case_id == first.case_id
    assert unsafe.notify and unsafe.red_flag


def test_a_plans_blanks_take_the_clinics_defaults_and_its_own_values_win(world, db_session):
    """Issue #20: the limits default from published practice, tunable per clinic and per
    patient: a clinic's ``home_*`` settings fill what a clinician leaves blank."""
    patient = world["patient"]
    before = world["staff"]("get", f"/api/v1/patients/{patient.id}/home-dosing").json
    assert before["defaults"]["systolic_max"] == 160 and before["defaults"]["monitor_required"]
    patient.clinic.rule_settings = {
        "home_systolic_max": 150,
        "home_min_interval_hours": 96,
        "home_monitor_required": False,
    }
    db_session.flush()
    body = _plan(world)
    assert body["defaults"]["systolic_max"] == 150
    plan = body["plan"]
    assert (plan["systolic_max"], plan["min_interval_hours"], plan["monitor_required"]) == (
        150,
        96,
        False,
    )
    assert plan["diastolic_max"] == 90  # not set by the clinic: Waypoint's
    own = _plan(world, systolic_max=140, monitor_required=True)["plan"]
    assert (own["systolic_max"], own["monitor_required"]) == (140, True)
    # The phone gets the plan itself, whatever the clinic's defaults say later.
    patient.clinic.rule_settings = {"home_systolic_max": 130}
    db_session.flush()
    mine = world["me"]("get", "/api/v1/me/home-dosing").json
    assert mine["plan"]["systolic_max"] == 140


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"home_systolic_max": 119}, "rule_settings.home_systolic_max"),
        ({"home_max_per_week": 8}, "rule_settings.home_max_per_week"),
        ({"home_monitor_required": "yes"}, "rule_settings.home_monitor_required"),
        ({"home_post_check_minutes": 240, "home_post_check_missed_minutes": 240}, "rule_settings"),
    ],
)
def test_a_clinic_default_out_of_bounds_is_a_422_and_changes_nothing(
    make_client, login, create_clinician, db_session, settings, field
):
    from api.models import Clinic

    admin = create_clinician(role="admin")
    client = make_client()
    csrf = login(client, admin)
    response = client.patch(
        "/api/v1/clinic/settings", json={"rule_settings": settings}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 422, response.json
    assert any(key.startswith(field) for key in response.json["errors"]), response.json
    db_session.expire_all()
    assert db_session.get(Clinic, admin.clinic_id).rule_settings == {}


def test_dose_accounting_is_in_absolute_time_across_a_dst_change():
    """The interval and the week are counted in elapsed hours, in whatever zone the phone or
    the clinic is: across the US fall-back night (2026-11-01, New York) a 72-hour interval is
    72 real hours, though the wall clock shows 73; across spring-forward it shows 71."""
    from zoneinfo import ZoneInfo

    from surveys.dosing import gate, plan_from_dict

    york = ZoneInfo("America/New_York")
    plan = plan_from_dict({**PLAN, "doses_prescribed": 10})
    vitals = dict(CALM)
    for first in (
        datetime(2026, 10, 31, 9, 0, tzinfo=york),
        datetime(2027, 3, 13, 9, 0, tzinfo=york),
    ):
        after = first.astimezone(UTC) + timedelta(hours=72)
        early = gate(plan, vitals, True, False, [first], after - timedelta(minutes=1))
        assert early.reasons == ("too_soon",) and early.next_at == after
        assert gate(plan, vitals, True, False, [first], after).ok
        wall = after.astimezone(york).replace(tzinfo=None) - first.replace(tzinfo=None)
        assert wall != timedelta(hours=72)  # the clock moved; the count did not
        # In Tokyo's zone (no DST) the same instants give the same answers.
        tokyo = ZoneInfo("Asia/Tokyo")
        again = gate(plan, vitals, True, False, [first.astimezone(tokyo)], after.astimezone(tokyo))
        assert again.ok
    # The week is the 168 real hours before now (UTC arithmetic here: Python adds hours to a
    # New York time on its wall clock), across the fall-back night too.
    week = datetime(2026, 10, 28, 13, 0, tzinfo=UTC)
    doses = [week.astimezone(york), (week + timedelta(hours=84)).astimezone(york)]
    full = gate(plan, vitals, True, False, doses, week + timedelta(hours=167, minutes=59))
    assert "weekly_max" in full.reasons
    assert (
        "weekly_max"
        not in gate(plan, vitals, True, False, doses, week + timedelta(hours=168)).reasons
    )
