"""Booster forecasts: one row per patient, the worker's latest forecast, and each clinic's own
prior once its pooled history is large enough (issue #21).

Revision ID: 0015_forecast
Revises: 0014_monitored_sessions
Create Date: 2026-12-02 06:10:00

Empty at first: each patient's row appears at the next evaluation, session or course change
(the forecast is computed with the summary, never guessed for old data here).
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_forecast'
down_revision = '0014_monitored_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'booster_forecasts',
        sa.Column('patient_id', sa.Uuid(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('due_low_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('due_high_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['patient_id'], ['patients.id'],
            name=op.f('fk_booster_forecasts_patient_id_patients'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['course_id'], ['treatment_courses.id'],
            name=op.f('fk_booster_forecasts_course_id_treatment_courses'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_booster_forecasts')),
    )
    op.create_index(
        op.f('ix_booster_forecasts_due_at'), 'booster_forecasts', ['due_at'], unique=False
    )
    op.create_table(
        'forecast_priors',
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('shape', sa.Float(), nullable=False),
        sa.Column('a', sa.Float(), nullable=False),
        sa.Column('b', sa.Float(), nullable=False),
        sa.Column('patients', sa.Integer(), nullable=False),
        sa.Column('losses', sa.Integer(), nullable=False),
        sa.Column('fitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['clinic_id'], ['clinics.id'],
            name=op.f('fk_forecast_priors_clinic_id_clinics'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('clinic_id', name=op.f('pk_forecast_priors')),
    )


def downgrade():
    op.drop_table('forecast_priors')
    op.drop_index(op.f('ix_booster_forecasts_due_at'), table_name='booster_forecasts')
    op.drop_table('booster_forecasts')
