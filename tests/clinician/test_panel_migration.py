"""Migration 0020 computes each stored panel row's tier without the time with the rules the
code uses (api.panel.ranks.base_tier), for every combination of inputs, stores the severity as
the ranking reads it, and goes down again."""

import itertools
import uuid

import pytest
import sqlalchemy as sa


def test_the_stored_rows_get_the_codes_base_tier_for_every_combination(app, committed_db):
    from flask_migrate import downgrade, upgrade

    from api.extensions import db
    from api.models import Clinic, PanelRank
    from api.panel import ranks
    from api.patients.operations import enrol_patient

    combos = list(itertools.product(range(5), (False, True), (None, False, True), (False, True)))
    with app.test_request_context():
        clinic = Clinic(name=f"Before the index {uuid.uuid4().hex[:6]}")
        committed_db.add(clinic)
        committed_db.flush()
        ids = [enrol_patient(clinic, display_name=f"P{n}").id for n in range(len(combos))]
        clinic_id = clinic.id
        committed_db.commit()
    committed_db.remove()
    db.engine.dispose()
    downgrade(revision="0019_panel_ranks")
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM panel_ranks WHERE clinic_id = :c"), {"c": clinic_id})
            for patient_id, (rank, safety, worsening, relapse) in zip(ids, combos, strict=True):
                conn.execute(
                    sa.text(
                        "INSERT INTO panel_ranks (patient_id, clinic_id, status, alert_rank,"
                        " open_alerts, n_imminent, n_urgent, n_high, n_routine, r_not_on_track,"
                        " r_missed_checkins, r_induction_incomplete, r_booster_overdue,"
                        " safety_open, relapse, worsening, severity_rank)"
                        " VALUES (:p, :c, 'active', :rank, 0, 0, 0, 0, 0, 0, 0, 0, 0, :safety,"
                        " :relapse, :worsening, :severity)"
                    ),
                    {"p": patient_id, "c": clinic_id, "rank": rank, "safety": safety,
                     "relapse": relapse, "worsening": worsening,
                     "severity": None if rank % 2 else rank},
                )  # fmt: skip
    finally:
        upgrade()
    with db.engine.connect() as conn:
        expected = ranks.base_tier(
            PanelRank.alert_rank, PanelRank.safety_open, PanelRank.worsening, PanelRank.relapse
        )
        rows = conn.execute(
            sa.select(PanelRank.base_tier, expected, PanelRank.severity_rank).where(
                PanelRank.clinic_id == clinic_id
            )
        ).all()
        assert len(rows) == len(combos)
        assert all(stored == code for stored, code, _ in rows)
        assert {tier for tier, _, _ in rows} == {0, 1, 2, 3, 5, 6}
        # Stored as the ranking reads it: 0 where no summary had set one.
        assert sorted({severity for _, _, severity in rows}) == [0, 2, 4]
    # Required, without a default: a row stored by code older than the migration fails.
    with db.engine.connect() as conn, conn.begin(), pytest.raises(sa.exc.IntegrityError):
        conn.execute(
            sa.text("UPDATE panel_ranks SET base_tier = NULL WHERE patient_id = :p"),
            {"p": ids[0]},
        )
