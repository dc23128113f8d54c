"""Risk that stays visible: alerts.red_flag (a positive safety screen) and risk_flags (a
worsening against the lowest score, under review until someone dismisses it).

Revision ID: 0008_risk_flags
Revises: 0007_staff_invites
Create Date: 2026-12-02 01:10:00

Existing alerts of the safety rules become red flags, so that a patient whose item-9 alert
was resolved a week ago keeps the flag for the rest of the clinic's hold as a new one would.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_risk_flags'
down_revision = '0007_staff_invites'
branch_labels = None
depends_on = None

#: The safety rules at the time of this migration (surveys.rules.is_red_flag).
RED_FLAG_RULES = ('imminent', 'non_acute_positive', 'suicidal_ideation')
OPEN_FLAG = 'dismissed_at IS NULL'


def upgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('red_flag', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        sa.text('UPDATE alerts SET red_flag = :yes WHERE rule IN :rules').bindparams(
            sa.bindparam('yes', True), sa.bindparam('rules', RED_FLAG_RULES, expanding=True)
        )
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_red_flag', ['clinic_id', 'resolved_at'], unique=False, postgresql_where=sa.text('red_flag'), sqlite_where=sa.text('red_flag'))
    op.create_table('risk_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('instrument', sa.String(length=32), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('lowest', sa.Integer(), nullable=False),
    sa.Column('lowest_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latest', sa.Integer(), nullable=False),
    sa.Column('latest_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dismissed_by', sa.Integer(), nullable=True),
    sa.Column('dismiss_note', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('relapse')", name=op.f('ck_risk_flags_kind')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_risk_flags_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['dismissed_by'], ['staff_users.id'], name=op.f('fk_risk_flags_dismissed_by_staff_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_risk_flags_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_flags')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_risk_flags_dedupe_key'))
    )
    with op.batch_alter_table('risk_flags', schema=None) as batch_op:
        batch_op.create_index('ix_risk_flags_open', ['clinic_id', 'patient_id'], unique=False, postgresql_where=sa.text(OPEN_FLAG), sqlite_where=sa.text(OPEN_FLAG))
        batch_op.create_index(batch_op.f('ix_risk_flags_patient_id'), ['patient_id'], unique=False)


def downgrade():
    with op.batch_alter_table('risk_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_flags_patient_id'))
        batch_op.drop_index('ix_risk_flags_open', postgresql_where=sa.text(OPEN_FLAG), sqlite_where=sa.text(OPEN_FLAG))
    op.drop_table('risk_flags')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_red_flag', postgresql_where=sa.text('red_flag'), sqlite_where=sa.text('red_flag'))
        batch_op.drop_column('red_flag')
