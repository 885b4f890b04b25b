"""Throw-away test databases: a migrated (and a seeded) template per run, a copy per test."""

import asyncio
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

from bot.services.content.loading import load_content
from bot.services.seeding.apply import apply_content
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_to_head

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONTENT_DIR = PROJECT_DIR / "content"


class PostgresUnavailable(Exception):
    """No PostgreSQL server to test against; the message says why."""


def postgres_admin_url() -> URL:
    """TEST_DATABASE_URL, checked to answer."""
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        raise PostgresUnavailable("TEST_DATABASE_URL is not set")
    url = make_url(raw)
    try:
        with psycopg.connect(_conninfo(url), connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        raise PostgresUnavailable(f"cannot connect to {url.host}:{url.port}: {exc}") from exc
    return url


def _conninfo(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def seed_database(url: URL) -> None:
    """Load the project's content/ into a migrated database."""

    async def run() -> None:
        engine = make_engine(url)
        async with make_sessionmaker(engine).begin() as session:
            await apply_content(session, load_content(CONTENT_DIR))
        await engine.dispose()

    asyncio.run(run())


class SqliteFactory:
    """Copies of a migrated SQLite file, one per test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.templates: dict[bool, Path] = {}

    def template(self, *, seeded: bool) -> Path:
        if seeded not in self.templates:
            path = self.folder / f"template-{'seeded' if seeded else 'empty'}.db"
            url = make_url(f"sqlite:///{path}")
            upgrade_to_head(url)
            if seeded:
                seed_database(url)
            self.templates[seeded] = path
        return self.templates[seeded]

    def create(self, folder: Path, *, seeded: bool) -> URL:
        path = folder / "test.db"
        shutil.copy(self.template(seeded=seeded), path)
        return make_url(f"sqlite:///{path}")


class PostgresFactory:
    """Databases created from a migrated template database, one per test."""

    def __init__(self, admin: URL) -> None:
        self.admin = admin
        self.prefix = f"t{uuid.uuid4().hex[:10]}"
        self.templates: dict[bool, str] = {}
        self.created: list[str] = []

    @contextmanager
    def _admin(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(_conninfo(self.admin), autocommit=True) as conn:
            yield conn

    def _url(self, name: str) -> URL:
        return self.admin.set(database=name)

    def template(self, *, seeded: bool) -> str:
        if seeded not in self.templates:
            name = f"{self.prefix}_tmpl_{'seeded' if seeded else 'empty'}"
            with self._admin() as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self.created.append(name)
            upgrade_to_head(self._url(name))
            if seeded:
                seed_database(self._url(name))
            self.templates[seeded] = name
        return self.templates[seeded]

    def create(self, *, seeded: bool) -> URL:
        template = self.template(seeded=seeded)
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        return self._url(name)

    def blank(self) -> URL:
        """A new database with nothing in it, not even the schema."""
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self._url(name)

    def drop(self, url: URL) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')

    def drop_all(self) -> None:
        with self._admin() as conn:
            for name in reversed(self.created):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
