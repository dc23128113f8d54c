"""Cases (issue #17 item 2): a patient's alerts of one episode are one case with one
notification, one acknowledge and one resolve; resolving an urgent or imminent case needs a
documented outcome; the call log feeds the panel; races between alerts joining and a
clinician acknowledging leave no alert unseen."""

import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from api.models import Alert, Case, Delivery, FollowUp
from api.models.base import utcnow
from api.pipeline.alerts import raise_alerts
from api.pipeline.notify import notify_first_round
from surveys import RuleHit
from tests.support.cases import outcome


def _hit(rule, priority):
    return RuleHit(f"test:{uuid.uuid4()}", rule, priority, f"{rule} for the test")


def _raise(patient, *hits):
    """Raise ``hits`` and their first round, as the pipeline does; the alerts raised."""
    alerts = raise_alerts(patient, list(hits))
    notify_first_round(alerts, utcnow())
    return alerts


@pytest.fixture
def staff(make_client, login, team):
    client = make_client()
    csrf = login(client, team.clinician)

    def post(path, body=None):
        return client.post(path, json=body or {}, headers={"X-CSRF-Token": csrf})

    client.post_json = post
    return client


def _deliveries(db_session, alert):
    return db_session.scalar(
        sa.select(sa.func.count(Delivery.id)).where(Delivery.alert_id == alert.id)
    )


def test_an_evenings_alerts_are_one_case_with_one_notification(staff, team, db_session):
    # One check-in's hits, least pressing first: the case opens on the most pressing.
    alerts = _raise(
        team.patient,
        _hit("severe", "high"),
        _hit("suicidal_ideation", "urgent"),
        _hit("imminent", "imminent"),
    )
    later = _raise(team.patient, _hit("worsening", "high"))
    by_rule = {a.rule: a for a in alerts + later}
    assert len({a.case_id for a in by_rule.values()}) == 1
    assert [r for r, a in by_rule.items() if a.notify] == ["imminent"]
    assert _deliveries(db_session, by_rule["imminent"]) > 0
    assert sum(_deliveries(db_session, a) for a in by_rule.values()) == _deliveries(
        db_session, by_rule["imminent"]
    )
    # Only the notified alert escalates.
    assert [a.rule for a in by_rule.values() if a.escalate_at is not None] == ["imminent"]

    page = staff.get("/api/v1/cases?status=open").json
    (case,) = page["items"]
    assert page["total"] == 1 and page["open"]["imminent"] == 1
    assert case["priority"] == "imminent" and case["alert_count"] == 4
    assert [a["priority"] for a in case["alerts"]] == ["imminent", "urgent", "high", "high"]
    assert case["outcome_required"] is True

    acked = staff.post_json(f"/api/v1/cases/{case['id']}/acknowledge", {"seen_alerts": 4})
    assert acked.status_code == 200, acked.json
    assert {a["status"] for a in acked.json["alerts"]} == {"acknowledged"}
    db_session.expire_all()
    assert all(db_session.get(Alert, a.id).escalate_at is None for a in by_rule.values())
    # One acknowledgement on the case's timeline, not one per alert.
    kinds = [e["kind"] for e in acked.json["timeline"]]
    assert kinds.count("acknowledged") == 1 and kinds.count("created") == 4


def test_a_more_pressing_alert_is_notified_and_takes_the_escalation(team, db_session):
    (urgent,) = _raise(team.patient, _hit("suicidal_ideation", "urgent"))
    assert urgent.notify and urgent.escalate_at is not None
    (imminent,) = _raise(team.patient, _hit("imminent", "imminent"))
    db_session.expire_all()
    case = db_session.get(Case, urgent.case_id)
    assert imminent.case_id == case.id and case.priority == "imminent"
    assert imminent.notify and _deliveries(db_session, imminent) > 0
    assert db_session.get(Alert, urgent.id).escalate_at is None
    assert db_session.get(Alert, imminent.id).escalate_at is not None


