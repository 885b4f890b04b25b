"""The SQLite adapter: statements on the loop, the wait for another process's lock off it."""

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import make_engine

WAIT = 10.0


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(make_url(f"sqlite:///{tmp_path / 'bot.db'}"))
    async with engine.begin() as conn:
        await conn.execute(text("create table t (n integer primary key, name text unique)"))
    yield engine
    await engine.dispose()


def _other_process(engine: AsyncEngine) -> sqlite3.Connection:
    """A connection of its own to the same file, as another process would have."""
    database = engine.url.database
    assert database is not None
    return sqlite3.connect(database, isolation_level=None, check_same_thread=False)


async def test_statements_run_on_the_event_loops_thread(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        driver._conn.create_function("thread_id", 0, threading.get_ident)
        ran_on = (await conn.execute(text("select thread_id()"))).scalar()
    assert ran_on == threading.get_ident()


async def test_the_loop_goes_on_while_another_process_holds_the_write_lock(
    engine: AsyncEngine,
) -> None:
    other = _other_process(engine)
    other.execute("BEGIN IMMEDIATE")
    ticked = asyncio.Event()

    async def tick() -> None:
        for _ in range(20):
            await asyncio.sleep(0.005)
        ticked.set()

    async def write() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("insert into t (name) values ('a')"))

    ticker = asyncio.create_task(tick())
    writer = asyncio.create_task(write())
    try:
        await asyncio.wait_for(ticked.wait(), WAIT)
        assert not writer.done(), "the write did not wait for the other process's lock"
        other.execute("COMMIT")
        await asyncio.wait_for(writer, WAIT)
    finally:
        ticker.cancel()
        other.close()
    async with engine.connect() as conn:
        assert (await conn.execute(text("select count(*) from t"))).scalar() == 1


async def test_a_lock_never_released_fails_after_the_busy_timeout(engine: AsyncEngine) -> None:
    await engine.dispose()
    event.listen(engine.sync_engine, "connect", _impatient)
    other = _other_process(engine)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            async with engine.begin() as conn:
                await conn.execute(text("insert into t (name) values ('a')"))
    finally:
        other.close()
    async with engine.begin() as conn:  # the connection is still good once the lock is gone
        await conn.execute(text("insert into t (name) values ('a')"))


def _impatient(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout=50")


async def test_a_failed_statement_rolls_back_its_transaction(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("insert into t (name) values ('a')"))

    async def two_names() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("insert into t (name) values ('b')"))
            await conn.execute(text("insert into t (name) values ('a')"))

    with pytest.raises(IntegrityError):
        await two_names()
    async with engine.connect() as conn:
        names = (await conn.execute(text("select name from t order by n"))).scalars().all()
    assert names == ["a"]
    other = _other_process(engine)
    try:
        other.execute("BEGIN IMMEDIATE")  # no lock left behind
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_many_rows_in_one_call_and_rows_read_back(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "insert into t (name) values (?)", [(f"n{i}",) for i in range(500)]
        )
    async with engine.connect() as conn:
        rows = (await conn.execute(text("select name from t order by n"))).scalars().all()
    assert rows == [f"n{i}" for i in range(500)]
