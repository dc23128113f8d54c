"""Care-team channels through Apprise, and patient reminders by email and SMS (issue #22).

Revision ID: 0016_channels
Revises: 0015_forecast
Create Date: 2026-12-03 09:00:00

Adds the clinic's Apprise channels (URLs sealed), the reminder settings of a clinic (channels
offered, the SMS URL, whether messages name it, quiet hours 21:00-08:00 by default), a
patient's sealed phone number and chosen channels, the reminder deliveries, and the
"apprise" channel of alert deliveries. Existing reminders behave as before (Web Push, else
email) but for the quiet hours.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_channels'
down_revision = '0015_forecast'
branch_labels = None
depends_on = None

OLD_CHANNELS = "channel IN ('email', 'webhook', 'webpush')"
NEW_CHANNELS = "channel IN ('email', 'webhook', 'webpush', 'apprise')"


def upgrade():
    op.create_table('clinic_channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('url_sealed', sa.Text(), nullable=False),
    sa.Column('url_masked', sa.String(length=300), nullable=False),
    sa.Column('rungs', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_clinic_channels_clinic_id_clinics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_channels')),
    )
    with op.batch_alter_table('clinic_channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinic_channels_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('reminder_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('due_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('enqueue_count', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("channel IN ('webpush', 'email', 'sms')", name=op.f('ck_reminder_deliveries_channel')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_reminder_deliveries_status')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_reminder_deliveries_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['due_id'], ['checkins_due.id'], name=op.f('fk_reminder_deliveries_due_id_checkins_due'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_reminder_deliveries_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_deliveries')),
    sa.UniqueConstraint('due_id', name=op.f('uq_reminder_deliveries_due_id')),
    )
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_deliveries_patient_created', ['patient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_reminder_deliveries_pending', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_channels', sa.JSON(), server_default='["webpush", "email"]', nullable=False))
        batch_op.add_column(sa.Column('reminder_sms_sealed', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reminder_sms_masked', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('reminder_names_clinic', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('quiet_hours_start', sa.String(length=5), server_default='21:00', nullable=True))
        batch_op.add_column(sa.Column('quiet_hours_end', sa.String(length=5), server_default='08:00', nullable=True))
        batch_op.add_column(sa.Column('channel_rungs', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_sealed', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reminder_channels', sa.JSON(), nullable=True))
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('channel', type_='check')
        batch_op.create_check_constraint('channel', NEW_CHANNELS)


def downgrade():
    op.execute("DELETE FROM notification_deliveries WHERE channel = 'apprise'")
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('channel', type_='check')
        batch_op.create_check_constraint('channel', OLD_CHANNELS)
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_column('reminder_channels')
        batch_op.drop_column('phone_sealed')
    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.drop_column('channel_rungs')
        batch_op.drop_column('quiet_hours_end')
        batch_op.drop_column('quiet_hours_start')
        batch_op.drop_column('reminder_names_clinic')
        batch_op.drop_column('reminder_sms_masked')
        batch_op.drop_column('reminder_sms_sealed')
        batch_op.drop_column('reminder_channels')
    op.drop_table('reminder_deliveries')
    op.drop_table('clinic_channels')