def test_joining_an_acknowledged_case(staff, team, db_session):
    (first,) = _raise(team.patient, _hit("worsening", "high"))
    case_id = first.case_id
    assert staff.post_json(f"/api/v1/cases/{case_id}/acknowledge").status_code == 200

    # No more pressing, no safety screen, inside the window: joins quietly, shown as new.
    (quiet,) = _raise(team.patient, _hit("missed_checkins", "routine"))
    assert quiet.case_id == case_id and not quiet.notify
    assert _deliveries(db_session, quiet) == 0
    body = staff.get(f"/api/v1/cases/{case_id}").json
    assert body["status"] == "acknowledged" and body["new_since_acknowledged"] == 1
    # Acknowledging again covers the new one.
    again = staff.post_json(f"/api/v1/cases/{case_id}/acknowledge")
    assert again.status_code == 200 and again.json["new_since_acknowledged"] == 0
    assert staff.post_json(f"/api/v1/cases/{case_id}/acknowledge").json["reason"] == (
        "case_acknowledged"
    )

    # A positive safety screen of the same priority as nothing before: the case reopens and
    # the care team is told.
    (screen,) = _raise(team.patient, _hit("bp_crisis_signs", "high"))
    db_session.expire_all()
    case = db_session.get(Case, case_id)
    assert screen.red_flag and screen.notify and case.status == "open"
    assert case.acknowledged_at is None and _deliveries(db_session, screen) > 0


def test_after_the_window_a_further_alert_reopens_the_case(staff, team, db_session):
    (first,) = _raise(team.patient, _hit("worsening", "high"))
    assert staff.post_json(f"/api/v1/cases/{first.case_id}/acknowledge").status_code == 200
    case = db_session.get(Case, first.case_id)
    case.acknowledged_at -= timedelta(hours=25)  # past the default case_window_hours of 24
    db_session.flush()
    (late,) = _raise(team.patient, _hit("missed_checkins", "routine"))
    assert late.case_id == case.id and late.notify
    db_session.refresh(case)
    assert case.status == "open"


def test_a_case_changed_since_it_was_seen_is_not_acknowledged(staff, team, db_session):
    (first,) = _raise(team.patient, _hit("worsening", "high"))
    _raise(team.patient, _hit("severe", "high"))
    response = staff.post_json(f"/api/v1/cases/{first.case_id}/acknowledge", {"seen_alerts": 1})
    assert response.status_code == 409 and response.json["reason"] == "case_changed"
    db_session.expire_all()
    assert db_session.get(Case, first.case_id).status == "open"
    assert db_session.get(Alert, first.id).status == "open"


BAD_OUTCOMES = {
    "no outcome": (None, "outcome"),
    "reached, but not how": (
        outcome(contact={"made": True, "at": datetime.now(UTC).isoformat()}),
        "outcome.contact.method",
    ),
    "no plan": (outcome(plan=[]), "outcome.plan"),
    "unknown plan": (outcome(plan=["prayer"]), "outcome.plan.0"),
    "unknown risk level": (outcome(risk_level="medium"), "outcome.risk_level"),
    "next contact in the past": (
        outcome(next_contact_on=(date.today() - timedelta(days=3)).isoformat()),
        "outcome.next_contact_on",
    ),
    "next contact too far": (
        outcome(next_contact_on=(date.today() + timedelta(days=200)).isoformat()),
        "outcome.next_contact_on",
    ),
    "contact in the future": (
        outcome(
            contact={
                "made": True,
                "method": "phone",
                "at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
            }
        ),
        "outcome.contact.at",
    ),
    "not reached, nothing sent": (
        outcome(contact={"made": False}, plan=["follow_up_call"]),
        "outcome.contact.made",
    ),
}


@pytest.mark.parametrize("name", BAD_OUTCOMES)
def test_an_urgent_case_resolves_only_with_a_complete_outcome(staff, team, db_session, name):
    body, field = BAD_OUTCOMES[name]
    (alert,) = _raise(team.patient, _hit("suicidal_ideation", "urgent"))
    response = staff.post_json(f"/api/v1/cases/{alert.case_id}/resolve", {"outcome": body})
    assert response.status_code == 422, response.json
    errors = response.json["errors"]
    assert any(key == field or key.endswith(field) for key in errors), errors
    db_session.expire_all()
    assert db_session.get(Case, alert.case_id).status == "open"
    assert db_session.get(Alert, alert.id).status == "open"
    assert db_session.get(FollowUp, team.patient.id) is None


