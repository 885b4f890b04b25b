"""Shared fixtures: one `database_url` fixture parametrised over SQLite and PostgreSQL."""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.services.core.texts import Texts
from db.engine import make_engine, make_sessionmaker
from tests.databases import (
    CONTENT_DIR,
    PostgresFactory,
    PostgresUnavailable,
    SqliteFactory,
    postgres_admin_url,
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def sqlite_factory(tmp_path_factory: pytest.TempPathFactory) -> SqliteFactory:
    return SqliteFactory(tmp_path_factory.mktemp("sqlite-templates"))


@pytest.fixture(scope="session")
def postgres_factory() -> Iterator[PostgresFactory | str]:
    """A factory, or the reason there is none (a failure when REQUIRE_POSTGRES=1)."""
    try:
        factory = PostgresFactory(postgres_admin_url())
    except PostgresUnavailable as exc:
        yield str(exc)
        return
    yield factory
    factory.drop_all()


def _database(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_factory: SqliteFactory,
    postgres_factory: PostgresFactory | str,
    *,
    seeded: bool,
) -> Iterator[URL]:
    if request.param == "sqlite":
        yield sqlite_factory.create(tmp_path, seeded=seeded)
        return
    if isinstance(postgres_factory, str):
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL is unavailable: {postgres_factory}")
        pytest.skip(f"PostgreSQL tests skipped: {postgres_factory}")
    url = postgres_factory.create(seeded=seeded)
    yield url
    postgres_factory.drop(url)


@pytest.fixture(params=BACKENDS)
def empty_db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_factory: SqliteFactory,
    postgres_factory: PostgresFactory | str,
) -> Iterator[URL]:
    """A migrated database with no rows."""
    yield from _database(request, tmp_path, sqlite_factory, postgres_factory, seeded=False)


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_factory: SqliteFactory,
    postgres_factory: PostgresFactory | str,
) -> Iterator[URL]:
    """A migrated database seeded from content/."""
    yield from _database(request, tmp_path, sqlite_factory, postgres_factory, seeded=True)


@pytest.fixture
async def db_engine(db_url: URL) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(db_engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that the test may commit or leave to roll back."""
    async with sessions() as session:
        yield session


@pytest.fixture(scope="session")
def texts() -> Texts:
    return Texts(CONTENT_DIR / "templates")


@pytest.fixture(scope="session")
def content_dir() -> Path:
    return CONTENT_DIR


@pytest.fixture
async def sessions_for_empty(empty_db_url: URL) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a migrated database with no rows."""
    engine = make_engine(empty_db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()
