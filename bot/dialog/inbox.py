"""The inbox as channels use it: each call is its own committed transaction."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.engine import utc_now
from bot.services.messaging import inbox
from bot.services.messaging.inbox import InboxEntry

__all__ = ["InboxEntry", "InboxStore"]


class InboxStore:
    """Stores updates durably before a channel acknowledges them, and hands them back."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        """Use these sessions; `clock` is for tests."""
        self._sessions, self._clock = sessions, clock

    async def store(
        self, *, channel: str, update_key: str, chat_id: str | None, body: dict[str, Any]
    ) -> int | None:
        """Commit an update; its row id, or None when it was there already."""
        async with self._sessions.begin() as session:
            return await inbox.store_update(
                session,
                channel=channel,
                update_key=update_key,
                chat_id=chat_id,
                body=body,
                now=self._clock(),
            )

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
