"""Alembic environment: runs migrations on a synchronous connection to the app's database."""

import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, create_engine, event, pool

import db.models  # noqa: F401  (registers every table on Base.metadata)
from db.base import Base
from db.engine import backend_name, configure_sqlite, parse_database_url, sync_url
from db.types import UtcDateTime

config = context.config
target_metadata = Base.metadata


def render_item(kind: str, item: object, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types as plain SQLAlchemy ones, so migrations never import the app."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        # SQLite can roll DDL back too: a migration that fails (or breaks a foreign key) leaves
        # the database as it was, not half changed.
        transactional_ddl=True,
        compare_type=True,
        render_item=render_item,
        # APScheduler creates and owns its job table; migrations leave it alone.
        include_name=lambda name, type_, _parents: (
            not (type_ == "table" and name == "apscheduler_jobs")
        ),
    )
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            _check_foreign_keys(connection)


def _foreign_keys_off(dbapi_connection: Any, _record: Any) -> None:
    # A batch migration rebuilds a table (copy, DROP TABLE, rename): with foreign keys on, the
    # drop would delete or unlink every row that refers to it (ON DELETE CASCADE / SET NULL).
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")


def _check_foreign_keys(connection: Connection) -> None:
    """With the keys off during migrations, check them before committing."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({row[0] for row in broken})
        msg = f"the migration leaves rows whose foreign keys point nowhere, in: {', '.join(tables)}"
        raise RuntimeError(msg)


def run_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        run_with(given)
        return
    raw = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL", "")
    url = parse_database_url(raw or "sqlite:///var/bot.db")
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    if backend_name(url) == "sqlite":
        configure_sqlite(engine)
        event.listen(engine, "connect", _foreign_keys_off)  # after configure_sqlite's: wins
    with engine.connect() as connection:
        run_with(connection)
    engine.dispose()


run_online()
