"""The panel's ranking inputs, one narrow row per patient, and the log of the rows gone stale.

Revision ID: 0019_panel_ranks
Revises: 0018_fhir_entries
Create Date: 2026-12-03 16:00:00

``panel_ranks`` holds each patient's ranking inputs as the worker last computed them
(api/panel/ranks.py). On PostgreSQL, statement-level triggers append the patients a statement
touched to ``panel_rank_dirty``: an insert or delete of their alerts, risk flags, check-ins due
or summary, an update that changes a column the ranking reads, a new patient, a patient's new
clinic or status. The triggers only append (no lock, no unique key: no write waits on another
for them); the panel reads a logged patient's inputs live until the worker has recomputed the
row. Every existing patient is logged here, so the first refresh fills the table.
SQLite gets the tables only: no trigger logs anything there, and its panel reads every patient
live (api/panel/operations.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_panel_ranks'
down_revision = '0018_fhir_entries'
branch_labels = None
depends_on = None

#: The counts the panel shows, by surveys.rules.PRIORITY_ORDER and the routine rules of
#: api.panel.operations.ROUTINE_RULE_LABELS at this revision.
COUNTS = (
    'n_imminent', 'n_urgent', 'n_high', 'n_routine',
    'r_not_on_track', 'r_missed_checkins', 'r_induction_incomplete', 'r_booster_overdue',
)
#: Each input table: its key, and the columns the ranking reads (an update of any other
#: column, a reminder's stamp say, logs nothing).
INPUTS = {
    'alerts': (
        'id',
        ('patient_id', 'clinic_id', 'status', 'priority', 'rule', 'answered_at', 'created_at',
         'red_flag', 'resolved_at'),
    ),
    'risk_flags': ('id', ('patient_id', 'clinic_id', 'dismissed_at')),
    'checkins_due': ('id', ('patient_id', 'due_at', 'completed_checkin_id')),
    'patient_summaries': (
        'patient_id', ('worsening', 'severity_rank', 'last_checkin_at', 'trend_status')
    ),
    'patients': ('id', ('clinic_id', 'status')),
}
#: (event, REFERENCING clause): PostgreSQL allows transition tables on one event per trigger.
EVENTS = (
    ('insert', 'NEW TABLE AS new_rows'),
    ('update', 'OLD TABLE AS old_rows NEW TABLE AS new_rows'),
    ('delete', 'OLD TABLE AS old_rows'),
)


def _function(table: str) -> str:
    key, columns = INPUTS[table]
    patient = 'id' if table == 'patients' else 'patient_id'
    new = ', '.join(f'n.{c}' for c in columns)
    old = ', '.join(f'o.{c}' for c in columns)
    return f"""
CREATE FUNCTION panel_rank_mark_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO panel_rank_dirty (patient_id) SELECT DISTINCT {patient} FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO panel_rank_dirty (patient_id) SELECT DISTINCT {patient} FROM old_rows;
    ELSE
        INSERT INTO panel_rank_dirty (patient_id)
        SELECT n.{patient} FROM new_rows n JOIN old_rows o ON o.{key} = n.{key}
        WHERE ({new}) IS DISTINCT FROM ({old})
        UNION
        SELECT o.{patient} FROM new_rows n JOIN old_rows o ON o.{key} = n.{key}
        WHERE ({new}) IS DISTINCT FROM ({old});
    END IF;
    RETURN NULL;
END $$;
"""


def upgrade():
    op.create_table(
        'panel_ranks',
        sa.Column('patient_id', sa.Uuid(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('alert_rank', sa.Integer(), nullable=False),
        sa.Column('open_alerts', sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column('oldest_alert_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('safety_open', sa.Boolean(), nullable=False),
        sa.Column('safety_resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('relapse', sa.Boolean(), nullable=False),
        sa.Column('next_due', sa.DateTime(timezone=True), nullable=True),
        sa.Column('worsening', sa.Boolean(), nullable=True),
        sa.Column('severity_rank', sa.Integer(), nullable=True),
        sa.Column('last_checkin_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('trend_status', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ['patient_id'], ['patients.id'],
            name=op.f('fk_panel_ranks_patient_id_patients'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['clinic_id'], ['clinics.id'], name=op.f('fk_panel_ranks_clinic_id_clinics')
        ),
        sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_panel_ranks')),
    )
    op.create_index(op.f('ix_panel_ranks_clinic_id'), 'panel_ranks', ['clinic_id'])
    op.create_table(
        'panel_rank_dirty',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('patient_id', sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_rank_dirty')),
    )
    op.create_index(op.f('ix_panel_rank_dirty_patient_id'), 'panel_rank_dirty', ['patient_id'])
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in INPUTS:
        op.execute(_function(table))
        for event, referencing in EVENTS:
            if table == 'patients' and event == 'delete':
                continue  # its rank row goes with it (ON DELETE CASCADE)
            op.execute(
                f'CREATE TRIGGER panel_rank_{event} AFTER {event.upper()} ON {table} '
                f'REFERENCING {referencing} FOR EACH STATEMENT '
                f'EXECUTE FUNCTION panel_rank_mark_{table}()'
            )
    op.execute('INSERT INTO panel_rank_dirty (patient_id) SELECT id FROM patients')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in INPUTS:
            for event, _ in EVENTS:
                op.execute(f'DROP TRIGGER IF EXISTS panel_rank_{event} ON {table}')
            op.execute(f'DROP FUNCTION panel_rank_mark_{table}()')
    op.drop_index(op.f('ix_panel_rank_dirty_patient_id'), table_name='panel_rank_dirty')
    op.drop_table('panel_rank_dirty')
    op.drop_index(op.f('ix_panel_ranks_clinic_id'), table_name='panel_ranks')
    op.drop_table('panel_ranks')
