"""Cases: alerts of one episode dealt with as one, the call log, each patient's follow-up.

Revision ID: 0010_cases
Revises: 0009_measurement_baselines
Create Date: 2026-12-02 05:40:00

Existing alerts are filed into cases without changing them (their events and deliveries stay
theirs): each patient's alerts in the order raised, a new case whenever the previous one was
resolved before the alert was raised, or more than 24 hours (the default case_window_hours)
lie between the two. The cases that are still not resolved are then merged into the latest,
so that a patient has at most one. A case is resolved when all its alerts are, acknowledged
when none is open, and takes the most pressing priority among them. Every existing alert was
notified on its own, so ``notify`` is true for them; of a case's open alerts only the most
pressing keeps its escalation deadline.
"""
import uuid
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


revision = '0010_cases'
down_revision = '0009_measurement_baselines'
branch_labels = None
depends_on = None

UNRESOLVED = "status <> 'resolved'"
PRIORITIES = ('imminent', 'urgent', 'high', 'routine')
WINDOW = timedelta(hours=24)


def upgrade():
    op.create_table('cases',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('priority', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='open', nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_alert_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('alert_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.Column('ack_note', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('outcome', sa.JSON(), nullable=True),
    sa.CheckConstraint("priority IN ('imminent', 'urgent', 'high', 'routine')", name=op.f('ck_cases_priority')),
    sa.CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name=op.f('ck_cases_status')),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['staff_users.id'], name=op.f('fk_cases_acknowledged_by_staff_users')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_cases_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_cases_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by'], ['staff_users.id'], name=op.f('fk_cases_resolved_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_clinic_status', ['clinic_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_patient_id'), ['patient_id'], unique=False)

    op.create_table('case_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("at IS NULL OR (at >= '2000-01-01 00:00:00+00:00' AND at < '2100-01-01 00:00:00+00:00')", name=op.f('ck_case_contacts_at_in_range')),
    sa.CheckConstraint("method IN ('phone', 'video', 'in_person', 'text', 'email')", name=op.f('ck_case_contacts_method')),
    sa.CheckConstraint("result IN ('reached', 'tried', 'left_message')", name=op.f('ck_case_contacts_result')),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_users.id'], name=op.f('fk_case_contacts_actor_id_staff_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_contacts_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_case_contacts_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_contacts'))
    )
    with op.batch_alter_table('case_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_contacts_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_contacts_patient_id'), ['patient_id'], unique=False)

    op.create_table('patient_follow_ups',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('last_contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_contact_result', sa.String(length=20), nullable=True),
    sa.Column('last_contact_method', sa.String(length=20), nullable=True),
    sa.Column('next_contact_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_patient_follow_ups_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_patient_follow_ups'))
    )

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('notify', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_index(batch_op.f('ix_alerts_case_id'), ['case_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_alerts_case_id_cases'), 'cases', ['case_id'], ['id'], ondelete='CASCADE')

    _file_existing_alerts(op.get_bind())

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('uq_cases_unresolved', ['patient_id'], unique=True, postgresql_where=sa.text(UNRESOLVED), sqlite_where=sa.text(UNRESOLVED))


def _file_existing_alerts(bind):
    """Group every existing alert into a case (see the module's docstring)."""
    alerts = bind.execute(sa.text(
        "SELECT id, clinic_id, patient_id, priority, status, created_at, answered_at,"
        " acknowledged_at, acknowledged_by, ack_note, resolved_at, resolved_by"
        " FROM alerts ORDER BY patient_id, created_at, id"
    )).mappings().all()
    groups = []
    for alert in alerts:
        last = groups[-1] if groups else None
        joins = (
            last is not None
            and last[-1]['patient_id'] == alert['patient_id']
            and alert['created_at'] - last[-1]['created_at'] <= WINDOW
            and not _resolved_before(last, alert['created_at'])
        )
        if joins:
            last.append(alert)
        else:
            groups.append([alert])
    for group in _merge_unresolved(groups):
        _insert_case(bind, group)


def _resolved_before(group, at) -> bool:
    """True if every alert of ``group`` was resolved by ``at``."""
    return all(a['status'] == 'resolved' and a['resolved_at'] <= at for a in group)


def _merge_unresolved(groups):
    """The groups, with each patient's not-yet-resolved ones merged into one."""
    merged, unresolved = [], {}
    for group in groups:
        patient = group[0]['patient_id']
        if all(a['status'] == 'resolved' for a in group):
            merged.append(group)
        elif patient in unresolved:
            unresolved[patient].extend(group)
        else:
            unresolved[patient] = list(group)
            merged.append(unresolved[patient])
    return merged


def _insert_case(bind, group):
    statuses = {a['status'] for a in group}
    status = 'resolved' if statuses == {'resolved'} else 'open' if 'open' in statuses else 'acknowledged'
    acked = [a for a in group if a['acknowledged_at'] is not None]
    first_ack = min(acked, key=lambda a: a['acknowledged_at']) if acked and status != 'open' else None
    resolved = [a for a in group if a['resolved_at'] is not None]
    last_resolution = max(resolved, key=lambda a: a['resolved_at']) if status == 'resolved' else None
    case_id = uuid.uuid4()
    bind.execute(
        sa.text(
            "INSERT INTO cases (id, clinic_id, patient_id, priority, status, opened_at, waiting_since,"
            " last_alert_at, alert_count, acknowledged_at, acknowledged_by, ack_note, resolved_at,"
            " resolved_by) VALUES (:id, :clinic, :patient, :priority, :status, :opened, :waiting,"
            " :last, :count, :acked_at, :acked_by, :ack_note, :resolved_at, :resolved_by)"
        ),
        {
            'id': case_id,
            'clinic': group[0]['clinic_id'],
            'patient': group[0]['patient_id'],
            'priority': min((a['priority'] for a in group), key=PRIORITIES.index),
            'status': status,
            'opened': group[0]['created_at'],
            'waiting': min(a['answered_at'] or a['created_at'] for a in group),
            'last': max(a['created_at'] for a in group),
            'count': len(group),
            'acked_at': first_ack['acknowledged_at'] if first_ack else None,
            'acked_by': first_ack['acknowledged_by'] if first_ack else None,
            'ack_note': first_ack['ack_note'] if first_ack else None,
            'resolved_at': last_resolution['resolved_at'] if last_resolution else None,
            'resolved_by': last_resolution['resolved_by'] if last_resolution else None,
        },
    )
    bind.execute(
        sa.text("UPDATE alerts SET case_id = :case WHERE id IN :ids").bindparams(
            sa.bindparam('ids', [a['id'] for a in group], expanding=True)
        ),
        {'case': case_id},
    )
    # One escalation per case (as a new case has): only its most pressing open alert keeps
    # its deadline; the others' would repeat it.
    waiting = [a for a in group if a['status'] == 'open']
    if len(waiting) > 1:
        keep = min(waiting, key=lambda a: (PRIORITIES.index(a['priority']), a['created_at']))
        bind.execute(
            sa.text("UPDATE alerts SET escalate_at = NULL WHERE id IN :ids").bindparams(
                sa.bindparam('ids', [a['id'] for a in waiting if a['id'] != keep['id']],
                             expanding=True)
            )
        )


def downgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_alerts_case_id_cases'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_alerts_case_id'))
        batch_op.drop_column('notify')
        batch_op.drop_column('case_id')
    op.drop_table('patient_follow_ups')
    with op.batch_alter_table('case_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_contacts_patient_id'))
        batch_op.drop_index(batch_op.f('ix_case_contacts_case_id'))
    op.drop_table('case_contacts')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('uq_cases_unresolved', postgresql_where=sa.text(UNRESOLVED), sqlite_where=sa.text(UNRESOLVED))
        batch_op.drop_index(batch_op.f('ix_cases_patient_id'))
        batch_op.drop_index('ix_cases_clinic_status')
    op.drop_table('cases')
