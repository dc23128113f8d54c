"""The worker's evaluation of a check-in stores the booster forecast with the summary (#21):
a PHQ-9 back out of response turns the forecast into its reason."""

from api.models import BoosterForecast
from api.pipeline.summary import refresh
from tests.support.answers import phq9, submit
from tests.support.forecast_history import write_history


def test_an_evaluated_checkin_updates_the_stored_forecast(
    client, redeem, team, db_session, run_task
):
    write_history(db_session, team.patient)
    refresh(team.patient.id)
    assert db_session.get(BoosterForecast, team.patient.id).reason == "forecast"
    csrf = redeem(client, team.patient)
    lost = submit(client, csrf, phq9(q1=3, q2=3, q3=3, q4=3, q5=3))  # 15: above 50 % of 20
    db_session.expire_all()
    assert db_session.get(BoosterForecast, team.patient.id).reason == "forecast"  # not yet
    run_task("waypoint.evaluate_checkin", str(lost))
    db_session.expire_all()
    stored = db_session.get(BoosterForecast, team.patient.id)
    assert (stored.reason, stored.due_at) == ("response_lost", None)
    assert stored.payload["words"].startswith("The latest PHQ-9 since the session is already")


def test_a_clinic_with_history_enough_gets_its_own_prior(
    team, create_patient, db_session, run_task
):
    """30 patients with three losses each: the daily refit stores the clinic's own prior, and
    the next forecasts start from it and say so; below the minimums it is removed again."""
    from api.models import ForecastPrior, TreatmentSession
    from surveys.survival import MIN_POOLED_PATIENTS

    patients = [team.patient] + [
        create_patient(team.clinic) for _ in range(MIN_POOLED_PATIENTS - 1)
    ]
    for patient in patients:
        write_history(db_session, patient)
    assert run_task("waypoint.refit_forecast_priors") == {"fitted": 1}
    stored = db_session.get(ForecastPrior, team.clinic.id)
    assert (stored.patients, stored.losses) == (MIN_POOLED_PATIENTS, 3 * MIN_POOLED_PATIENTS)
    refresh(team.patient.id)
    forecast = db_session.get(BoosterForecast, team.patient.id)
    assert forecast.payload["prior"]["source"] == "clinic"
    assert "the clinic's pooled history (30 patients)" in forecast.payload["words"]

    db_session.query(TreatmentSession).filter(
        TreatmentSession.patient_id == patients[-1].id
    ).delete()
    assert run_task("waypoint.refit_forecast_priors") == {"fitted": 0}
    db_session.expire_all()
    assert db_session.get(ForecastPrior, team.clinic.id) is None
