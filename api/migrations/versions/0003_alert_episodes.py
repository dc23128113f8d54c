"""Alert episodes: a patient's repeated safety answers attach to their one open alert.

Revision ID: 0003_alert_episodes
Revises: 0002_time_bounds
Create Date: 2026-12-01 21:40:00

Existing alerts are not episodes (``episode`` false), so the unique index needs no clean-up
of rows raised before it: at most one new episode per patient and rule opens beside them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_alert_episodes'
down_revision = '0002_time_bounds'
branch_labels = None
depends_on = None

OPEN_EPISODE = "status = 'open' AND episode"


def upgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('episode', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('repeats', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('latest_answered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('uq_alerts_open_episode', ['patient_id', 'rule'], unique=True, postgresql_where=sa.text(OPEN_EPISODE), sqlite_where=sa.text(OPEN_EPISODE))
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_alert_events_dedupe_key'), ['dedupe_key'])


def downgrade():
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_alert_events_dedupe_key'), type_='unique')
        batch_op.drop_column('dedupe_key')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_open_episode', postgresql_where=sa.text(OPEN_EPISODE), sqlite_where=sa.text(OPEN_EPISODE))
        batch_op.drop_column('latest_answered_at')
        batch_op.drop_column('repeats')
        batch_op.drop_column('episode')
