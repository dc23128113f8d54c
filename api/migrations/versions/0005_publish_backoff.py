"""When each outstanding row was last published: the reconciler's backoff.

checkins.last_published_at; notification_deliveries.last_published_at and enqueue_count.
Backfill: an unevaluated check-in was published when it was received, a pending delivery for
its next attempt; the rest stay NULL (only outstanding rows are ever read).

Revision ID: 0005_publish_backoff
Revises: 0004_checkin_partials
Create Date: 2026-12-02 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_publish_backoff'
down_revision = '0004_checkin_partials'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_published_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('enqueue_count', sa.Integer(), server_default='0', nullable=False))
    # Outstanding rows only: both are covered by the partial indexes the reconciler reads.
    op.execute('UPDATE checkins SET last_published_at = received_at WHERE evaluated_at IS NULL')
    op.execute(
        "UPDATE notification_deliveries SET last_published_at = next_attempt_at"
        " WHERE status = 'pending'"
    )


def downgrade():
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.drop_column('enqueue_count')
        batch_op.drop_column('last_published_at')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_column('last_published_at')
