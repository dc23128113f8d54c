"""Measurements a clinician can trust (#18): planned courses and the new statuses.

Revision ID: 0009_measurement_baselines
Revises: 0008_risk_flags
Create Date: 2026-12-02 05:30:00

- ``treatment_courses.planned_start_at``: a course planned before its first session (its
  planned first session), which makes a pre-treatment check-in due. Existing courses all
  have sessions: NULL.
- ``patient_summaries.trend_status`` widens to 32 characters for
  "worsening_after_response".
- Existing summaries are recomputed by the new rules (baseline kind, response and remission
  from a baseline above 9 only, change thresholds at least 7 days apart, the clinic's
  threshold): a stored "response" from a PHQ-9 of 3 must not outlive the upgrade. The rules
  are the pure ``surveys`` package; the rows are read and written here with plain SQL.

Down: "worsening_after_response" becomes "worsening" (the old word for the same rise) before
the column narrows; the planned start is dropped (the course and its label stay).
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_measurement_baselines'
down_revision = '0008_risk_flags'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patient_summaries', schema=None) as batch_op:
        batch_op.alter_column('trend_status', existing_type=sa.String(length=20), type_=sa.String(length=32), existing_nullable=True)
    with op.batch_alter_table('treatment_courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_start_at', sa.DateTime(timezone=True), nullable=True))
    _recompute_summaries(op.get_bind())


def downgrade():
    op.execute(
        "UPDATE patient_summaries SET trend_status = 'worsening' "
        "WHERE trend_status = 'worsening_after_response'"
    )
    with op.batch_alter_table('treatment_courses', schema=None) as batch_op:
        batch_op.drop_column('planned_start_at')
    with op.batch_alter_table('patient_summaries', schema=None) as batch_op:
        batch_op.alter_column('trend_status', existing_type=sa.String(length=32), type_=sa.String(length=20), existing_nullable=True)


def _recompute_summaries(connection):
    """Every stored summary again, from the patient's check-ins, sessions and clinic settings."""
    from surveys.rules import RuleSettings
    from surveys.errors import SettingsError
    from surveys.summary import courses_of, summarise, trend_points

    summaries = sa.table(
        'patient_summaries',
        sa.column('patient_id', sa.Uuid()),
        sa.column('worsening', sa.Boolean()),
        sa.column('severity_rank', sa.Integer()),
        sa.column('trend_status', sa.String()),
        sa.column('instruments', sa.JSON()),
    )
    patients = connection.execute(
        sa.text(
            'SELECT s.patient_id, c.id, c.rule_settings FROM patient_summaries s'
            ' JOIN patients p ON p.id = s.patient_id JOIN clinics c ON c.id = p.clinic_id'
        ).columns(sa.column('patient_id', sa.Uuid()), sa.column('id'), sa.column('rule_settings', sa.JSON()))
    ).all()
    for patient_id, _clinic_id, stored in patients:
        try:
            thresholds = RuleSettings.from_dict(stored or {}).thresholds()
        except SettingsError:
            thresholds = RuleSettings().thresholds()
        sessions = connection.execute(
            sa.text(
                'SELECT course_id, administered_at FROM treatment_sessions'
                ' WHERE patient_id = :p AND deleted_at IS NULL'
            ).columns(sa.column('course_id'), sa.column('administered_at', sa.DateTime(timezone=True))),
            {'p': patient_id},
        ).all()
        rows = connection.execute(
            sa.text(
                'SELECT id, instrument, completed_at, total, safety_endorsed FROM checkins'
                ' WHERE patient_id = :p AND total IS NOT NULL'
            ).columns(
                sa.column('id', sa.Uuid()),
                sa.column('instrument'),
                sa.column('completed_at', sa.DateTime(timezone=True)),
                sa.column('total'),
                sa.column('safety_endorsed'),
            ),
            {'p': patient_id},
        ).all()
        courses = courses_of([(s.course_id, s.administered_at) for s in sessions])
        values = summarise(trend_points(rows), courses[-1] if courses else None, thresholds)
        connection.execute(
            summaries.update()
            .where(summaries.c.patient_id == patient_id)
            .values(
                worsening=values['worsening'],
                severity_rank=values['severity_rank'],
                trend_status=values['trend_status'],
                instruments=values['instruments'],
            )
        )
