"""Course plans: treatment_courses.plan (phases: induction, continuation, maintenance).

Revision ID: 0011_course_plans
Revises: 0010_cases
Create Date: 2026-12-02 05:50:00

Existing courses get no plan (null): nothing is planned or signalled for them until a
clinician chooses one, rather than a schedule guessed for them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_course_plans'
down_revision = '0010_cases'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('treatment_courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('treatment_courses', schema=None) as batch_op:
        batch_op.drop_column('plan')
