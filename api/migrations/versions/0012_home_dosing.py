"""At-home dosing: each patient's dose plan (home_dosing_plans) and dose log (home_doses).

Revision ID: 0012_home_dosing
Revises: 0011_course_plans
Create Date: 2026-12-02 06:00:00

New tables only: no patient has a home-dosing plan until a clinician sets one.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_home_dosing'
down_revision = '0011_course_plans'
branch_labels = None
depends_on = None

DUE = 'post_check_at IS NULL AND post_check_due_at IS NOT NULL'
RANGE = "{0} IS NULL OR ({0} >= '2000-01-01 00:00:00+00:00' AND {0} < '2100-01-01 00:00:00+00:00')"


def upgrade():
    op.create_table('home_dosing_plans',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('prescription_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_home_dosing_plans_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_home_dosing_plans_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['staff_users.id'], name=op.f('fk_home_dosing_plans_updated_by_staff_users')),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_home_dosing_plans'))
    )
    with op.batch_alter_table('home_dosing_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_home_dosing_plans_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('home_doses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('systolic', sa.Integer(), nullable=True),
    sa.Column('diastolic', sa.Integer(), nullable=True),
    sa.Column('heart_rate', sa.Integer(), nullable=True),
    sa.Column('monitor_present', sa.Boolean(), nullable=True),
    sa.Column('new_symptoms', sa.Boolean(), nullable=True),
    sa.Column('gate_ok', sa.Boolean(), nullable=False),
    sa.Column('gate_reasons', sa.JSON(), nullable=False),
    sa.Column('dosed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outside_app', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('post_check_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('post_check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('post_check_checkin_id', sa.Uuid(), nullable=True),
    sa.Column('post_check_missed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(RANGE.format('checked_at'), name=op.f('ck_home_doses_checked_at_in_range')),
    sa.CheckConstraint(RANGE.format('dosed_at'), name=op.f('ck_home_doses_dosed_at_in_range')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_home_doses_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_home_doses_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_check_checkin_id'], ['checkins.id'], name=op.f('fk_home_doses_post_check_checkin_id_checkins'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_home_doses'))
    )
    with op.batch_alter_table('home_doses', schema=None) as batch_op:
        batch_op.create_index('ix_home_doses_patient_dosed', ['patient_id', 'dosed_at'], unique=False)
        batch_op.create_index('ix_home_doses_post_check_due', ['post_check_due_at'], unique=False, postgresql_where=sa.text(DUE), sqlite_where=sa.text(DUE))


def downgrade():
    with op.batch_alter_table('home_doses', schema=None) as batch_op:
        batch_op.drop_index('ix_home_doses_post_check_due', postgresql_where=sa.text(DUE), sqlite_where=sa.text(DUE))
        batch_op.drop_index('ix_home_doses_patient_dosed')
    op.drop_table('home_doses')
    with op.batch_alter_table('home_dosing_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_home_dosing_plans_clinic_id'))
    op.drop_table('home_dosing_plans')
