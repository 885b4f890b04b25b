"""Users: a counter of dashboard sign-outs; the session cookie carries the value it was made at.

Signing out raises it, so every cookie made before (on any device, copied or not) stops
working at once, not only at its expiry. The data version now watches this column too: the
web processes keep who is a coordinator per version, and must drop a signed-out session.

Revision ID: 0110
Revises: 0100
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0110'
down_revision: str | None = '0100'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF = "('official', 'coordinator')"
RAISE_SQLITE = "BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'figures'; END"
# As migration 0090 made them (its WATCHED['users']), and the update trigger's new columns.
CONDITIONS = {
    'INSERT': f'NEW.role IN {STAFF}',
    'UPDATE': f'OLD.role IN {STAFF} OR NEW.role IN {STAFF}',
    'DELETE': f'OLD.role IN {STAFF}',
}
OLD_COLUMNS = 'role, active, unit_id, display_name'
NEW_COLUMNS = OLD_COLUMNS + ', web_epoch'


def _create(event: str, columns: str = OLD_COLUMNS) -> None:
    name = f'data_versions_figures_users_{event.lower()}'
    clause = f'UPDATE OF {columns}' if event == 'UPDATE' else event
    when = f'WHEN ({CONDITIONS[event]})'
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            f'CREATE CONSTRAINT TRIGGER {name} AFTER {clause} ON users '
            f'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when} '
            'EXECUTE FUNCTION data_versions_raise_figures()'
        )
    else:
        op.execute(f'CREATE TRIGGER {name} AFTER {clause} ON users {when} {RAISE_SQLITE}')


def _drop_update_trigger() -> None:
    suffix = ' ON users' if op.get_bind().dialect.name == 'postgresql' else ''
    op.execute(f'DROP TRIGGER data_versions_figures_users_update{suffix}')


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild), so SQLite keeps the table's triggers.
    op.add_column(
        'users', sa.Column('web_epoch', sa.Integer(), server_default='0', nullable=False)
    )
    _drop_update_trigger()
    _create('UPDATE', NEW_COLUMNS)


def downgrade() -> None:
    _drop_update_trigger()
    sqlite = op.get_bind().dialect.name != 'postgresql'
    with op.batch_alter_table('users') as batch:
        batch.drop_column('web_epoch')
    # SQLite rebuilt the table and lost its triggers with it; PostgreSQL kept the others.
    for event in ('INSERT', 'UPDATE', 'DELETE') if sqlite else ('UPDATE',):
        _create(event)
