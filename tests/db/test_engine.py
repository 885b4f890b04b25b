from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from db.engine import DatabaseUrlError, async_url, make_engine, parse_database_url, sync_url


@pytest.mark.parametrize(
    ("given", "async_driver", "sync_driver"),
    [
        ("sqlite:///var/x.db", "sqlite+inloop", "sqlite"),
        ("sqlite+aiosqlite:///var/x.db", "sqlite+inloop", "sqlite"),
        ("postgresql://u@h/db", "postgresql+psycopg", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg", "postgresql+psycopg"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg", "postgresql+psycopg"),
    ],
)
def test_plain_urls_get_the_app_drivers(given: str, async_driver: str, sync_driver: str) -> None:
    url = parse_database_url(given)
    assert async_url(url).drivername == async_driver
    assert sync_url(url).drivername == sync_driver


def test_unsupported_backend_is_refused() -> None:
    with pytest.raises(DatabaseUrlError, match="unsupported database"):
        parse_database_url("mysql://root@localhost/x")


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(make_url(f"sqlite:///{tmp_path}/sub/dir/x.db"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    await engine.dispose()
    assert (tmp_path / "sub/dir/x.db").exists()


async def test_sql_errors_never_carry_what_people_typed(tmp_path: Path) -> None:
    engine = make_engine(make_url(f"sqlite:///{tmp_path / 'p.db'}"))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("create table t (name text unique)"))
            await conn.execute(text("insert into t values ('Nguyễn Văn Riêng')"))
        with pytest.raises(IntegrityError) as raised:
            async with engine.begin() as conn:
                await conn.execute(text("insert into t values (:n)"), {"n": "Nguyễn Văn Riêng"})
        assert "Riêng" not in str(raised.value)
    finally:
        await engine.dispose()
