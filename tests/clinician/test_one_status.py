"""One status everywhere (issue #18 item 4) and the baseline's kind (item 2), over HTTP.

The patient of the issue, PHQ-9 20 -> 2 -> 8 a week apart, reads "worsening after response"
on the patient page's API, the panel, the chart's trend and the courses export; a patient
whose first check-in came after the first session has a baseline marked so in each of them."""

import csv
import io
from datetime import timedelta

from api.models.base import utcnow


def courses_export(client, patient):
    response = client.get(f"/api/v1/patients/{patient.id}/export.csv?part=courses")
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def everywhere(client, patient):
    """(patient page, panel row, chart, export) of the patient's PHQ-9 for the current course."""
    page = client.get(f"/api/v1/patients/{patient.id}").json
    (row,) = [r for r in client.get("/api/v1/patients").json["items"] if r["id"] == str(patient.id)]
    chart = client.get(f"/api/v1/patients/{patient.id}/trend?instrument=phq9").json
    export = [r for r in courses_export(client, patient) if r["instrument"] == "phq9"][-1]
    return page, row, chart, export


def test_the_issues_patient_reads_worsening_after_response_everywhere(
    staff_client, create_patient, add_checkin, add_session
):
    client, _, staff = staff_client
    now = utcnow()
    patient = create_patient(staff.clinic)
    add_checkin(patient, 20, now - timedelta(days=22))
    add_session(patient, now - timedelta(days=21))
    add_checkin(patient, 2, now - timedelta(days=14))
    add_checkin(patient, 8, now - timedelta(days=1))
    page, row, chart, export = everywhere(client, patient)
    status = "worsening_after_response"
    assert page["trend_status"] == page["instruments"]["phq9"]["status"] == status
    assert row["trend_status"] == status and row["risk"]["label"] == "Worsening"
    assert chart["trend"]["status"] == export["status"] == status
    # Still 60 % below baseline: the response is true, the status says what happened since.
    assert chart["trend"]["response"] is True and export["response"] == "True"
    assert chart["trend"]["baseline_kind"] == export["baseline_kind"] == "pre_treatment"
    assert chart["trend"]["threshold_basis"] == export["threshold_basis"] == "mcid"
    filtered = client.get(f"/api/v1/patients?status={status}").json["items"]
    assert [r["id"] for r in filtered] == [str(patient.id)]


def test_a_baseline_after_the_first_session_is_marked_so_and_not_measurable_below_10(
    staff_client, create_patient, add_checkin, add_session
):
    client, _, staff = staff_client
    now = utcnow()
    patient = create_patient(staff.clinic)
    add_session(patient, now - timedelta(days=20))
    add_checkin(patient, 9, now - timedelta(days=19))  # the day after: a post-dose score
    add_checkin(patient, 2, now - timedelta(days=5))
    page, row, chart, export = everywhere(client, patient)
    phq = row["instruments"]["phq9"]
    assert phq["baseline_kind"] == chart["trend"]["baseline_kind"] == "after_first_session"
    assert export["baseline_kind"] == "after_first_session"
    # 9 -> 2: seven lower, improving, but a baseline of 9 is not measurable for response.
    assert phq["response_measurable"] is False and chart["trend"]["response_measurable"] is False
    assert page["trend_status"] == chart["trend"]["status"] == export["status"] == "improving"
    assert chart["response_line"] is None and chart["remission_below"] is None
    assert chart["measurable_above"] == 9


def test_a_clinics_threshold_reaches_the_status_everywhere(
    client, login, create_clinician, create_patient, add_checkin, add_session
):
    staff = create_clinician(role="admin")
    csrf = login(client, staff)
    now = utcnow()
    patient = create_patient(staff.clinic)
    add_checkin(patient, 10, now - timedelta(days=15))
    add_session(patient, now - timedelta(days=14))
    add_checkin(patient, 15, now - timedelta(days=1))  # 5 up: the MCID, not the RCI (6)
    assert everywhere(client, patient)[0]["trend_status"] == "worsening"
    response = client.patch(
        "/api/v1/clinic/settings",
        json={"rule_settings": {"phq9_change_points": 6}},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.json
    assert response.json["rule_setting_bounds"]["phq9_change_points"] == {"min": 5, "max": 6}
    # The stored status follows at once: the panel and the chart agree.
    page, row, chart, export = everywhere(client, patient)
    assert page["trend_status"] == row["trend_status"] == "no_change"
    assert chart["trend"]["status"] == export["status"] == "no_change"
    assert chart["trend"]["threshold"] == 6 and export["threshold_basis"] == "rci"
    refused = client.patch(
        "/api/v1/clinic/settings",
        json={"rule_settings": {"phq9_change_points": 7}},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 422
    assert "rule_settings.phq9_change_points" in refused.json["errors"]
