"""Apply the Alembic migrations from code (the CLI's `db upgrade` and every start-up)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL

from db.engine import backend_name, ensure_sqlite_dir, sync_url
from db.locks import MIGRATION_KEY

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: URL) -> Config:
    """An Alembic configuration pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option(
        "sqlalchemy.url", sync_url(url).render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def upgrade_to_head(url: URL) -> None:
    """Bring the database schema to the newest revision (synchronous; run off the loop).

    On PostgreSQL several processes may start at once on an empty database: each waits for
    an advisory lock, so one migrates and the others then find the schema at its head.
    """
    ensure_sqlite_dir(url)
    config = alembic_config(url)
    if backend_name(url) != "postgresql":
        command.upgrade(config, "head")
        return
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_KEY})
            connection.commit()
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
            finally:
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_KEY})
                connection.commit()
    finally:
        engine.dispose()
