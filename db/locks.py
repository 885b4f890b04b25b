"""Only one process at a time: a PostgreSQL advisory lock, or on SQLite a lock row with expiry."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# An arbitrary constant naming our lock among the server's advisory locks.
ADVISORY_KEY = 4_242_026
LOCK_ROW = "scheduler.leader"


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
            # The pool keeps the server session alive, so unlock explicitly before returning it.
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY}
            )
            await self._connection.commit()
            await self._connection.close()
            self._connection = None
        elif self._engine.dialect.name != "postgresql":
            async with self._engine.begin() as conn:
                await conn.execute(
                    text("DELETE FROM app_state WHERE key = :key AND value LIKE :mine"),
                    {"key": LOCK_ROW, "mine": f"{self._owner}|%"},
                )

    async def _hold_advisory(self) -> bool:
        if self._connection is not None:
            return True
        connection = await self._engine.connect()
        taken = await connection.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
        )
        await connection.commit()
        if taken:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def _hold_row(self) -> bool:
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            value = await conn.scalar(
                text("SELECT value FROM app_state WHERE key = :key"), {"key": LOCK_ROW}
            )
            if value is not None:
                holder, _, until = str(value).partition("|")
                if holder != self._owner and datetime.fromisoformat(until) > now:
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
