"""One scheduler leads: a leader whose database session is cut steps down, another takes over."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from db.engine import make_engine
from db.locks import ADVISORY_KEY, LeaderLock, current_leader


async def wait_for(condition: Callable[[], Awaitable[bool]], *, what: str) -> None:
    """Wait up to 10 s until the condition holds, or fail naming what did not happen."""
    try:
        async with asyncio.timeout(10):
            while not await condition():  # noqa: ASYNC110 (the lock has no event to wait on)
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def test_a_leader_whose_connection_was_terminated_steps_down(db_url: URL) -> None:
    if db_url.get_backend_name() != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite's lock row has no session to cut")
    first_engine, second_engine = make_engine(db_url), make_engine(db_url)
    first = LeaderLock(first_engine, owner="host:1", ttl=timedelta(seconds=60))
    second = LeaderLock(second_engine, owner="host:2", ttl=timedelta(seconds=60))
    try:
        assert await first.hold()
        async with second_engine.connect() as connection:
            assert await current_leader(connection) == "host:1"
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND objid = :key AND database ="
                    " (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"key": ADVISORY_KEY},
            )
        # pg_terminate_backend only signals: the lock goes once the backend has exited.
        await wait_for(second.hold, what="the terminated session's lock to be released")
        assert not await first.hold()  # and the old leader sees it at its next check
        assert await second.hold()
        async with second_engine.connect() as connection:
            assert await current_leader(connection) == "host:2"
    finally:
        await first.release()
        await second.release()
        await first_engine.dispose()
        await second_engine.dispose()


async def test_a_lock_row_of_a_dead_process_on_this_host_is_taken_at_once(db_url: URL) -> None:
    if db_url.get_backend_name() == "postgresql":
        pytest.skip("a crashed process's advisory lock is released by the server")
    engine = make_engine(db_url)
    dead = LeaderLock(engine, owner="host:999999999", ttl=timedelta(seconds=60))
    alive = LeaderLock(engine, owner="host:1", ttl=timedelta(seconds=60))
    elsewhere = LeaderLock(engine, owner="other:1", ttl=timedelta(seconds=60))
    try:
        assert await elsewhere.hold()
        assert not await alive.hold()  # a live lease of another host is respected
        await elsewhere.release()
        assert await dead.hold()
        assert await alive.hold()  # pid 999999999 does not run here: its lease is void
    finally:
        await alive.release()
        await engine.dispose()
