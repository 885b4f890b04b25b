"""A version of the data figures are computed from, raised by the database itself; an index
for the dashboard's yearly counts.

The web process keeps the coordinators' communes table (and who is a coordinator) while this
version stands still, and reads it in one primary-key query per page; several processes on
one PostgreSQL see the same counter. Triggers rather than application code raise it, so no
writer can forget to: the chat, the dashboard, the command line, an operator's SQL.

Watched: reports, units, plan tasks and their units, the plan's own settings, and officials
and coordinators (a citizen's first message or renamed chat changes nothing shown).

PostgreSQL: one deferred constraint trigger per table, so the counter's row is locked only at
commit, the last lock a transaction takes (it can never close a deadlock), and raised once
per transaction however many rows changed. SQLite: plain row triggers (one writer at a time).

SQLite drops a table's triggers when a batch migration rebuilds that table: such a migration
must call `create_triggers` again (tests/db/test_data_versions.py fails otherwise).

Revision ID: 0090
Revises: 0080
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0090'
down_revision: str | None = '0080'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = 'figures'
STAFF = "('official', 'coordinator')"
# table → (columns whose update counts, or None for any; a condition per event, or None)
WATCHED: dict[str, tuple[str | None, dict[str, str] | None]] = {
    'reports': (None, None),
    'units': (None, None),
    'plan_tasks': (None, None),
    'task_units': (None, None),
    'users': (
        'role, active, unit_id, display_name',
        {
            'INSERT': f'NEW.role IN {STAFF}',
            'UPDATE': f'OLD.role IN {STAFF} OR NEW.role IN {STAFF}',
            'DELETE': f'OLD.role IN {STAFF}',
        },
    ),
    'app_state': (
        None,
        {
            'INSERT': "NEW.key LIKE 'plan.%'",
            'UPDATE': "OLD.key LIKE 'plan.%' OR NEW.key LIKE 'plan.%'",
            'DELETE': "OLD.key LIKE 'plan.%'",
        },
    ),
}
EVENTS = ('INSERT', 'UPDATE', 'DELETE')

PG_FUNCTION = f"""
CREATE FUNCTION data_versions_raise_figures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('data_versions.{NAME}', true), '') <> 'raised' THEN
        UPDATE data_versions SET version = version + 1 WHERE name = '{NAME}';
        PERFORM set_config('data_versions.{NAME}', 'raised', true);
    END IF;
    RETURN NULL;
END
$$
"""


def _trigger(table: str, event: str) -> str:
    return f'data_versions_{NAME}_{table}_{event.lower()}'


def _event(table: str, event: str) -> tuple[str, str]:
    """The event clause ('UPDATE OF a, b') and the WHEN clause ('' when none)."""
    columns, conditions = WATCHED[table]
    clause = f'{event} OF {columns}' if event == 'UPDATE' and columns else event
    condition = (conditions or {}).get(event)
    return clause, f'WHEN ({condition})' if condition else ''


def create_triggers(dialect: str, tables: Sequence[str] = tuple(WATCHED)) -> None:
    """The triggers that raise the version on a change of these tables."""
    for table in tables:
        for event in EVENTS:
            clause, when = _event(table, event)
            if dialect == 'postgresql':
                op.execute(
                    f'CREATE CONSTRAINT TRIGGER {_trigger(table, event)} AFTER {clause} '
                    f'ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when} '
                    'EXECUTE FUNCTION data_versions_raise_figures()'
                )
            else:
                op.execute(
                    f'CREATE TRIGGER {_trigger(table, event)} AFTER {clause} ON {table} {when} '
                    f"BEGIN UPDATE data_versions SET version = version + 1 WHERE name = '{NAME}'; "
                    'END'
                )


def upgrade() -> None:
    op.create_table(
        'data_versions',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_data_versions')),
    )
    op.execute(f"INSERT INTO data_versions (name, version) VALUES ('{NAME}', 0)")
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute(PG_FUNCTION)
    create_triggers(dialect)
    op.create_index(
        'ix_reports_date_unit_status', 'reports', ['activity_date', 'unit_id', 'status']
    )


def downgrade() -> None:
    op.drop_index('ix_reports_date_unit_status', table_name='reports')
    dialect = op.get_bind().dialect.name
    for table in WATCHED:
        for event in EVENTS:
            suffix = f' ON {table}' if dialect == 'postgresql' else ''
            op.execute(f'DROP TRIGGER IF EXISTS {_trigger(table, event)}{suffix}')
    if dialect == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS data_versions_raise_figures()')
    op.drop_table('data_versions')
