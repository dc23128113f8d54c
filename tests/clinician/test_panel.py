"""The panel: risk order, filters, search, signed cursors, a fixed number of queries per page."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.models import CheckinDue, PatientSummary
from api.models.base import utcnow


@pytest.fixture
def clinic_story(staff_client, create_patient, add_checkin, add_alert, add_session, db_session):
    """One patient per risk tier, in a scrambled creation order."""
    client, csrf, staff = staff_client
    clinic = staff.clinic
    now = utcnow()
    made = {}
    made["calm_mild"] = create_patient(clinic, display_name="Quinn Mild")
    add_checkin(made["calm_mild"], 7, now - timedelta(days=2))
    made["overdue"] = create_patient(clinic, display_name="Riley Overdue")
    add_checkin(made["overdue"], 6, now - timedelta(days=10))
    db_session.add(
        CheckinDue(
            patient_id=made["overdue"].id,
            instrument="phq9",
            reason="cadence",
            due_at=now - timedelta(days=3),
        )
    )
    made["high"] = create_patient(clinic, display_name="Harper High")
    add_checkin(made["high"], 21, now - timedelta(days=1))
    add_alert(made["high"], priority="high", rule="severe")
    made["calm_severe"] = create_patient(clinic, display_name="Sky Severe")
    add_checkin(made["calm_severe"], 22, now - timedelta(days=3))
    made["worsening"] = create_patient(clinic, display_name="Wren Worse")
    add_checkin(made["worsening"], 8, now - timedelta(days=14))
    add_checkin(made["worsening"], 15, now - timedelta(days=1))
    made["urgent"] = create_patient(clinic, display_name="Casey Urgent")
    add_checkin(made["urgent"], 12, now - timedelta(hours=3), item9=2)
    add_alert(made["urgent"], priority="urgent")
    made["acknowledged"] = create_patient(clinic, display_name="Ack Only")
    add_checkin(made["acknowledged"], 3, now - timedelta(days=1))
    add_alert(made["acknowledged"], priority="urgent", status="acknowledged")
    made["imminent"] = create_patient(clinic, display_name="Imogen Imminent")
    add_alert(made["imminent"], priority="imminent", rule="imminent")
    made["new"] = create_patient(clinic, display_name="Newcomer")
    db_session.flush()
    return client, csrf, made


def ids(response):
    assert response.status_code == 200, response.json
    return [row["id"] for row in response.json["items"]]


def test_risk_order_puts_alerts_then_safety_flags_then_worsening_then_overdue_then_severity(
    clinic_story,
):
    client, _, made = clinic_story
    order = ids(client.get("/api/v1/patients?sort=risk"))
    expected = [
        "imminent",
        "urgent",
        "high",
        # An acknowledged item-9 alert is not resolved: its patient stays flagged.
        "acknowledged",
        "worsening",
        "overdue",
        "calm_severe",
        "calm_mild",
    ]
    assert order[: len(expected)] == [str(made[k].id) for k in expected]
    assert order[len(expected) :] == [str(made["new"].id)]


def test_rows_carry_scores_alerts_and_words(clinic_story):
    client, _, made = clinic_story
    rows = {r["id"]: r for r in client.get("/api/v1/patients").json["items"]}
    urgent = rows[str(made["urgent"].id)]
    assert urgent["risk"] == {"tier": 0, "label": "Urgent alert"}
    assert urgent["open_alerts"]["urgent"] == 1
    assert urgent["instruments"]["phq9"]["latest"] == 12
    assert urgent["instruments"]["phq9"]["severity_label"] == "Moderate"
    assert urgent["instruments"]["phq9"]["safety_endorsed"] is True
    worse = rows[str(made["worsening"].id)]
    assert worse["trend_status"] == "worsening"
    assert worse["instruments"]["phq9"]["spark"] == [8, 15]
    assert worse["instruments"]["phq9"]["change"] == 7
    assert rows[str(made["overdue"].id)]["overdue"] is True
    assert rows[str(made["imminent"].id)]["risk"]["label"] == "Imminent-risk alert"
    assert rows[str(made["new"].id)]["instruments"] == {}


def test_other_sorts(clinic_story):
    client, _, made = clinic_story
    names = [r["display_name"] for r in client.get("/api/v1/patients?sort=name").json["items"]]
    assert names == sorted(names, key=str.lower)
    order = ids(client.get("/api/v1/patients?sort=last_checkin"))
    assert order[0] == str(made["urgent"].id)  # three hours ago
    assert set(order[-2:]) == {str(made["imminent"].id), str(made["new"].id)}  # never


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("has_open_alerts=true", {"imminent", "urgent", "high"}),
        ("overdue=true", {"overdue"}),
        ("status=worsening", {"worsening"}),
    ],
)
def test_filters(clinic_story, query, expected):
    client, _, made = clinic_story
    assert set(ids(client.get(f"/api/v1/patients?{query}"))) == {str(made[k].id) for k in expected}


def test_filters_false_exclude(clinic_story):
    client, _, made = clinic_story
    got = set(ids(client.get("/api/v1/patients?has_open_alerts=false&overdue=false")))
    assert str(made["urgent"].id) not in got and str(made["overdue"].id) not in got
    assert str(made["calm_mild"].id) in got


def test_discharged_are_hidden_unless_asked(clinic_story, db_session):
    client, _, made = clinic_story
    made["calm_mild"].status = "discharged"
    db_session.flush()
    assert str(made["calm_mild"].id) not in ids(client.get("/api/v1/patients"))
    assert str(made["calm_mild"].id) in ids(client.get("/api/v1/patients?include_discharged=true"))


def test_search_by_name_is_a_post_and_escapes_wildcards(clinic_story):
    client, csrf, made = clinic_story
    headers = {"X-CSRF-Token": csrf}
    response = client.post("/api/v1/patients/search", json={"q": "wREN"}, headers=headers)
    assert ids(response) == [str(made["worsening"].id)]
    response = client.post("/api/v1/patients/search", json={"q": "%"}, headers=headers)
    assert ids(response) == []
    response = client.post("/api/v1/patients/search", json={"q": "a\x00"}, headers=headers)
    assert response.status_code == 422 and "q" in response.json["errors"]
    ref = made["high"].ref
    assert ids(client.post("/api/v1/patients/search", json={"q": ref}, headers=headers)) == [
        str(made["high"].id)
    ]


def test_cursor_pages_cover_every_patient_once(clinic_story):
    client, _, made = clinic_story
    for sort in ("risk", "name", "last_checkin"):
        seen, url = [], f"/api/v1/patients?sort={sort}&limit=2"
        full = ids(client.get(f"/api/v1/patients?sort={sort}"))
        cursor = None
        while True:
            response = client.get(url + (f"&cursor={cursor}" if cursor else ""))
            seen += ids(response)
            cursor = response.json["next_cursor"]
            if cursor is None:
                break
            assert len(response.json["items"]) == 2
        assert seen == full, sort
        assert len(seen) == len(made)


def test_cursor_holds_no_name(clinic_story):
    client, _, _ = clinic_story
    import base64

    cursor = client.get("/api/v1/patients?sort=name&limit=1").json["next_cursor"]
    payload = cursor.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert "Casey" not in decoded and "Ack" not in decoded


def test_tampered_and_foreign_cursors_are_400(clinic_story, other_clinic):
    client, csrf, _ = clinic_story
    cursor = client.get("/api/v1/patients?limit=1").json["next_cursor"]
    for bad in (cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"), "garbage", "a.b"):
        response = client.get(f"/api/v1/patients?limit=1&cursor={bad}")
        assert response.status_code == 400
        assert response.json["code"] == 400 and "cursor" in response.json["message"]
        assert "cursor" in response.json["errors"]
    searched = client.post(
        "/api/v1/patients/search", json={"q": "a", "cursor": "a.b"}, headers={"X-CSRF-Token": csrf}
    )
    assert searched.status_code == 400 and "cursor" in searched.json["errors"]
    # Valid signature but another sort order.
    assert client.get(f"/api/v1/patients?sort=name&cursor={cursor}").status_code == 400
    # A cursor of clinic X is no use to clinic Y, and tells it nothing.
    foreign = other_clinic["client"].get(f"/api/v1/patients?limit=1&cursor={cursor}")
    assert foreign.status_code == 400


@pytest.mark.parametrize(
    "query", ["sort=age", "limit=0", "limit=201", "status=great", "overdue=maybe", "limit=x"]
)
def test_bad_panel_arguments_are_422(staff_client, query):
    client, _, _ = staff_client
    response = client.get(f"/api/v1/patients?{query}")
    assert response.status_code == 422
    assert response.json["errors"]


def test_panel_needs_staff(client, create_patient, redeem):
    assert client.get("/api/v1/patients").status_code == 401
    redeem(client, create_patient())
    assert client.get("/api/v1/patients").status_code == 403


def test_panel_query_count_does_not_grow_with_page_size(
    app, staff_client, create_patient, add_checkin, add_alert, db_session
):
    client, _, staff = staff_client
    now = utcnow()
    for n in range(40):
        patient = create_patient(staff.clinic, display_name=f"Patient {n:02d}")
        add_checkin(patient, n % 25, now - timedelta(days=n % 9))
        add_checkin(patient, (n * 7) % 22, now - timedelta(hours=n), instrument="gad7")
        if n % 4 == 0:
            add_alert(patient, priority=("urgent", "high", "routine")[n % 3])
    counts = {}
    for limit in (2, 20):
        statements: list[str] = []

        def count(conn, cursor, statement, *args, seen=statements):
            seen.append(statement)

        engine = db_session.get_bind().engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            first = client.get(f"/api/v1/patients?limit={limit}")
            on_first = len(statements)
            cursor = first.json["next_cursor"]
            second = client.get(f"/api/v1/patients?limit={limit}&cursor={cursor}")
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert first.status_code == second.status_code == 200
        assert len(first.json["items"]) == len(second.json["items"]) == limit
        panel = [s for s in statements if "FROM patients LEFT OUTER JOIN" in s]
        ordering = [s for s in panel if "open_dues" in s]
        # Per page one query to order and cut it and one for its rows' names and summaries,
        # plus the cursor's anchor on page two.
        assert (len(ordering), len(panel) - len(ordering)) == (3, 2)
        # And one per page for its rows' latest sessions (the treatment context).
        assert len([s for s in statements if "row_number() OVER" in s]) == 2
        counts[limit] = (on_first, len(statements))
    # A larger page never costs more queries (a page without a flagged row skips the flags').
    assert counts[2][0] == counts[20][0] and counts[20][1] <= counts[2][1]
    # Besides the panel: sign-in lookup (3), the audit row, savepoints, the page's latest
    # sessions and its risk flags (safety screens, relapses: one query each). Nothing per
    # patient.
    assert counts[20][0] <= 12


def test_summary_follows_new_course_and_soft_deleted_sessions(
    staff_client, create_patient, add_checkin, add_session, db_session
):
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic)
    now = utcnow()
    add_checkin(patient, 20, now - timedelta(days=60))
    add_checkin(patient, 6, now - timedelta(days=40))
    add_checkin(patient, 14, now - timedelta(days=3))
    summary = db_session.get(PatientSummary, patient.id)
    db_session.refresh(summary)
    assert summary.instruments["phq9"]["baseline"] == 20
    # 6 was a response (70 % below 20); 14 is 8 above it: a relapse watch, never "response".
    assert summary.trend_status == "worsening_after_response"
    # A course starting 45 days ago resets the baseline (the check-in 60 days ago is more
    # than the 14-day look-back before it).
    session = add_session(patient, now - timedelta(days=45))
    db_session.refresh(summary)
    assert summary.instruments["phq9"]["baseline"] == 6
    assert summary.course_start == session.administered_at
    response = client.delete(
        f"/api/v1/patients/{patient.id}/sessions/{session.id}", headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 204
    db_session.refresh(summary)
    assert summary.course_start is None
    assert summary.instruments["phq9"]["baseline"] == 20
