"""Alerts say when and what: alerts.received_at and alerts.safety_answers.

Revision ID: 0006_alert_answer_times
Revises: 0005_publish_backoff
Create Date: 2026-12-02 01:00:00

``received_at`` is when the answer that raised the alert reached the server (an answer kept
on an offline phone arrives long after ``answered_at``); ``safety_answers`` the safety items'
answers that raised it, in the instrument's words. Alerts raised before this revision get
their ``created_at`` as arrival (a safety alert is raised in the transaction that stores the
answer, so it is exact for them) and no answers (the clinic views then show none).
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_alert_answer_times'
down_revision = '0005_publish_backoff'
branch_labels = None
depends_on = None

RANGE = "{0} IS NULL OR ({0} >= '2000-01-01 00:00:00+00:00' AND {0} < '2100-01-01 00:00:00+00:00')"


def upgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('safety_answers', sa.JSON(), nullable=True))
    op.execute("UPDATE alerts SET received_at = created_at WHERE answered_at IS NOT NULL")
    if op.get_bind().dialect.name == 'postgresql':
        op.create_check_constraint(
            op.f('ck_alerts_received_at_in_range'), 'alerts', RANGE.format('received_at')
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_alerts_received_at_in_range'), 'alerts', type_='check')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('safety_answers')
        batch_op.drop_column('received_at')
