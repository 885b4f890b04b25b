"""Web: one-time login links to the coordinators' dashboard.

Revision ID: 0070
Revises: 0060
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0070'
down_revision: str | None = '0060'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'web_logins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_web_logins_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_logins')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_web_logins_token_hash')),
    )
    op.create_index(op.f('ix_web_logins_user_id'), 'web_logins', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_web_logins_user_id'), table_name='web_logins')
    op.drop_table('web_logins')
