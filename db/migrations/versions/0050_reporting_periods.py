"""Reporting periods: a reminder round keeps its period's sending deadline; units' notes per
period (difficulties, proposals, funding used) for the periodic report; an index that answers
completeness (who reported which task when, and when it arrived) on its own.

Revision ID: 0050
Revises: 0030
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0050'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('reminders') as batch:
        batch.add_column(sa.Column('deadline', sa.Date(), nullable=True))
    op.create_index(
        'ix_reports_completeness',
        'reports',
        ['task_id', 'activity_date', 'unit_id', 'status', 'created_at'],
    )
    op.create_table(
        'period_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period_key', sa.String(length=16), nullable=False),
        sa.Column('difficulties', sa.Text(), nullable=True),
        sa.Column('proposals', sa.Text(), nullable=True),
        sa.Column('funding_used', sa.Float(), nullable=True),
        sa.Column('reporter_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['reporter_id'],
            ['users.id'],
            name=op.f('fk_period_notes_reporter_id_users'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['unit_id'],
            ['units.id'],
            name=op.f('fk_period_notes_unit_id_units'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_period_notes')),
        sa.UniqueConstraint(
            'unit_id', 'period_key', name=op.f('uq_period_notes_unit_id_period_key')
        ),
    )


def downgrade() -> None:
    op.drop_index('ix_reports_completeness', table_name='reports')
    op.drop_table('period_notes')
    with op.batch_alter_table('reminders') as batch:
        batch.drop_column('deadline')
