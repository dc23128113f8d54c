"""A clinic's crisis resources cannot be broken: an emergency entry always stays, keywords text."""

import pytest

from api.models import Clinic

FIELD = "crisis_resources"
EMERGENCY = {"name": "Emergency services", "phone": "911", "kind": "emergency"}
TEXT_LINE = {
    "name": "Crisis Text Line",
    "sms": "741741",
    "sms_keyword": "HOME",
    "kind": "crisis_line",
}


@pytest.fixture
def admin(make_client, login, team):
    client = make_client()
    return client, login(client, team.admin)


def patch(admin, body):
    client, token = admin
    return client.patch("/api/v1/clinic/settings", json=body, headers={"X-CSRF-Token": token})


def field_errors(response) -> dict:
    """The per-field errors of an error body, flat or under "json"."""
    errors = response.json.get("errors") or {}
    return errors.get("json", errors)


@pytest.mark.parametrize(
    ("resources", "field"),
    [
        ([{"name": "Clinic line", "phone": "+1 555 0100", "kind": "clinic"}], FIELD),
        (
            [{"name": "ER", "url": "https://er.example.org", "kind": "emergency"}],
            "crisis_resources",
        ),
        ([EMERGENCY, {"name": "Text us", "sms_keyword": "HOME"}], f"{FIELD}.1.sms_keyword"),
        ([EMERGENCY, {**TEXT_LINE, "sms_keyword": "two words"}], FIELD),
    ],
    ids=["no-emergency", "emergency-without-phone", "keyword-without-number", "keyword-not-a-word"],
)
def test_a_list_that_would_break_crisis_help_is_refused_and_changes_nothing(
    admin, team, db_session, resources, field
):
    response = patch(admin, {"crisis_resources": resources, "monitoring_hours": "Never"})
    assert response.status_code == 422, response.json
    named = field_errors(response)
    assert any(key == field or key.startswith(f"{field}.") for key in named), response.json
    db_session.expire_all()
    clinic = db_session.get(Clinic, team.clinic.id)
    assert clinic.crisis_resources == [] and clinic.monitoring_hours != "Never"


def test_a_text_keyword_is_kept_and_reaches_the_patient(admin, team, db_session, create_patient):
    response = patch(admin, {"crisis_resources": [TEXT_LINE, EMERGENCY]})
    assert response.status_code == 200, response.json
    (line, emergency) = response.json["crisis_resources"]
    assert (line["sms"], line["sms_keyword"]) == ("741741", "HOME")
    assert emergency["kind"] == "emergency"
    # An empty list goes back to the default, which has an emergency entry and the text line.
    response = patch(admin, {"crisis_resources": []})
    assert response.status_code == 200
    default = response.json["effective_crisis_resources"]
    assert default[0]["phone"] == "911"
    assert {"sms": "741741", "sms_keyword": "HOME"}.items() <= {
        k: v for r in default if r["name"] == "Crisis Text Line" for k, v in r.items()
    }.items()