def test_resolving_with_the_outcome_resolves_every_alert_and_plans_the_follow_up(
    staff, team, db_session
):
    alerts = _raise(team.patient, _hit("suicidal_ideation", "urgent"), _hit("severe", "high"))
    case_id = alerts[0].case_id
    tried = staff.post_json(
        f"/api/v1/cases/{case_id}/contacts", {"method": "phone", "result": "tried"}
    )
    assert tried.status_code == 201, tried.json
    reached = staff.post_json(
        f"/api/v1/cases/{case_id}/contacts",
        {"method": "phone", "result": "reached", "note": "Talked for 20 minutes."},
    )
    assert [c["result"] for c in reached.json["contacts"]] == ["tried", "reached"]
    assert reached.json["contacts"][1]["by"]["id"] == team.clinician.id
    next_on = (date.today() + timedelta(days=1)).isoformat()
    body = outcome(next_contact_on=next_on, risk_level="moderate")
    resolved = staff.post_json(
        f"/api/v1/cases/{case_id}/resolve", {"note": "Seen same day.", "outcome": body}
    )
    assert resolved.status_code == 200, resolved.json
    case = resolved.json
    assert case["status"] == "resolved" and {a["status"] for a in case["alerts"]} == {"resolved"}
    assert case["outcome"]["risk_level"] == "moderate"
    assert case["outcome"]["plan"] == ["safety_plan", "follow_up_call"]
    assert case["outcome"]["next_contact_on"] == next_on
    assert case["resolved_by"]["id"] == team.clinician.id
    assert [e["kind"] for e in case["timeline"]].count("resolved") == 1
    assert {"contact_tried", "contact_reached"} <= {e["kind"] for e in case["timeline"]}
    follow_up = db_session.get(FollowUp, team.patient.id)
    assert (follow_up.last_contact_result, follow_up.next_contact_on.isoformat()) == (
        "reached",
        next_on,
    )
    assert staff.post_json(f"/api/v1/cases/{case_id}/resolve", {"outcome": body}).json[
        "reason"
    ] == ("case_resolved")

    # A later alert opens a new case: the resolved one keeps its documented outcome.
    (new,) = _raise(team.patient, _hit("worsening", "high"))
    assert new.case_id != case_id and new.notify


def test_not_reached_is_resolved_only_with_emergency_services(staff, team):
    (alert,) = _raise(team.patient, _hit("imminent", "imminent"))
    body = outcome(contact={"made": False}, plan=["emergency_services"], risk_level="high")
    response = staff.post_json(f"/api/v1/cases/{alert.case_id}/resolve", {"outcome": body})
    assert response.status_code == 200, response.json
    assert response.json["outcome"]["contact"] == {"made": False, "method": None, "at": None}


def test_a_routine_case_resolves_with_a_note_alone(staff, team):
    (alert,) = _raise(team.patient, _hit("not_on_track", "routine"))
    response = staff.post_json(f"/api/v1/cases/{alert.case_id}/resolve", {"note": "Reviewed."})
    assert response.status_code == 200 and response.json["outcome"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"method": "pigeon", "result": "reached"},
        {"method": "phone"},
        {"method": "phone", "result": "reached", "at": "yesterday"},
        {"method": "phone", "result": "reached", "note": "x" * 2001},
    ],
)
def test_a_bad_contact_is_a_422_and_logs_nothing(staff, team, db_session, body):
    (alert,) = _raise(team.patient, _hit("worsening", "high"))
    response = staff.post_json(f"/api/v1/cases/{alert.case_id}/contacts", body)
    assert response.status_code == 422, response.json
    assert staff.get(f"/api/v1/cases/{alert.case_id}").json["contacts"] == []


def test_a_contact_in_the_future_is_refused(staff, team):
    (alert,) = _raise(team.patient, _hit("worsening", "high"))
    at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = staff.post_json(
        f"/api/v1/cases/{alert.case_id}/contacts", {"method": "phone", "result": "tried", "at": at}
    )
    assert response.status_code == 422 and "at" in response.json["errors"]


def test_another_clinics_case_is_a_404_and_unchanged(
    make_client, login, create_clinician, team, db_session
):
    (alert,) = _raise(team.patient, _hit("worsening", "high"))
    stranger = make_client()
    csrf = login(stranger, create_clinician())
    headers = {"X-CSRF-Token": csrf}
    assert stranger.get(f"/api/v1/cases/{alert.case_id}").status_code == 404
    for action, body in (
        ("acknowledge", {}),
        ("resolve", {}),
        ("contacts", {"method": "phone", "result": "tried"}),
    ):
        response = stranger.post(
            f"/api/v1/cases/{alert.case_id}/{action}", json=body, headers=headers
        )
        assert response.status_code == 404, action
    assert stranger.get("/api/v1/cases").json["items"] == []
    db_session.expire_all()
    assert db_session.get(Case, alert.case_id).status == "open"


