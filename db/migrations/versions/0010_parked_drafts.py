"""Conversations: a draft set aside by an interruption (/menu mid-report), kept for a while.

Revision ID: 0010
Revises: 0050
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: str | None = '0050'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.add_column(
            sa.Column(
                'parked',
                sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.drop_column('parked')
