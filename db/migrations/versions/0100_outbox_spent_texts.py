"""Outbox: finished messages no longer keep their text.

From now on a message's text is emptied once it is sent or given up on (it may name someone:
a reply queued when the platform failed, listing requests to join, was kept after that person
erased their data). This empties what earlier versions kept. Nothing to restore on downgrade.

Revision ID: 0100
Revises: 0090
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0100'
down_revision: str | None = '0090'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE outbox SET payload = '{}' WHERE status NOT IN ('pending', 'sending')"
    )


def downgrade() -> None:
    pass
