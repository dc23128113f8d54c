"""Times the API accepts kept inside 2000-2099 (UTC): repair, then CHECK constraints.

A check-in's ``completed_at`` of ``9999-12-31T23:59:59-05:00`` was stored as year 10000,
which psycopg cannot read back (issue #14). Rows already written that way are repaired
first (the arrival time stands in, the check-in is marked), or the constraints could not
be added. PostgreSQL only: SQLite (``make run``) keeps the offset-less text the driver
writes, which cannot leave Python's range, and cannot add a constraint in place.

Revision ID: 0002_time_bounds
Revises: 0001
Create Date: 2026-12-01 21:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002_time_bounds'
down_revision = '0001'
branch_labels = None
depends_on = None

# Frozen copies of api.timebounds (a migration must not change when the app does).
EARLIEST = "'2000-01-01 00:00:00+00:00'"
LATEST = "'2100-01-01 00:00:00+00:00'"
CHECKED = {
    'checkins': ('completed_at', 'reported_completed_at', 'received_at'),
    'alerts': ('answered_at',),
    'treatment_sessions': ('administered_at',),
}


def _outside(column):
    return f"({column} < {EARLIEST} OR {column} >= {LATEST})"


def _range_check(column):
    return f"{column} IS NULL OR ({column} >= {EARLIEST} AND {column} < {LATEST})"


REPAIRS = [
    # A device time that cannot be read back is dropped and the check-in marked.
    f"UPDATE checkins SET reported_completed_at = NULL, reported_time_unusable = true"
    f" WHERE {_outside('reported_completed_at')}",
    f"UPDATE checkins SET received_at = now() WHERE {_outside('received_at')}",
    f"UPDATE checkins SET completed_at = received_at, reported_time_unusable = true"
    f" WHERE {_outside('completed_at')}",
    f"UPDATE alerts SET answered_at = created_at WHERE {_outside('answered_at')}",
    f"UPDATE treatment_sessions SET administered_at = created_at"
    f" WHERE {_outside('administered_at')}",
    # A cache of the latest check-in: the next evaluation of the patient refills it.
    f"UPDATE patient_summaries SET last_checkin_at = NULL WHERE {_outside('last_checkin_at')}",
    f"UPDATE treatment_courses SET started_at = created_at WHERE {_outside('started_at')}",
]


def upgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'reported_time_unusable', sa.Boolean(), server_default=sa.false(), nullable=False
        ))
    if op.get_bind().dialect.name != 'postgresql':
        return
    for statement in REPAIRS:
        op.execute(statement)
    for table, columns in CHECKED.items():
        for column in columns:
            op.create_check_constraint(
                op.f(f'ck_{table}_{column}_in_range'), table, _range_check(column)
            )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table, columns in CHECKED.items():
            for column in columns:
                op.drop_constraint(op.f(f'ck_{table}_{column}_in_range'), table, type_='check')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_column('reported_time_unusable')