def test_the_case_list_pages_and_rejects_bad_filters(staff, team, db_session):
    from api.patients.operations import enrol_patient

    for n in range(5):
        patient = enrol_patient(team.clinic, display_name=f"Case page {n}")
        _raise(patient, _hit("worsening", "high"))
    first = staff.get("/api/v1/cases?limit=2").json
    second = staff.get(f"/api/v1/cases?limit=2&cursor={first['next_cursor']}").json
    third = staff.get(f"/api/v1/cases?limit=2&cursor={second['next_cursor']}").json
    ids = [c["id"] for page in (first, second, third) for c in page["items"]]
    assert len(ids) == len(set(ids)) == 5 and third["next_cursor"] is None
    assert staff.get("/api/v1/cases?status=closed").status_code == 422
    assert staff.get("/api/v1/cases?cursor=forged").status_code == 400


# --- races, with real commits --------------------------------------------------------------


def _in_threads(app, *calls):
    """Run each call in its own app context and transaction, all released at once."""
    from api.extensions import db

    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        with app.app_context():
            try:
                barrier.wait()
                call()
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


def _committed_patient(app, committed_db):
    from api.models import Clinic
    from api.patients.operations import enrol_patient

    with app.test_request_context():
        clinic = Clinic(name=f"Case race {uuid.uuid4().hex[:6]}")
        committed_db.add(clinic)
        committed_db.flush()
        patient = enrol_patient(clinic, display_name="Racing")
        committed_db.commit()
        return patient.id


def _raiser(patient_id, rule, priority):
    from api.extensions import db
    from api.models import Patient

    def call():
        _raise(db.session.get(Patient, patient_id), _hit(rule, priority))

    return call


def test_alerts_racing_to_open_a_case_make_one(app, committed_db):
    patient_id = _committed_patient(app, committed_db)
    # One priority: whichever opens the case, the others join it without a notification
    # (a more pressing one joining would rightly be notified: that is another test).
    rules = [("worsening", "high"), ("severe", "high"), ("worsening", "high")]
    for _ in range(3):  # a race lost one round can be won the next
        _in_threads(app, *(_raiser(patient_id, r, p) for r, p in rules))
    committed_db.rollback()
    cases = committed_db.scalars(sa.select(Case).where(Case.patient_id == patient_id)).all()
    alerts = committed_db.scalars(sa.select(Alert).where(Alert.patient_id == patient_id)).all()
    assert len(cases) == 1 and len(alerts) == 9
    assert {a.case_id for a in alerts} == {cases[0].id} and cases[0].alert_count == 9
    assert sum(a.notify for a in alerts) == 1


def test_a_safety_screen_racing_an_acknowledgement_is_never_left_unseen(app, committed_db):
    from api.cases.operations import acknowledge_case, lock_case
    from api.extensions import db
    from api.models import Patient, StaffUser

    patient_id = _committed_patient(app, committed_db)
    with app.app_context():
        patient = committed_db.get(Patient, patient_id)
        nurse = StaffUser(
            clinic_id=patient.clinic_id,
            email=f"nurse-{uuid.uuid4().hex[:6]}@example.org",
            name="Nurse",
            password_hash="x",
        )
        committed_db.add(nurse)
        committed_db.commit()
        nurse_id, clinic_id = nurse.id, patient.clinic_id
    for _ in range(4):
        with app.app_context():
            _raise(committed_db.get(Patient, patient_id), _hit("worsening", "high"))
            committed_db.commit()
            case_id = committed_db.scalar(
                sa.select(Case.id).where(Case.patient_id == patient_id, Case.status == "open")
            )

        def acknowledge(case_id=case_id):
            acknowledge_case(
                lock_case(case_id, clinic_id), db.session.get(StaffUser, nurse_id), None
            )

        _in_threads(app, acknowledge, _raiser(patient_id, "bp_crisis_signs", "high"))
        committed_db.rollback()
        screen = committed_db.scalars(
            sa.select(Alert)
            .where(Alert.patient_id == patient_id, Alert.rule == "bp_crisis_signs")
            .order_by(Alert.created_at.desc())
        ).first()
        case = committed_db.get(Case, screen.case_id)
        # Either the acknowledgement covered it (it joined first), or it reopened the case
        # and was notified (it joined after): never an open screen in an acknowledged case.
        covered = screen.status == "acknowledged" and case.status == "acknowledged"
        reopened = screen.status == "open" and screen.notify and case.status == "open"
        assert covered or reopened
        with app.app_context():  # close the round's case for the next
            for alert in committed_db.scalars(
                sa.select(Alert).where(Alert.case_id == case.id, Alert.status != "resolved")
            ):
                alert.status = "resolved"
                alert.resolved_at = utcnow()
            case.status = "resolved"
            committed_db.commit()


