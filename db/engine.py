"""Database URLs, engines and session factories for SQLite (default) and PostgreSQL."""

import contextlib
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db import sqlite_driver

ASYNC_DRIVERS = {"sqlite": f"sqlite+{sqlite_driver.DRIVER}", "postgresql": "postgresql+psycopg"}
SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}
BACKEND_ALIASES = {"postgres": "postgresql"}


class DatabaseUrlError(ValueError):
    """The database URL cannot be used: the message says why, in one line."""


def parse_database_url(raw: str) -> URL:
    """Parse a plain or driver-qualified URL and check that its backend is supported."""
    try:
        url = make_url(raw.strip())
    except ArgumentError as exc:
        msg = f"not a database URL: {raw!r}"
        raise DatabaseUrlError(msg) from exc
    backend = backend_name(url)
    if backend not in ASYNC_DRIVERS:
        msg = f"unsupported database {url.get_backend_name()!r} (use sqlite:/// or postgresql://)"
        raise DatabaseUrlError(msg)
    if backend == "sqlite" and url.database in (None, ""):
        msg = "SQLite needs a file path, e.g. sqlite:///var/bot.db"
        raise DatabaseUrlError(msg)
    return url


def backend_name(url: URL) -> str:
    """The backend ('sqlite' or 'postgresql'), whatever driver or alias the URL names."""
    name = url.get_backend_name()
    return BACKEND_ALIASES.get(name, name)


def async_url(url: URL) -> URL:
    """The URL with the async driver the app uses (SQLite on the loop, psycopg 3)."""
    return url.set(drivername=ASYNC_DRIVERS[backend_name(url)])


def sync_url(url: URL) -> URL:
    """The URL with a synchronous driver, for Alembic and the scheduler's job store."""
    return url.set(drivername=SYNC_DRIVERS[backend_name(url)])


def ensure_sqlite_dir(url: URL) -> None:
    """Create the folder of a SQLite file so a first start works on a fresh checkout."""
    if backend_name(url) == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).expanduser()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A database made by an earlier version (0644) is closed to other users too.
        for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if part.is_file() and part.stat().st_mode & 0o077:
                with contextlib.suppress(PermissionError):  # not ours: the operator's choice
                    part.chmod(0o600)


def make_engine(url: URL, **kwargs: Any) -> AsyncEngine:
    """Build the async engine; on SQLite, WAL, foreign keys and write-locking transactions."""
    ensure_sqlite_dir(url)
    # Parameters are what people typed (names, messages): never in logged SQL errors.
    kwargs = {"hide_parameters": True, **kwargs}
    if backend_name(url) == "sqlite":
        # Every transaction takes SQLite's write lock (BEGIN IMMEDIATE), so more connections
        # would only wait in SQLite's busy handler; one connection queues them in order.
        kwargs = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60, **kwargs}
        engine = create_async_engine(async_url(url), **kwargs)
        configure_sqlite(engine.sync_engine)
        return engine
    return create_async_engine(async_url(url), pool_pre_ping=True, **kwargs)


def configure_sqlite(sync_engine: Any) -> None:
    """Apply the SQLite pragmas and take the write lock at BEGIN.

    BEGIN IMMEDIATE makes concurrent transactions wait for each other (busy_timeout) instead
    of failing when a reader later tries to write; this is the SQLAlchemy docs' recipe.
    """

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory; objects stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
