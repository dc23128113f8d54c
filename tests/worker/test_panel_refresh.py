"""Beat's refresh of the panel's stored ranking (api/panel/ranks.py): scheduled on the periodic
queue every PANEL_RANK_SECONDS; the task stores the listed patients' rows and empties the list."""

import sqlalchemy as sa

from api.models import PanelRank, PanelRankDirty


def test_beat_refreshes_the_panel_ranking_on_the_periodic_queue(app):
    from worker.celery_app import celery_app

    entry = celery_app.conf.beat_schedule["panel_ranks"]
    assert entry["task"] == "waypoint.refresh_panel_ranks"
    assert entry["schedule"] == app.config["PANEL_RANK_SECONDS"] == 5
    assert entry["options"] == {"queue": "periodic", "expires": 5}


def test_the_task_stores_the_listed_patients_and_empties_the_list(
    db_session, create_patient, create_clinic, run_task
):
    from api.models import Alert
    from api.models.base import utcnow

    clinic = create_clinic()
    patients = [create_patient(clinic) for _ in range(3)]
    db_session.add(
        Alert(
            clinic_id=clinic.id, patient_id=patients[0].id, dedupe_key="refresh-test",
            rule="severe_score", priority="high", reason="test", status="open",
            created_at=utcnow(), red_flag=False,
        )
    )  # fmt: skip
    db_session.flush()
    listed = set(db_session.scalars(sa.select(PanelRankDirty.patient_id)))
    assert {p.id for p in patients} <= listed
    result = run_task("waypoint.refresh_panel_ranks")
    assert result["refreshed"] >= 3
    assert db_session.scalar(sa.select(sa.func.count()).select_from(PanelRankDirty)) == 0
    row = db_session.get(PanelRank, patients[0].id)
    assert (row.clinic_id, row.alert_rank, row.n_high, row.open_alerts) == (clinic.id, 2, 1, 1)
    assert db_session.get(PanelRank, patients[1].id).open_alerts == 0
    assert run_task("waypoint.refresh_panel_ranks") == {"refreshed": 0}
