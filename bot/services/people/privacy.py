"""Erasing a user's personal data (Law 91/2025/QH15, Decree 356/2025/NĐ-CP)."""

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core import audit
from bot.services.messaging.conversations import forget_conversation
from db.models import OutboxMessage, User


async def erase_user(session: AsyncSession, *, user_id: int) -> None:
    """Delete the user's identity, chat state and pending messages; reports stay with the unit."""
    user = await session.get(User, user_id)
    if user is None:
        return
    await forget_conversation(session, channel=user.channel, chat_id=user.chat_id)
    await session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user_id))
    await session.delete(user)
    # Reports keep their unit; the reporter link is set to NULL by the foreign key.
    await audit.record(session, actor_id=user_id, action="user.erased", subject=f"user:{user_id}")
