"""The inbox as channels use it: updates committed together as they arrive, each caller
answered once its update is committed."""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.engine import utc_now
from bot.services.messaging import inbox
from bot.services.messaging.inbox import InboxEntry, NewUpdate

__all__ = ["InboxEntry", "InboxStore"]
# One transaction holds at most this many updates (a burst of them is committed in steps).
BATCH = 200
_Batch = list[tuple[NewUpdate, asyncio.Future[int | None]]]


class InboxStore:
    """Stores updates durably before a channel acknowledges them, and hands them back.

    Updates that arrive while a commit is under way are committed together in the next one
    (group commit): under load each update no longer pays a transaction of its own, and alone
    it is committed at once, as before.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        """Use these sessions; `clock` is for tests."""
        self._sessions, self._clock = sessions, clock
        self._waiting: list[tuple[NewUpdate, asyncio.Future[int | None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def store(
        self, *, channel: str, update_key: str, chat_id: str | None, body: dict[str, Any]
    ) -> int | None:
        """Commit an update; its row id, or None when it was there already."""
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((NewUpdate(channel, update_key, chat_id, body), done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="inbox-writer")
        return await done

    async def _write(self) -> None:
        """Commit what waits, batch by batch, until nothing does."""
        todo: _Batch = []
        try:
            while self._waiting:
                todo, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
                try:
                    await self._commit(todo)
                except Exception as exc:
                    if len(todo) == 1 or not _one_update_at_fault(exc):
                        _fail(todo, exc)  # the database's trouble: a retry would only wait
                    else:
                        await self._commit_one_by_one(todo)
                todo = []
        except BaseException as exc:  # cancelled while shutting down: nobody waits for ever
            _fail(todo + self._waiting, exc)
            self._waiting = []
            raise

    async def _commit_one_by_one(self, batch: _Batch) -> None:
        """One update's data broke the batch: it must not fail the others."""
        for entry in batch:
            if entry[1].done():  # its caller gave up: unanswered, the platform sends it again
                continue
            try:
                await self._commit([entry])
            except Exception as exc:
                _fail([entry], exc)

    async def _commit(self, batch: _Batch) -> None:
        """One transaction for the batch; each caller gets its row (None: stored before)."""
        async with self._sessions.begin() as session:
            ids = await inbox.store_updates(
                session, [update for update, _ in batch], now=self._clock()
            )
        for (_, done), entry_id in zip(batch, ids, strict=True):
            if not done.done():  # a caller that gave up leaves its row to a sweep
                done.set_result(entry_id)

    async def pending(
        self, *, channel: str, limit: int = 500, older_than: timedelta | None = None
    ) -> list[InboxEntry]:
        """Unprocessed updates, oldest first (including those left by a crash)."""
        before = self._clock() - older_than if older_than is not None else None
        async with self._sessions() as session:
            return await inbox.list_pending(
                session, channel=channel, limit=limit, received_before=before
            )

    async def done(self, entry_id: int, *, error: str | None = None) -> None:
        """Mark an update processed without handling it (not an update the bot reads)."""
        async with self._sessions.begin() as session:
            await inbox.mark_processed(session, entry_id=entry_id, now=self._clock(), error=error)

    async def failed(self, entry_id: int, *, error: str) -> bool:
        """Count a failed attempt; True when the update was set aside."""
        async with self._sessions.begin() as session:
            return await inbox.record_failure(
                session, entry_id=entry_id, error=error, now=self._clock()
            )


def _one_update_at_fault(exc: Exception) -> bool:
    """Whether the error comes from what one update holds (a value the database or the JSON
    encoder refuses), rather than from the database itself (down, pool exhausted)."""
    if isinstance(exc, DataError | IntegrityError):
        return True
    return not isinstance(exc, DBAPIError | PoolTimeout | OSError)


def _fail(batch: _Batch, exc: BaseException) -> None:
    """Tell each caller still waiting that its update was not stored."""
    for _, done in batch:
        if done.done():
            continue
        if isinstance(exc, asyncio.CancelledError):
            done.cancel()
        else:
            done.set_exception(exc)