def test_the_panel_shows_the_last_contact_and_the_next_follow_up(staff, team, db_session):
    def row():
        items = staff.get("/api/v1/patients?limit=200").json["items"]
        return next(r for r in items if r["id"] == str(team.patient.id))

    assert row()["follow_up"] is None
    (alert,) = _raise(team.patient, _hit("suicidal_ideation", "urgent"))
    staff.post_json(
        f"/api/v1/cases/{alert.case_id}/contacts", {"method": "text", "result": "tried"}
    )
    follow_up = row()["follow_up"]
    assert (follow_up["last_contact_result"], follow_up["last_contact_method"]) == ("tried", "text")
    assert follow_up["next_contact_on"] is None and follow_up["next_contact_overdue"] is False

    next_on = (date.today() + timedelta(days=3)).isoformat()
    resolved = staff.post_json(
        f"/api/v1/cases/{alert.case_id}/resolve", {"outcome": outcome(next_contact_on=next_on)}
    )
    assert resolved.status_code == 200, resolved.json
    assert row()["follow_up"]["next_contact_on"] == next_on
    # The planned day passes with no contact logged since: the row says it is overdue.
    # (The resolution's contact is in the log: reached just now. Move both into the past.)
    follow_up = db_session.get(FollowUp, team.patient.id)
    assert follow_up.last_contact_result == "reached"
    # Two days back: "today" is the clinic's, which is yesterday's UTC date just after midnight.
    follow_up.last_contact_at = datetime.now(UTC) - timedelta(days=4)
    follow_up.next_contact_on = datetime.now(UTC).date() - timedelta(days=2)
    db_session.flush()
    assert row()["follow_up"]["next_contact_overdue"] is True, row()


def test_the_outcomes_contact_is_in_the_call_log(staff, team, db_session):
    (alert,) = _raise(team.patient, _hit("suicidal_ideation", "urgent"))
    at = datetime.now(UTC) - timedelta(minutes=20)
    body = outcome(contact={"made": True, "method": "video", "at": at.isoformat()})
    resolved = staff.post_json(f"/api/v1/cases/{alert.case_id}/resolve", {"outcome": body})
    assert resolved.status_code == 200, resolved.json
    (contact,) = resolved.json["contacts"]
    assert (contact["result"], contact["method"]) == ("reached", "video")
    follow_up = db_session.get(FollowUp, team.patient.id)
    assert (follow_up.last_contact_result, follow_up.last_contact_method) == ("reached", "video")


def test_an_unanswered_reached_is_refused(staff, team):
    (alert,) = _raise(team.patient, _hit("suicidal_ideation", "urgent"))
    body = outcome(contact={"made": None})
    response = staff.post_json(f"/api/v1/cases/{alert.case_id}/resolve", {"outcome": body})
    assert response.status_code == 422 and "outcome.contact.made" in response.json["errors"]


def test_an_acknowledged_case_without_its_time_reopens_rather_than_fails(team, db_session):
    """A migrated or hand-made row marked acknowledged with no time: the next alert reopens
    it and is notified (the safety path never raises on a row it did not write)."""
    (first,) = _raise(team.patient, _hit("worsening", "high"))
    case = db_session.get(Case, first.case_id)
    case.status, case.acknowledged_at = "acknowledged", None
    db_session.flush()
    (late,) = _raise(team.patient, _hit("missed_checkins", "routine"))
    db_session.refresh(case)
    assert late.notify and case.status == "open"


def test_a_case_changed_since_it_was_seen_is_not_resolved(staff, team, db_session):
    """A review found an alert that joined quietly could be resolved by a clinician who
    never saw it: resolve takes the count shown, as acknowledge does."""
    (first,) = _raise(team.patient, _hit("suicidal_ideation", "urgent"))
    _raise(team.patient, _hit("severe", "high"))  # joins quietly
    response = staff.post_json(
        f"/api/v1/cases/{first.case_id}/resolve", {"outcome": outcome(), "seen_alerts": 1}
    )
    assert response.status_code == 409 and response.json["reason"] == "case_changed"
    db_session.expire_all()
    assert db_session.get(Case, first.case_id).status == "open"
    seen = staff.post_json(
        f"/api/v1/cases/{first.case_id}/resolve", {"outcome": outcome(), "seen_alerts": 2}
    )
    assert seen.status_code == 200, seen.json


