"""Monitored sessions: timed readings, the monitoring record, the coded drug, REMS records.

Revision ID: 0014_monitored_sessions
Revises: 0013_intake
Create Date: 2026-12-02 06:00:00

Existing sessions are carried over without guessing: their two blood pressures become the
pre-dose and ~40-minute readings (``taken_at`` null: the time was never recorded), a CADSS
total is marked as the full CADSS (the only scale the field held, 0-92), and the drug stays
null (unknown): the route does not say it, since intranasal racemic ketamine and IV
esketamine both exist. No REMS record is made for them, for the same reason. Subcutaneous
joins the routes. Down again, the pressures go back to their columns and the rest is
dropped; a subcutaneous session cannot go down and stops the downgrade, naming why.
"""

from alembic import op
import sqlalchemy as sa


revision = '0014_monitored_sessions'
down_revision = '0013_intake'
branch_labels = None
depends_on = None

OLD_MODALITIES = "('iv', 'im', 'intranasal', 'oral', 'sublingual')"
MODALITIES = "('iv', 'im', 'intranasal', 'oral', 'sublingual', 'subcutaneous')"
RANGE = "{c} IS NULL OR ({c} >= '2000-01-01 00:00:00+00:00' AND {c} < '2100-01-01 00:00:00+00:00')"
NEW_COLUMNS = (
    ('drug', sa.String(length=20)),
    ('devices', sa.SmallInteger()),
    ('lot_number', sa.String(length=40)),
    ('cadss_form', sa.String(length=10)),
    ('moaas', sa.SmallInteger()),
    ('sedation', sa.Boolean()),
    ('dissociation', sa.Boolean()),
    ('respiratory_depression', sa.Boolean()),
    ('respiratory_note', sa.Text()),
    ('vitals_ok_pre', sa.Boolean()),
    ('vitals_ok_discharge', sa.Boolean()),
    ('monitoring_started_at', sa.DateTime(timezone=True)),
    ('monitoring_ended_at', sa.DateTime(timezone=True)),
    ('ready_to_leave_at', sa.DateTime(timezone=True)),
    ('early_leave_reason', sa.Text()),
    ('concomitant_classes', sa.JSON()),
    ('serious_adverse_event', sa.Boolean()),
    ('serious_adverse_event_note', sa.Text()),
)
TIME_CHECKS = (
    ('monitoring_started_in_range', 'monitoring_started_at'),
    ('monitoring_ended_in_range', 'monitoring_ended_at'),
    ('ready_to_leave_in_range', 'ready_to_leave_at'),
)
PAIRS = (('pre_dose', 'bp_pre'), ('post_40', 'bp_post'))


def upgrade():
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        for name, type_ in NEW_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.drop_constraint('modality', type_='check')
        batch_op.create_check_constraint('modality', f"modality IN {MODALITIES}")
        batch_op.create_check_constraint('drug', "drug IN ('ketamine', 'esketamine')")
        batch_op.create_check_constraint('cadss_form', "cadss_form IN ('full', 'cadss6')")
        for name, column in TIME_CHECKS:
            batch_op.create_check_constraint(name, RANGE.format(c=column))
    op.create_table('session_readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('systolic', sa.SmallInteger(), nullable=True),
    sa.Column('diastolic', sa.SmallInteger(), nullable=True),
    sa.Column('heart_rate', sa.SmallInteger(), nullable=True),
    sa.Column('spo2', sa.SmallInteger(), nullable=True),
    sa.CheckConstraint("kind IN ('pre_dose', 'post_40', 'discharge', 'further')", name=op.f('ck_session_readings_kind')),
    sa.CheckConstraint(RANGE.format(c='taken_at'), name=op.f('ck_session_readings_taken_at_in_range')),
    sa.ForeignKeyConstraint(['session_id'], ['treatment_sessions.id'], name=op.f('fk_session_readings_session_id_treatment_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_readings'))
    )
    with op.batch_alter_table('session_readings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_readings_session_id'), ['session_id'], unique=False)
        batch_op.create_index('uq_session_readings_checkpoint', ['session_id', 'kind'], unique=True, postgresql_where=sa.text("kind <> 'further'"), sqlite_where=sa.text("kind <> 'further'"))
    op.create_table('rems_records',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submission_reference', sa.String(length=100), nullable=True),
    sa.Column('submitted_fields', sa.JSON(), nullable=True),
    sa.CheckConstraint(RANGE.format(c='submitted_at'), name=op.f('ck_rems_records_submitted_at_in_range')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_rems_records_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_rems_records_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['treatment_sessions.id'], name=op.f('fk_rems_records_session_id_treatment_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by'], ['staff_users.id'], name=op.f('fk_rems_records_submitted_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rems_records')),
    sa.UniqueConstraint('session_id', name=op.f('uq_rems_records_session_id'))
    )
    with op.batch_alter_table('rems_records', schema=None) as batch_op:
        batch_op.create_index('ix_rems_records_clinic_due', ['clinic_id', 'submitted_at', 'due_at'], unique=False)
    for kind, prefix in PAIRS:
        op.execute(
            "INSERT INTO session_readings (session_id, kind, systolic, diastolic)"
            f" SELECT id, '{kind}', {prefix}_systolic, {prefix}_diastolic FROM treatment_sessions"
            f" WHERE {prefix}_systolic IS NOT NULL OR {prefix}_diastolic IS NOT NULL"
        )
    op.execute("UPDATE treatment_sessions SET cadss_form = 'full' WHERE cadss IS NOT NULL")
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        for _, prefix in PAIRS:
            batch_op.drop_column(f'{prefix}_systolic')
            batch_op.drop_column(f'{prefix}_diastolic')


def downgrade():
    bind = op.get_bind()
    subcutaneous = bind.execute(
        sa.text("SELECT count(*) FROM treatment_sessions WHERE modality = 'subcutaneous'")
    ).scalar()
    if subcutaneous:
        raise RuntimeError(
            f"{subcutaneous} subcutaneous session(s) exist; 0013 has no such route. "
            "Correct or remove them before going down."
        )
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        for _, prefix in PAIRS:
            batch_op.add_column(sa.Column(f'{prefix}_systolic', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column(f'{prefix}_diastolic', sa.Integer(), nullable=True))
    for kind, prefix in PAIRS:
        op.execute(
            f"UPDATE treatment_sessions SET {prefix}_systolic = r.systolic,"
            f" {prefix}_diastolic = r.diastolic FROM session_readings r"
            f" WHERE r.session_id = treatment_sessions.id AND r.kind = '{kind}'"
        )
    op.drop_table('rems_records')
    op.drop_table('session_readings')
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        for name, _ in TIME_CHECKS:
            batch_op.drop_constraint(name, type_='check')
        batch_op.drop_constraint('cadss_form', type_='check')
        batch_op.drop_constraint('drug', type_='check')
        batch_op.drop_constraint('modality', type_='check')
        batch_op.create_check_constraint('modality', f"modality IN {OLD_MODALITIES}")
        for name, _ in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
