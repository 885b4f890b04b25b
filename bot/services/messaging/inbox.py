"""The inbox: platform updates committed as received, then processed once, in order per chat."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import table_of
from db.models import InboxUpdate
from db.queries.upserts import dialect_of, insert_ignoring

# An update whose processing failed this often is set aside (logged) instead of retried forever.
MAX_ATTEMPTS = 3
_INBOX = table_of(InboxUpdate)
# Built once, on the table rather than the class: this runs for every update, and the ORM's
# bulk-update path cost more than the statement itself.
_MARK_PROCESSED = (
    update(_INBOX)
    .where(_INBOX.c.id == bindparam("entry_id"), _INBOX.c.processed_at.is_(None))
    .values(processed_at=bindparam("done_at"), body={}, chat_id=None, error=bindparam("why"))
    .returning(_INBOX.c.id)
)


@dataclass(frozen=True)
class InboxEntry:
    """A stored update waiting to be processed."""

    id: int
    update_key: str
    chat_id: str | None
    body: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class NewUpdate:
    """An update as received, to be kept."""

    channel: str
    update_key: str
    chat_id: str | None
    body: dict[str, Any]


async def store_updates(
    session: AsyncSession, updates: Sequence[NewUpdate], *, now: datetime
) -> list[int | None]:
    """Keep updates in one statement; each one's row, or None when it was stored before."""
    rows = [
        {
            "channel": u.channel,
            "update_key": u.update_key,
            "chat_id": u.chat_id,
            "body": u.body,
            "received_at": now,
            "attempts": 0,
        }
        for u in _first_copies(updates)
    ]
    # Executed with the list of rows: one statement, compiled once (a multi-row VALUES
    # clause would be compiled again for every batch).
    statement = insert_ignoring(
        dialect_of(session), _INBOX, _INBOX.c.id, _INBOX.c.channel, _INBOX.c.update_key
    )
    result = await session.execute(statement, rows)
    stored = {(channel, key): id_ for id_, channel, key in result}
    # The same update twice in one batch: its first copy is kept, the second is a re-delivery.
    return [stored.pop((u.channel, u.update_key), None) for u in updates]


def _first_copies(updates: Sequence[NewUpdate]) -> list[NewUpdate]:
    """Each update once, in arrival order (a platform may send one twice in a burst)."""
    first: dict[tuple[str, str], NewUpdate] = {}
    for new in updates:
        first.setdefault((new.channel, new.update_key), new)
    return list(first.values())


async def list_pending(
    session: AsyncSession, *, channel: str, limit: int, received_before: datetime | None = None
) -> list[InboxEntry]:
    """The oldest unprocessed updates of a channel, in arrival order.

    `received_before` leaves out updates this process may still be working on.
    """
    query = select(InboxUpdate).where(
        InboxUpdate.channel == channel, InboxUpdate.processed_at.is_(None)
    )
    if received_before is not None:
        query = query.where(InboxUpdate.received_at < received_before)
    rows = await session.scalars(query.order_by(InboxUpdate.id).limit(limit))
    return [InboxEntry(r.id, r.update_key, r.chat_id, dict(r.body), r.attempts) for r in rows]


async def mark_processed(
    session: AsyncSession, *, entry_id: int, now: datetime, error: str | None = None
) -> bool:
    """The update is done with; only its key stays (for dedupe), no personal data.

    False when it was processed already: in the transaction that handles the update, this is
    what makes a second worker (another process, a sweep after a crash) leave it alone.
    """
    values = {"entry_id": entry_id, "done_at": now, "why": error}
    return (await session.execute(_MARK_PROCESSED, values)).first() is not None


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
