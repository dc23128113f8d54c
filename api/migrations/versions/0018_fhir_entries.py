"""Each check-in's FHIR entries as first serialized (issue #23): an export joins stored pieces.

Revision ID: 0018_fhir_entries
Revises: 0017_language
Create Date: 2026-12-03 15:30:00

Empty at first: a check-in's row is written at its first export (api/exports/stored.py).
The body is DEFLATE already, so PostgreSQL is told not to try compressing it again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0018_fhir_entries'
down_revision = '0017_language'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'fhir_checkin_entries',
        sa.Column('checkin_id', sa.Uuid(), nullable=False),
        sa.Column('digest', sa.String(length=16), nullable=False),
        sa.Column('skipped', sa.Boolean(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('crc', sa.BigInteger(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('shift', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ['checkin_id'], ['checkins.id'],
            name=op.f('fk_fhir_checkin_entries_checkin_id_checkins'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('checkin_id', name=op.f('pk_fhir_checkin_entries')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE fhir_checkin_entries ALTER COLUMN body SET STORAGE EXTERNAL')


def downgrade():
    op.drop_table('fhir_checkin_entries')
