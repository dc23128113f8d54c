"""The panel's first page read from an index of the stored rows, not from every patient.

Revision ID: 0020_panel_first_page
Revises: 0019_panel_ranks
Create Date: 2026-12-03 19:00:00

``panel_ranks.base_tier`` is a patient's tier without the time (api.panel.ranks.base_tier), and
``severity_rank`` is stored as the ranking reads it (0 before the first summary). Both are
computed here from the columns already stored, with the same rules, so no row goes stale, and
both are then required, with no default: a worker still on older code (a rolling upgrade) fails
to store rows, and the patients it would have stored stay listed and ranked live. The index on
(clinic, base tier, alert rank, severity descending, patient) gives the first rows of the risk
order; the one on (clinic, latest safety resolution) the rows in a safety screen's
hold; the one on (clinic, next due) the overdue rows (api.panel.ranks.first_inputs).
"""
from alembic import op
import sqlalchemy as sa


revision = '0020_panel_first_page'
down_revision = '0019_panel_ranks'
branch_labels = None
depends_on = None

#: api.panel.ranks.base_tier at this revision, on the stored columns.
BASE_TIER = """
    CASE
        WHEN alert_rank <= 1 THEN 0
        WHEN alert_rank = 2 THEN 1
        WHEN safety_open THEN 2
        WHEN worsening IS TRUE OR relapse THEN 3
        WHEN alert_rank = 3 THEN 5
        ELSE 6
    END
"""


def upgrade():
    with op.batch_alter_table('panel_ranks') as batch:
        batch.add_column(sa.Column('base_tier', sa.SmallInteger(), nullable=True))
    op.execute(
        f"UPDATE panel_ranks SET base_tier = {BASE_TIER},"
        " severity_rank = COALESCE(severity_rank, 0)"
    )
    # Both required, without a default: a row stored by older code (a worker not yet
    # upgraded) fails to store, so its patient stays listed and is ranked live.
    with op.batch_alter_table('panel_ranks') as batch:
        batch.alter_column('base_tier', existing_type=sa.SmallInteger(), nullable=False)
        batch.alter_column('severity_rank', existing_type=sa.Integer(), nullable=False)
    op.create_index(
        'ix_panel_ranks_first',
        'panel_ranks',
        ['clinic_id', 'base_tier', 'alert_rank', sa.text('severity_rank DESC'), 'patient_id'],
    )
    op.create_index(
        'ix_panel_ranks_held', 'panel_ranks', ['clinic_id', 'safety_resolved_at']
    )
    op.create_index('ix_panel_ranks_due', 'panel_ranks', ['clinic_id', 'next_due'])


def downgrade():
    with op.batch_alter_table('panel_ranks') as batch:
        batch.alter_column('severity_rank', existing_type=sa.Integer(), nullable=True)
    op.drop_index('ix_panel_ranks_due', table_name='panel_ranks')
    op.drop_index('ix_panel_ranks_held', table_name='panel_ranks')
    op.drop_index('ix_panel_ranks_first', table_name='panel_ranks')
    with op.batch_alter_table('panel_ranks') as batch:
        batch.drop_column('base_tier')
