"""The inbox: platform updates committed as received, then processed once, in order per chat."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InboxUpdate
from db.queries.upserts import insert_ignore

# An update whose processing failed this often is set aside (logged) instead of retried forever.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class InboxEntry:
    """A stored update waiting to be processed."""

    id: int
    update_key: str
    chat_id: str | None
    body: dict[str, Any]
    attempts: int


async def store_update(
    session: AsyncSession,
    *,
    channel: str,
    update_key: str,
    chat_id: str | None,
    body: dict[str, Any],
    now: datetime,
) -> bool:
    """Keep an update; False when the same one was stored before (a re-delivery)."""
    return await insert_ignore(
        session,
        InboxUpdate,
        {
            "channel": channel,
            "update_key": update_key,
            "chat_id": chat_id,
            "body": body,
            "received_at": now,
            "attempts": 0,
        },
    )


async def list_pending(session: AsyncSession, *, channel: str, limit: int) -> list[InboxEntry]:
    """The oldest unprocessed updates of a channel, in arrival order."""
    rows = await session.scalars(
        select(InboxUpdate)
        .where(InboxUpdate.channel == channel, InboxUpdate.processed_at.is_(None))
        .order_by(InboxUpdate.id)
        .limit(limit)
    )
    return [InboxEntry(r.id, r.update_key, r.chat_id, dict(r.body), r.attempts) for r in rows]


async def mark_processed(
    session: AsyncSession, *, entry_id: int, now: datetime, error: str | None = None
) -> None:
    """The update is done with; only its key stays (for dedupe), no personal data."""
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == entry_id)
        .values(processed_at=now, body={}, chat_id=None, error=error)
    )


async def record_failure(
    session: AsyncSession, *, entry_id: int, error: str, now: datetime
) -> bool:
    """Count a failed attempt; True when the update is set aside for good."""
    row = await session.get(InboxUpdate, entry_id)
    if row is None:
        return True
    row.attempts += 1
    row.error = error[:500]
    if row.attempts >= MAX_ATTEMPTS:
        row.processed_at, row.body, row.chat_id = now, {}, None
        return True
    return False
