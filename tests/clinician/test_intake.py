"""The intake over HTTP: trials and the resistance count, the signed screen, the block on a new
course and the reasoned override (audited), bad input refused by field with nothing changed."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.models import AuditEvent, IntakeAnswer, IntakeOverride, IntakeTrial, TreatmentCourse
from api.models.base import utcnow
from surveys.intake import CONTRAINDICATIONS, SCREEN

REASON = "Aneurysm repaired in 2019; vascular surgery cleared ketamine in writing."


@pytest.fixture
def page(staff_client, create_patient):
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic)
    base = f"/api/v1/patients/{patient.id}"

    def send(method, path, body=None):
        return client.open(
            f"{base}{path}", method=method, json=body, headers={"X-CSRF-Token": csrf}
        )

    return {"send": send, "patient": patient, "staff": staff, "client": client}


def all_no(**changes):
    answers = {item.code: {"answer": "no"} for item in SCREEN}
    answers.update({code: {"answer": value} for code, value in changes.items()})
    return {"answers": answers}


def session_body(**extra):
    return {
        "administered_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "modality": "iv",
        "drug": "ketamine",
        "dose_mg": 35,
        **extra,
    }


def audit_actions(db_session, patient):
    return [
        e.action
        for e in db_session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_id == str(patient.id), AuditEvent.action.like("intake.%"))
            .order_by(AuditEvent.id)
        )
    ]


def courses(db_session, patient):
    return db_session.scalar(
        sa.select(sa.func.count()).where(TreatmentCourse.patient_id == patient.id)
    )


def test_trials_give_the_count_by_the_named_definition(page, db_session):
    send = page["send"]
    empty = send("GET", "/intake")
    assert empty.status_code == 200
    assert empty.json["resistance"]["count"] == 0
    assert "at least 2 different antidepressants" in empty.json["resistance"]["definition"]
    trials = [
        {
            "drug": "Sertraline",
            "dose_mg_per_day": 150,
            "duration_weeks": 8,
            "adequate": True,
            "outcome": "none",
        },
        {
            "drug": "sertraline",
            "dose_mg_per_day": 200,
            "duration_weeks": 6,
            "adequate": True,
            "outcome": "partial",
        },
        {
            "drug": "Escitalopram",
            "dose_mg_per_day": 20,
            "duration_weeks": 4,
            "adequate": True,
            "outcome": "none",
        },
    ]
    for body in trials:
        response = send("POST", "/intake/trials", body)
        assert response.status_code == 201, response.json
    body = response.json
    assert body["resistance"]["count"] == 1 and body["resistance"]["treatment_resistant"] is False
    assert [t["not_counted"] for t in body["trials"]] == [None, "same_drug", "too_short"]
    assert body["trials"][2]["not_counted_text"] == "Shorter than 6 weeks."
    # Correcting the third trial to 8 weeks makes the depression treatment-resistant.
    third = body["trials"][2]["id"]
    fixed = send("PATCH", f"/intake/trials/{third}", {"duration_weeks": 8})
    assert fixed.status_code == 200, fixed.json
    assert fixed.json["resistance"] == {
        **fixed.json["resistance"],
        "count": 2,
        "treatment_resistant": True,
        "threshold": 2,
        "min_weeks": 6,
    }
    removed = send("DELETE", f"/intake/trials/{third}")
    assert removed.status_code == 200 and removed.json["resistance"]["count"] == 1
    assert send("PATCH", f"/intake/trials/{third}", {"note": "x"}).status_code == 404
    assert db_session.get(IntakeTrial, third).deleted_at is not None  # kept for the audit
    assert audit_actions(db_session, page["patient"]) == [
        "intake.read",
        "intake.trial.create",
        "intake.trial.create",
        "intake.trial.create",
        "intake.trial.update",
        "intake.trial.delete",
        "intake.trial.read",
    ]


GOOD_TRIAL = {"drug": "Bupropion", "duration_weeks": 8, "adequate": True, "outcome": "none"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"drug": ""}, "drug"),
        ({"drug": "   "}, "drug"),
        ({"drug": "x" * 101}, "drug"),
        ({"duration_weeks": -1}, "duration_weeks"),
        ({"duration_weeks": 521}, "duration_weeks"),
        ({"duration_weeks": 6.5}, "duration_weeks"),
        ({"duration_weeks": "8"}, "duration_weeks"),
        ({"dose_mg_per_day": 0}, "dose_mg_per_day"),
        ({"dose_mg_per_day": 0.001}, "dose_mg_per_day"),  # rounds to 0.00
        ({"dose_mg_per_day": 3000.01}, "dose_mg_per_day"),
        ({"dose_mg_per_day": 1e308}, "dose_mg_per_day"),
        ({"outcome": "better"}, "outcome"),
        ({"adequate": "perhaps"}, "adequate"),
        ({"note": "x" * 2001}, "note"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_trials_are_422_by_field_and_change_nothing(page, db_session, change, field):
    response = page["send"]("POST", "/intake/trials", {**GOOD_TRIAL, **change})
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(IntakeTrial)) == 0


@pytest.mark.parametrize("missing", ["drug", "duration_weeks", "adequate", "outcome"])
def test_a_trial_needs_its_required_fields(page, missing):
    body = {k: v for k, v in GOOD_TRIAL.items() if k != missing}
    response = page["send"]("POST", "/intake/trials", body)
    assert response.status_code == 422 and missing in response.json["errors"]


def test_dose_bounds_are_inclusive_where_they_say(page):
    for dose in (0.01, 3000):
        response = page["send"]("POST", "/intake/trials", {**GOOD_TRIAL, "dose_mg_per_day": dose})
        assert response.status_code == 201, (dose, response.json)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": {"pregnancy": {"answer": "maybe"}}}, "answers.pregnancy.answer"),
        ({"answers": {"pregnant": {"answer": "no"}}}, "answers.pregnant"),
        ({"answers": {"pregnancy": {}}}, "answers.pregnancy.answer"),
        ({"answers": {"liver": {"answer": "no", "note": "x" * 2001}}}, "answers.liver.note"),
        ({"answers": {}}, "answers._schema"),
        ({}, "answers"),
    ],
)
def test_bad_answers_are_422_by_field_and_change_nothing(page, db_session, body, field):
    response = page["send"]("PATCH", "/intake/screen", body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert db_session.scalar(sa.select(sa.func.count()).select_from(IntakeAnswer)) == 0


def test_answers_are_signed_by_who_gave_them_and_resent_ones_keep_their_sign_off(
    page, db_session, make_client, login, create_clinician
):
    send, patient = page["send"], page["patient"]
    first = send("PATCH", "/intake/screen", all_no(bladder="unknown"))
    assert first.status_code == 200, first.json
    bladder = next(i for i in first.json["screen"] if i["item"] == "bladder")
    assert bladder["kind"] == "caution" and bladder["open"] is False
    assert bladder["signed_by"] == {"id": page["staff"].id, "name": page["staff"].name}
    assert first.json["course_may_start"] is True  # a caution never blocks
    # A colleague sends the whole screen again with one change: only that item is re-signed.
    colleague = create_clinician(clinic=patient.clinic, name="Dr. Second")
    other = make_client()
    csrf = login(other, colleague)
    second = other.patch(
        f"/api/v1/patients/{patient.id}/intake/screen",
        json=all_no(bladder="yes"),
        headers={"X-CSRF-Token": csrf},
    )
    by_item = {i["item"]: i for i in second.json["screen"]}
    assert by_item["bladder"]["signed_by"]["name"] == "Dr. Second"
    assert by_item["liver"]["signed_by"]["id"] == page["staff"].id
    assert (
        by_item["liver"]["signed_at"]
        == {i["item"]: i for i in first.json["screen"]}["liver"]["signed_at"]
    )
    screens = db_session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "intake.screen", AuditEvent.object_id == str(patient.id)
        )
    ).all()
    assert [e.detail["items"] for e in screens] == [[i.code for i in SCREEN], ["bladder"]]


def test_no_intake_blocks_the_first_course_naming_every_contraindication(page, db_session):
    response = page["client"].post(
        f"/api/v1/patients/{page['patient'].id}/sessions",
        json=session_body(),
        headers={"X-CSRF-Token": page["client"].get("/api/v1/auth/csrf").json["csrf_token"]},
    )
    assert response.status_code == 409, response.json
    assert response.json["reason"] == "intake_contraindication_open"
    assert set(response.json["errors"]) == {f"intake.{c}" for c in CONTRAINDICATIONS}
    assert "not answered yet" in response.json["errors"]["intake.pregnancy"][0]
    assert courses(db_session, page["patient"]) == 0


def test_an_open_contraindication_blocks_until_a_reasoned_override(page, db_session):
    send, patient = page["send"], page["patient"]
    send("PATCH", "/intake/screen", all_no(aneurysm_avm="yes", hypersensitivity="unknown"))
    blocked = send("POST", "/sessions", session_body())
    assert blocked.status_code == 409
    assert set(blocked.json["errors"]) == {"intake.aneurysm_avm", "intake.hypersensitivity"}
    assert "Aneurysmal vascular disease" in blocked.json["message"]
    assert "answered unknown" in blocked.json["errors"]["intake.hypersensitivity"][0]
    assert courses(db_session, patient) == 0

    # Overrides: a reason is required, a caution or an item answered no has nothing to override.
    for body, status, field in [
        ({"item": "aneurysm_avm"}, 422, "reason"),
        ({"item": "aneurysm_avm", "reason": "   ok   "}, 422, "reason"),
        ({"item": "bladder", "reason": REASON}, 422, "item"),
        ({"item": "pregnancy", "reason": REASON}, 409, "item"),
        ({"item": "aneurysm_avm", "reason": REASON, "extra": 1}, 422, "extra"),
    ]:
        response = send("POST", "/intake/overrides", body)
        assert response.status_code == status, (body, response.json)
        assert field in response.json["errors"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(IntakeOverride)) == 0

    done = send("POST", "/intake/overrides", {"item": "aneurysm_avm", "reason": REASON})
    assert done.status_code == 201, done.json
    assert done.json["blocking"] == ["hypersensitivity"]
    item = next(i for i in done.json["screen"] if i["item"] == "aneurysm_avm")
    assert item["override"]["reason"] == REASON and item["override"]["answer"] == "yes"
    assert item["override"]["by"]["id"] == page["staff"].id and item["blocking"] is False
    again = send("POST", "/intake/overrides", {"item": "aneurysm_avm", "reason": REASON})
    assert again.status_code == 409 and again.json["reason"] == "intake_item_overridden"
    assert send("POST", "/sessions", session_body()).status_code == 409  # one still open

    send("PATCH", "/intake/screen", {"answers": {"hypersensitivity": {"answer": "no"}}})
    started = send("POST", "/sessions", session_body())
    assert started.status_code == 201, started.json
    assert courses(db_session, patient) == 1
    # The override is audited with the item, never the reason's text.
    (event,) = db_session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "intake.override", AuditEvent.object_id == str(patient.id)
        )
    ).all()
    assert event.detail["item"] == "aneurysm_avm" and event.detail["answer"] == "yes"
    assert event.actor_id == str(page["staff"].id) and event.outcome == "success"
    assert REASON not in str(event.detail)


def test_a_changed_answer_ends_its_override(page):
    send = page["send"]
    send("PATCH", "/intake/screen", all_no(pregnancy="unknown"))
    send("POST", "/intake/overrides", {"item": "pregnancy", "reason": REASON})
    assert send("GET", "/intake").json["course_may_start"] is True
    changed = send("PATCH", "/intake/screen", {"answers": {"pregnancy": {"answer": "yes"}}})
    assert changed.json["blocking"] == ["pregnancy"]
    pregnancy = next(i for i in changed.json["screen"] if i["item"] == "pregnancy")
    assert pregnancy["override"] is None
    assert send("POST", "/sessions", session_body()).status_code == 409


def test_only_a_new_course_is_blocked(page, db_session):
    """Sessions joining a course that started before a contraindication was found are not
    refused: the screen guards planning a course, the session form guards each session."""
    send, patient = page["send"], page["patient"]
    send("PATCH", "/intake/screen", all_no())
    assert send("POST", "/sessions", session_body()).status_code == 201
    send("PATCH", "/intake/screen", {"answers": {"pregnancy": {"answer": "yes"}}})
    assert send("POST", "/sessions", session_body()).status_code == 201  # the latest course
    new = send("POST", "/sessions", session_body(new_course_label="Maintenance"))
    assert new.status_code == 409 and list(new.json["errors"]) == ["intake.pregnancy"]
    assert courses(db_session, patient) == 1


def test_another_clinics_staff_get_404_and_an_audit_row(page, other_clinic, db_session):
    patient = page["patient"]
    client, csrf = other_clinic["client"], other_clinic["csrf"]
    base = f"/api/v1/patients/{patient.id}/intake"
    assert client.get(base).status_code == 404
    response = client.post(
        f"{base}/overrides",
        json={"item": "pregnancy", "reason": REASON},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 404
    denied = db_session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.object_id == str(patient.id), AuditEvent.outcome == "denied"
        )
    ).all()
    assert len(denied) == 2


def test_a_note_left_out_is_kept_and_null_clears_it(page):
    send = page["send"]
    first = send(
        "PATCH", "/intake/screen", {"answers": {"liver": {"answer": "yes", "note": "ALT 3x"}}}
    )
    signed_at = next(i for i in first.json["screen"] if i["item"] == "liver")["signed_at"]
    kept = send("PATCH", "/intake/screen", {"answers": {"liver": {"answer": "yes"}}})
    liver = next(i for i in kept.json["screen"] if i["item"] == "liver")
    assert liver["note"] == "ALT 3x" and liver["signed_at"] == signed_at  # nothing changed
    cleared = send(
        "PATCH", "/intake/screen", {"answers": {"liver": {"answer": "yes", "note": None}}}
    )
    assert next(i for i in cleared.json["screen"] if i["item"] == "liver")["note"] is None
