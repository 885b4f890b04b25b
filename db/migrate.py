"""Apply the Alembic migrations from code (the CLI's `db upgrade` and every start-up)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

from db.engine import ensure_sqlite_dir, sync_url

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
    """Bring the database schema to the newest revision (synchronous; run off the loop)."""
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), "head")
