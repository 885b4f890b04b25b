"""Reports: the status is one of the four the code knows (CHECK constraint).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'submitted', 'verified', 'rejected', 'withdrawn'"


def upgrade() -> None:
    with op.batch_alter_table('reports') as batch:
        batch.create_check_constraint('status', f"status IN ({STATUSES})")


def downgrade() -> None:
    with op.batch_alter_table('reports') as batch:
        batch.drop_constraint('status', type_='check')
