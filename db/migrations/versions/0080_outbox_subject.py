"""Outbox: whose personal data a message to someone else carries, so erasure can find it.

Revision ID: 0080
Revises: 0070
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0080'
down_revision: str | None = '0070'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('subject_user_id', sa.Integer(), nullable=True))
        batch.create_index('ix_outbox_subject_user_id', ['subject_user_id'])


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_index('ix_outbox_subject_user_id')
        batch.drop_column('subject_user_id')
