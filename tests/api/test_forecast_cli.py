"""``waypoint forecast-report`` on a clinic's own history (the synthetic report is tested in
tests/surveys/test_forecast_backtest.py)."""

import json

from api.forecast.cli import forecast_report
from api.forecast.operations import clinic_courses
from tests.support.forecast_history import PHQ9, SESSIONS, write_history


def test_the_clinic_history_is_read_as_courses_with_their_baseline(db_session, create_patient):
    patient = create_patient()
    write_history(db_session, patient)
    (course,) = clinic_courses(patient.clinic_id)
    assert course.baseline == 20
    assert len(course.sessions) == len(SESSIONS) and len(course.phq9) == len(PHQ9)


def test_the_report_runs_on_a_clinics_history(app, db_session, create_patient):
    patient = create_patient()
    write_history(db_session, patient)
    result = app.test_cli_runner().invoke(
        forecast_report, ["--clinic", str(patient.clinic_id), "--as-json"]
    )
    assert result.exit_code == 0, result.output
    (block,) = json.loads(result.output)["priors"]  # published only: no pool from its own data
    rows = block["cohorts"]["this clinic"]["scores"]
    # Boosters on days 40, 66 and 95 each start an interval with an earlier one behind it.
    assert rows["forecast"]["intervals"] == 3 and rows["fixed"]["losses"] == 2


def test_the_report_asks_for_one_source(app, db_session):
    result = app.test_cli_runner().invoke(forecast_report, [])
    assert result.exit_code == 2 and "--synthetic or --clinic" in result.output


def test_replications_are_of_synthetic_cohorts_only(app, db_session, create_patient):
    patient = create_patient()
    result = app.test_cli_runner().invoke(
        forecast_report, ["--clinic", str(patient.clinic_id), "--replicate", "2"]
    )
    assert result.exit_code == 2 and "with --synthetic" in result.output
    refused = app.test_cli_runner().invoke(forecast_report, ["--synthetic", "--replicate", "0"])
    assert refused.exit_code == 2
