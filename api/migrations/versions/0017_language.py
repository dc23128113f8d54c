"""Spanish (issue #22): the patient's language and the language of each check-in.

Revision ID: 0017_language
Revises: 0016_channels
Create Date: 2026-12-02 11:10:00

Every check-in before this was asked in English (the only language there was), hence the
server default; a patient's language is unset until the clinic or the app sets it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_language'
down_revision = '0016_channels'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patients') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch.create_check_constraint(op.f('ck_patients_language'), "language IN ('en', 'es')")
    with op.batch_alter_table('checkins') as batch:
        batch.add_column(
            sa.Column('language', sa.String(length=8), server_default='en', nullable=False)
        )
        batch.create_check_constraint(op.f('ck_checkins_language'), "language IN ('en', 'es')")


def downgrade():
    with op.batch_alter_table('checkins') as batch:
        batch.drop_constraint(op.f('ck_checkins_language'), type_='check')
        batch.drop_column('language')
    with op.batch_alter_table('patients') as batch:
        batch.drop_constraint(op.f('ck_patients_language'), type_='check')
        batch.drop_column('language')
