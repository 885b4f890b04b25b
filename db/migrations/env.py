"""Alembic environment: runs migrations on a synchronous connection to the app's database."""

import os
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, create_engine, pool

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
        compare_type=True,
        render_item=render_item,
        # APScheduler creates and owns its job table; migrations leave it alone.
        include_name=lambda name, type_, _parents: (
            not (type_ == "table" and name == "apscheduler_jobs")
        ),
    )
    with context.begin_transaction():
        context.run_migrations()


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
    with engine.connect() as connection:
        run_with(connection)
    engine.dispose()


run_online()
