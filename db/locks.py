"""Only one process at a time: a PostgreSQL advisory lock, or on SQLite a lock row with expiry."""

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)
# Arbitrary constants naming our locks among the server's advisory locks.
ADVISORY_KEY = 4_242_026  # the scheduler's leader
MIGRATION_KEY = 4_242_027  # one process migrates at a time (db/migrate.py)
SEEDING_KEY = 4_242_028  # one process loads content/ at a time
LOCK_ROW = "scheduler.leader"
CHECK_SECONDS = 5.0
HELD = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = 0 AND objid = :key AND objsubid = 1 AND pid = pg_backend_pid())"
)
# Who leads, for /healthz (on PostgreSQL the lock itself is the advisory lock).
UPSERT_OWNER = text(
    "INSERT INTO app_state (key, value) VALUES (:key, :value)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


class LeaderLock:
    """Held by one process; `hold()` is True while this process holds it (renew to keep it)."""

    def __init__(self, engine: AsyncEngine, *, owner: str, ttl: timedelta) -> None:
        """`owner` names this process; on SQLite the lock lapses `ttl` after its last renewal."""
        self._engine, self._owner, self._ttl = engine, owner, ttl
        self._connection: AsyncConnection | None = None

    async def hold(self) -> bool:
        """Take the lock if free, or renew it if ours; False if another process holds it."""
        if self._engine.dialect.name == "postgresql":
            return await self._hold_advisory()
        return await self._hold_row()

    async def release(self) -> None:
        """Give the lock up (a crashed holder's lock lapses by itself)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                # The pool keeps the server session alive, so unlock before returning it.
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY}
                )
                await connection.commit()
                await connection.close()
            except Exception:
                await _discard(connection)
        elif self._engine.dialect.name != "postgresql":
            async with self._engine.begin() as conn:
                await conn.execute(
                    text("DELETE FROM app_state WHERE key = :key AND value LIKE :mine"),
                    {"key": LOCK_ROW, "mine": f"{self._owner}|%"},
                )

    async def _hold_advisory(self) -> bool:
        if self._connection is not None:
            return await self._still_held(self._connection)
        connection = await self._engine.connect()
        try:
            taken = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
            )
            if taken:
                await connection.execute(UPSERT_OWNER, {"key": LOCK_ROW, "value": self._owner})
            await connection.commit()
        except Exception:
            await _discard(connection)
            raise
        if taken:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def _still_held(self, connection: AsyncConnection) -> bool:
        """Ask the server, on the lock's own session, whether the lock is still ours.

        A session the server terminated (or a network that went away) released the lock: then
        another process may lead already, and this one must step down at once.
        """
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                held = await connection.scalar(HELD, {"key": ADVISORY_KEY})
                await connection.commit()
        except Exception as exc:
            log.warning("scheduler lock: the lock's connection failed (%s); stepping down", exc)
            held = False
        if not held:
            self._connection = None
            await _discard(connection)
        return bool(held)

    async def _hold_row(self) -> bool:
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            value = await conn.scalar(
                text("SELECT value FROM app_state WHERE key = :key"), {"key": LOCK_ROW}
            )
            if value is not None:
                holder, _, until = str(value).partition("|")
                alive = datetime.fromisoformat(until) > now and not _gone(holder, self._owner)
                if holder != self._owner and alive:
                    return False
            mine = f"{self._owner}|{(now + self._ttl).isoformat()}"
            if value is None:
                await conn.execute(
                    text("INSERT INTO app_state (key, value) VALUES (:key, :value)"),
                    {"key": LOCK_ROW, "value": mine},
                )
            else:
                await conn.execute(
                    text("UPDATE app_state SET value = :value WHERE key = :key"),
                    {"key": LOCK_ROW, "value": mine},
                )
        return True


@asynccontextmanager
async def one_at_a_time(engine: AsyncEngine, key: int) -> AsyncIterator[None]:
    """Wait until no other process holds `key`, and hold it inside the block (PostgreSQL's
    session advisory lock, on a connection of its own). On SQLite, where one process writes at
    a time anyway, nothing is taken."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as connection:
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        await connection.commit()
        try:
            yield
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            await connection.commit()


def _gone(holder: str, owner: str) -> bool:
    """Whether the holder was a process of this host that no longer runs (restart after a
    crash: no need to wait for its lease to lapse)."""
    holder_host, _, holder_pid = holder.rpartition(":")
    if holder_host != owner.rpartition(":")[0] or not holder_pid.isdigit():
        return False
    try:
        os.kill(int(holder_pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


async def _discard(connection: AsyncConnection) -> None:
    """Throw away a connection whose server session may be gone (never back to the pool)."""
    try:
        await connection.invalidate()
        await connection.close()
    except Exception:
        log.debug("scheduler lock: closing a dead connection failed", exc_info=True)


async def current_leader(connection: AsyncConnection) -> str | None:
    """The process that leads the scheduler now, or None when none does."""
    value = await connection.scalar(
        text("SELECT value FROM app_state WHERE key = :key"), {"key": LOCK_ROW}
    )
    if connection.dialect.name == "postgresql":
        held = await connection.scalar(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = 0 AND objid = :key AND objsubid = 1 AND database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database()))"
            ),
            {"key": ADVISORY_KEY},
        )
        return str(value) if held and value else ("unknown" if held else None)
    if value is None:
        return None
    holder, _, until = str(value).partition("|")
    return holder if datetime.fromisoformat(until) > datetime.now(UTC) else None
