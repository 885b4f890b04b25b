"""Outbox: a priority (replies, then messages to one person, then broadcasts) and the parts of
a message already delivered.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('priority', sa.SmallInteger(), nullable=False,
                                   server_default='1'))
        batch.add_column(sa.Column('parts_sent', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.create_index('ix_outbox_claim_order', ['channel', 'status', 'priority', 'id'])
    op.execute("UPDATE outbox SET priority = 2 WHERE batch IS NOT NULL")
    # The scheduler's jobs now live in memory: the old job store kept the database URL
    # (with its password, if any) in this table.
    op.execute("DROP TABLE IF EXISTS apscheduler_jobs")
    with op.batch_alter_table('outbox') as batch:
        batch.alter_column('priority', server_default=None)
        batch.alter_column('parts_sent', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_index('ix_outbox_claim_order')
        batch.drop_column('parts_sent')
        batch.drop_column('priority')
