"""Intake before a course: antidepressant trials, the signed screen, reasoned overrides.

Revision ID: 0013_intake
Revises: 0012_home_dosing
Create Date: 2026-12-02 05:50:00

New tables only. Patients who already have a course keep it; the intake is asked of them
before their next new course (api/intake/operations.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_intake'
down_revision = '0012_home_dosing'
branch_labels = None
depends_on = None

#: surveys.intake.SCREEN's codes as of this revision (a new item needs a migration).
ITEMS = (
    'aneurysm_avm', 'intracerebral_haemorrhage', 'hypersensitivity', 'uncontrolled_hypertension',
    'unstable_cardiovascular', 'pregnancy', 'psychosis_history', 'substance_use_disorder',
    'bladder', 'liver', 'cerebrovascular_or_icp', 'cognitive_impairment', 'breastfeeding',
)
ITEM_CHECK = f"item IN {ITEMS}"


def upgrade():
    op.create_table('intake_trials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('drug', sa.String(length=100), nullable=False),
    sa.Column('dose_mg_per_day', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('duration_weeks', sa.Integer(), nullable=False),
    sa.Column('adequate', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('current_episode', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("outcome IN ('response', 'partial', 'none', 'not_tolerated')", name=op.f('ck_intake_trials_outcome')),
    sa.CheckConstraint('duration_weeks BETWEEN 0 AND 520', name=op.f('ck_intake_trials_duration_weeks')),
    sa.ForeignKeyConstraint(['deleted_by'], ['staff_users.id'], name=op.f('fk_intake_trials_deleted_by_staff_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_intake_trials_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['staff_users.id'], name=op.f('fk_intake_trials_recorded_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_trials'))
    )
    with op.batch_alter_table('intake_trials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_trials_patient_id'), ['patient_id'], unique=False)

    op.create_table('intake_answers',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('answer', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('signed_by', sa.Integer(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("answer IN ('yes', 'no', 'unknown')", name=op.f('ck_intake_answers_answer')),
    sa.CheckConstraint(ITEM_CHECK, name=op.f('ck_intake_answers_item')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_intake_answers_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_by'], ['staff_users.id'], name=op.f('fk_intake_answers_signed_by_staff_users')),
    sa.PrimaryKeyConstraint('patient_id', 'item', name=op.f('pk_intake_answers'))
    )

    op.create_table('intake_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('answer', sa.String(length=10), nullable=False),
    sa.Column('answer_signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(ITEM_CHECK, name=op.f('ck_intake_overrides_item')),
    sa.ForeignKeyConstraint(['by'], ['staff_users.id'], name=op.f('fk_intake_overrides_by_staff_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_intake_overrides_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_overrides'))
    )
    with op.batch_alter_table('intake_overrides', schema=None) as batch_op:
        batch_op.create_index('ix_intake_overrides_patient_item', ['patient_id', 'item'], unique=False)


def downgrade():
    with op.batch_alter_table('intake_overrides', schema=None) as batch_op:
        batch_op.drop_index('ix_intake_overrides_patient_item')
    op.drop_table('intake_overrides')
    op.drop_table('intake_answers')
    with op.batch_alter_table('intake_trials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_trials_patient_id'))
    op.drop_table('intake_trials')