def test_an_alert_joining_an_acknowledged_case_is_open_in_the_inbox(staff, team, db_session):
    """A quiet join into an acknowledged case must not wait unseen behind the earlier
    acknowledgement: the case is listed and counted as open until someone acknowledges it."""
    (first,) = _raise(team.patient, _hit("worsening", "high"))
    assert staff.post_json(f"/api/v1/cases/{first.case_id}/acknowledge").status_code == 200
    assert staff.get("/api/v1/cases?status=open").json["total"] == 0
    (quiet,) = _raise(team.patient, _hit("missed_checkins", "routine"))
    assert not quiet.notify
    page = staff.get("/api/v1/cases?status=open").json
    assert [c["id"] for c in page["items"]] == [str(first.case_id)]
    assert page["open"]["high"] == 1
    assert staff.get("/api/v1/cases?status=acknowledged").json["total"] == 0
    assert staff.post_json(f"/api/v1/cases/{first.case_id}/acknowledge").status_code == 200
    assert staff.get("/api/v1/cases?status=open").json["total"] == 0
    assert staff.get("/api/v1/cases?status=acknowledged").json["total"] == 1


def test_a_logged_call_is_not_logged_again_by_the_outcome(staff, team, db_session):
    """A walk found the resolution adding a second "reached" beside the one the nurse had
    logged: the outcome documents the logged call."""
    (alert,) = _raise(team.patient, _hit("suicidal_ideation", "urgent"))
    logged = staff.post_json(
        f"/api/v1/cases/{alert.case_id}/contacts", {"method": "phone", "result": "reached"}
    )
    assert logged.status_code == 201
    resolved = staff.post_json(f"/api/v1/cases/{alert.case_id}/resolve", {"outcome": outcome()})
    assert resolved.status_code == 200, resolved.json
    assert [c["result"] for c in resolved.json["contacts"]] == ["reached"]


def test_another_emergency_joining_an_unseen_case_is_notified(team, db_session):
    """A walk found a chest-pain warning sign joining an item-9 case nobody had acknowledged
    yet without a word: a positive screen of another kind, from another answer, is told."""
    now = utcnow()
    (item9,) = raise_alerts(team.patient, [_hit("suicidal_ideation", "urgent")], answered_at=now)
    notify_first_round([item9], now)
    later = now + timedelta(minutes=20)
    (chest,) = raise_alerts(team.patient, [_hit("bp_crisis_signs", "urgent")], answered_at=later)
    notify_first_round([chest], later)
    assert chest.case_id == item9.case_id and chest.notify
    assert _deliveries(db_session, chest) > 0
    # The same kind again (another answer) joins quietly: its episode is in the case.
    (again,) = raise_alerts(
        team.patient, [_hit("bp_crisis_signs", "urgent")], answered_at=later + timedelta(hours=1)
    ) or [None]
    assert again is None or not again.notify


def test_an_acknowledged_case_stays_in_the_inbox_until_it_is_resolved(staff, team):
    """A walk found an acknowledged item-9 case gone from the inbox's first list although its
    call and outcome were still to come: "not resolved", the screen's default, holds open and
    acknowledged cases, and every page counts those awaiting an outcome."""
    (alert,) = _raise(team.patient, _hit("suicidal_ideation", "urgent"))
    assert staff.post_json(f"/api/v1/cases/{alert.case_id}/acknowledge").status_code == 200
    page = staff.get("/api/v1/cases?status=unresolved").json
    assert [c["id"] for c in page["items"]] == [str(alert.case_id)]
    assert page["awaiting_outcome"] == 1 and page["open"]["urgent"] == 0
    resolved = staff.post_json(
        f"/api/v1/cases/{alert.case_id}/resolve", {"outcome": outcome(), "seen_alerts": 1}
    )
    assert resolved.status_code == 200, resolved.json
    page = staff.get("/api/v1/cases?status=unresolved").json
    assert page["total"] == 0 and page["awaiting_outcome"] == 0
    assert staff.get("/api/v1/cases?status=resolved").json["total"] == 1
    assert staff.get("/api/v1/cases?status=closed").status_code == 422
