"""Check-ins under way sent for a safety answer (checkin_partials); checkins.follow_up_of.

Revision ID: 0004_checkin_partials
Revises: 0003_alert_episodes
Create Date: 2026-12-01 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_checkin_partials'
down_revision = '0003_alert_episodes'
branch_labels = None
depends_on = None


#: The stored range of 0002_time_bounds, for the new table's times (PostgreSQL only, as there).
BOUNDED = ('answered_at', 'reported_answered_at', 'received_at')
RANGE = "{0} IS NULL OR ({0} >= '2000-01-01 00:00:00+00:00' AND {0} < '2100-01-01 00:00:00+00:00')"


def upgrade():
    op.create_table('checkin_partials',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('instrument', sa.String(length=32), nullable=False),
    sa.Column('instrument_version', sa.String(length=32), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('safety_level', sa.String(length=32), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_checkin_partials_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_checkin_partials_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_partials'))
    )
    with op.batch_alter_table('checkin_partials', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_partials_patient_time', ['patient_id', 'answered_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for column in BOUNDED:
            op.create_check_constraint(
                op.f(f'ck_checkin_partials_{column}_in_range'), 'checkin_partials', RANGE.format(column)
            )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_of', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_checkins_follow_up_of'), ['follow_up_of'], unique=False)


def downgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkins_follow_up_of'))
        batch_op.drop_column('follow_up_of')
    with op.batch_alter_table('checkin_partials', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_partials_patient_time')
    op.drop_table('checkin_partials')
