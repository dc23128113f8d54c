"""The inbox a page at a time (issue #14 finding 1): no alert is ever silently beyond a
limit. Keyset pages cover every alert exactly once, while alerts are acknowledged between
pages; every page says how many match and how many are open by priority."""

import random
import uuid
from datetime import timedelta

import pytest

from api.alerts.operations import acknowledge_alert
from api.models import Alert
from api.models.alerts import PRIORITIES
from api.models.base import utcnow
from api.patients.operations import enrol_patient
from api.pipeline.alerts import raise_alerts
from surveys import RuleHit

#: A rule of each priority; the safety ones are one open episode per patient.
RULES = {
    "imminent": "imminent",
    "urgent": "suicidal_ideation",
    "high": "worsening",
    "routine": "not_on_track",
}


@pytest.fixture
def staff_client(make_client, login, team):
    client = make_client()
    login(client, team.clinician)
    return client


@pytest.fixture
def many_alerts(team, db_session):
    """130 open alerts of mixed priority and answer times, over 40 patients."""
    chooser = random.Random(14)
    patients = [team.patient] + [
        enrol_patient(team.clinic, display_name=f"Paged {n}") for n in range(39)
    ]
    now = utcnow()
    alerts = []
    for n in range(130):
        priority = chooser.choice(PRIORITIES)
        # One imminent and one urgent episode per patient; any number of the others.
        patient = (
            patients[n % 40] if priority in ("high", "routine") else patients[len(alerts) % 40]
        )
        hit = RuleHit(f"test:{uuid.uuid4()}", RULES[priority], priority, "for the test")
        answered = now - timedelta(minutes=chooser.randrange(0, 5000))
        created = raise_alerts(patient, [hit], answered_at=answered)
        alerts.extend(created)
    db_session.flush()
    return alerts


def _inbox_order(alerts):
    rank = {p: i for i, p in enumerate(PRIORITIES)}
    return sorted(alerts, key=lambda a: (rank[a.priority], a.answered_at or a.created_at, a.id))


def _walk(client, query="status=open&limit=25", between=None):
    ids, cursor, pages = [], None, []
    while True:
        url = f"/api/v1/alerts?{query}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url)
        assert response.status_code == 200, response.json
        pages.append(response.json)
        ids += [item["id"] for item in response.json["items"]]
        cursor = response.json["next_cursor"]
        if between:
            between(len(pages))
        if cursor is None:
            return ids, pages


def test_pages_cover_every_open_alert_once_in_order_with_totals(staff_client, many_alerts):
    expected = [str(a.id) for a in _inbox_order(many_alerts)]
    assert len(expected) > 100  # more than fit in one page, whatever the draw
    ids, pages = _walk(staff_client)
    assert ids == expected
    assert len(pages) == -(-len(expected) // 25)
    counts = {p: sum(a.priority == p for a in many_alerts) for p in PRIORITIES}
    for page in pages:
        assert page["total"] == len(expected)
        assert page["open"] == counts
    assert pages[-1]["next_cursor"] is None and len(pages[0]["items"]) == 25


def test_alerts_acknowledged_between_pages_skip_nothing_else(
    staff_client, many_alerts, team, db_session
):
    order = _inbox_order(many_alerts)
    early, late = order[3], order[90]

    def acknowledge(pages_read):
        if pages_read == 1:
            for alert in (early, late):
                db_session.refresh(alert)
                if alert.status == "open":  # both may be in one patient's case
                    acknowledge_alert(alert, team.clinician, None)
            db_session.flush()

    ids, pages = _walk(staff_client, between=acknowledge)
    # Acknowledging an alert acknowledges its case: every open alert of those patients'
    # cases ahead is no longer open; nothing else is missed or repeated.
    cases = {early.case_id, late.case_id}
    acked = {a.id for a in many_alerts if a.case_id in cases}
    assert late.id in acked and len(acked) >= 2
    assert ids == [str(a.id) for a in order[:25]] + [
        str(a.id) for a in order[25:] if a.id not in acked
    ]
    assert pages[-1]["open"][late.priority] == sum(
        a.priority == late.priority and a.id not in acked for a in many_alerts
    )


def test_filters_and_paging_agree(staff_client, many_alerts):
    urgent = [str(a.id) for a in _inbox_order(many_alerts) if a.priority == "urgent"]
    ids, pages = _walk(staff_client, "priority=urgent&limit=7")
    assert ids == urgent and pages[0]["total"] == len(urgent)


@pytest.mark.parametrize("limit", ["0", "201", "many"])
def test_a_bad_limit_is_a_422(staff_client, team, limit):
    response = staff_client.get(f"/api/v1/alerts?limit={limit}")
    assert response.status_code == 422
    assert "limit" in response.json["errors"]


def test_a_tampered_or_foreign_cursor_is_a_400(
    staff_client, many_alerts, make_client, login, create_clinician
):
    page = staff_client.get("/api/v1/alerts?limit=5").json
    cursor = page["next_cursor"]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    response = staff_client.get(f"/api/v1/alerts?cursor={tampered}")
    assert response.status_code == 400 and "cursor" in response.json["errors"]
    stranger = make_client()
    login(stranger, create_clinician())  # another clinic: our alert is no anchor of theirs
    response = stranger.get(f"/api/v1/alerts?cursor={cursor}")
    assert response.status_code == 400 and "cursor" in response.json["errors"]
    assert stranger.get("/api/v1/alerts").json == {
        "items": [],
        "next_cursor": None,
        "total": 0,
        "open": {p: 0 for p in PRIORITIES},
    }


def test_the_open_counts_ignore_the_filters(staff_client, many_alerts, db_session):
    response = staff_client.get("/api/v1/alerts?status=resolved").json
    assert response["items"] == [] and response["total"] == 0
    assert sum(response["open"].values()) == db_session.query(Alert).count()
