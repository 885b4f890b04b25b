"""Erasing a user's personal data (Law 91/2025/QH15, Decree 356/2025/NĐ-CP)."""

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core import audit
from bot.services.messaging.conversations import forget_conversation
from db.models import ContestEntry, ContestRound, OutboxMessage, User


async def erase_user(session: AsyncSession, *, user_id: int) -> None:
    """Delete the user's identity, chat state and pending messages; reports stay with the unit."""
    user = await session.get(User, user_id)
    if user is None:
        return
    await forget_conversation(session, channel=user.channel, chat_id=user.chat_id)
    await erase_contest_entries(session, user_id=user_id, now=datetime.now(UTC))
    await session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user_id))
    await session.delete(user)
    # Reports keep their unit; the reporter link is set to NULL by the foreign key.
    await audit.record(session, actor_id=user_id, action="user.erased", subject=f"user:{user_id}")


async def erase_contest_entries(session: AsyncSession, *, user_id: int, now: datetime) -> int:
    """A student's contest registrations: erased now where the round's results are final;
    otherwise kept for the ranking until they are, then erased (the rules text says so)."""
    rows = await session.execute(
        select(ContestEntry, ContestRound.results_at)
        .join(ContestRound, ContestRound.id == ContestEntry.round_id)
        .where(ContestEntry.user_id == user_id, ContestEntry.erased_at.is_(None))
    )
    erased = 0
    for entry, results_at in rows:
        if results_at is not None:
            anonymize_entry(entry, now=now)
            erased += 1
        else:
            entry.erase_requested = True
    return erased


def anonymize_entry(entry: ContestEntry, *, now: datetime) -> None:
    """Empty an entry's personal fields; its school and scores stay as anonymous figures."""
    entry.user_id = None
    entry.full_name = entry.birth_date = entry.class_name = entry.phone = None
    entry.guardian_name = None
    entry.name_key = f"erased-{entry.id}"
    entry.erased_at = now
