"""Alert-rule settings stay within what the rules can compute with.

A whole-number setting with no upper bound (``not_on_track_weeks: 10**20``) passed the
check and then made every evaluation of the clinic's check-ins an OverflowError, the
item-9 alert included.
"""

from datetime import UTC, datetime, timedelta

import pytest

import surveys
from api.models import Clinic
from api.pipeline.settings import clinic_rule_settings

HUGE = [
    {"not_on_track_weeks": 10**20},
    {"missed_checkins_days": 10**12},
    {"not_on_track_sessions": 2**63},
]


@pytest.mark.parametrize("settings", HUGE)
def test_huge_rule_settings_are_refused_and_change_nothing(
    make_client, login, create_clinician, db_session, settings
):
    admin = create_clinician(role="admin")
    client = make_client()
    csrf = login(client, admin)
    response = client.patch(
        "/api/v1/clinic/settings", json={"rule_settings": settings}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 422, response.json
    # Named by the setting it is about, for the settings form to show beside that field.
    (name,) = settings
    assert list(response.json["errors"]) == [f"rule_settings.{name}"]
    db_session.expire_all()
    assert db_session.get(Clinic, admin.clinic_id).rule_settings == {}


@pytest.mark.parametrize("settings", HUGE)
def test_a_stored_huge_setting_falls_back_to_the_defaults(create_clinic, settings):
    clinic = create_clinic(rule_settings=settings)
    assert clinic_rule_settings(clinic) == surveys.RuleSettings()


def test_the_largest_allowed_settings_still_compute(create_clinic):
    top = dict(surveys.rules.SETTING_MAXIMA)
    settings = clinic_rule_settings(create_clinic(rule_settings=top))
    assert settings.missed_checkins_days == top["missed_checkins_days"]
    now = datetime(2026, 6, 1, tzinfo=UTC)
    late = top["missed_checkins_days"] + 1
    hit = surveys.missed_checkin("p", now - timedelta(days=late, hours=1), now, settings)
    assert hit is not None and hit.rule == "missed_checkins"


@pytest.mark.parametrize("value", [6, 1, 0, 57, 7.5, True, "7"])
def test_the_phq9_gad7_spacing_is_never_below_7_days(
    make_client, login, create_clinician, db_session, value
):
    """validated_interval_days: the PHQ-9 and GAD-7 are not validated for use less than
    7 days apart (CLINICAL.md), so no clinic may plan them closer."""
    admin = create_clinician(role="admin")
    client = make_client()
    csrf = login(client, admin)
    response = client.patch(
        "/api/v1/clinic/settings",
        json={"rule_settings": {"validated_interval_days": value}},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422, response.json
    (message,) = response.json["errors"]["rule_settings.validated_interval_days"]
    assert "from 7 to 56" in message
    db_session.expire_all()
    assert db_session.get(Clinic, admin.clinic_id).rule_settings == {}


@pytest.mark.parametrize("value", [7, 14, 56])
def test_a_phq9_gad7_spacing_of_7_days_or_more_is_kept(make_client, login, create_clinician, value):
    admin = create_clinician(role="admin")
    client = make_client()
    csrf = login(client, admin)
    response = client.patch(
        "/api/v1/clinic/settings",
        json={"rule_settings": {"validated_interval_days": value}},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.json
    assert response.json["rule_settings"]["validated_interval_days"] == value
    assert surveys.RuleSettings().validated_interval_days == 7  # the default
