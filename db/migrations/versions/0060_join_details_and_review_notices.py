"""Join requests carry the person's full name, position and phone, and a rejection's reason;
coordinators may turn off the daily message about reports waiting for verification.

Revision ID: 0060
Revises: 0010
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0060'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('join_requests') as batch:
        batch.add_column(sa.Column('full_name', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('position', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('phone', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('reason', sa.String(length=500), nullable=True))
    with op.batch_alter_table('users') as batch:
        batch.add_column(
            sa.Column('review_notices', sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('review_notices')
    with op.batch_alter_table('join_requests') as batch:
        batch.drop_column('reason')
        batch.drop_column('phone')
        batch.drop_column('position')
        batch.drop_column('full_name')
