"""What the app remembers about its own bot accounts (e.g. the Telegram username)."""

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AppState

TELEGRAM_USERNAME = "telegram.username"


async def remember_telegram_username(session: AsyncSession, username: str) -> None:
    """Store the username getMe returned, so invite links can be printed offline."""
    row = await session.get(AppState, TELEGRAM_USERNAME)
    if row is None:
        session.add(AppState(key=TELEGRAM_USERNAME, value=username))
    else:
        row.value = username


async def telegram_username(session: AsyncSession) -> str | None:
    """The last known Telegram username of the bot."""
    row = await session.get(AppState, TELEGRAM_USERNAME)
    return row.value if row else None


def deep_link(username: str, code: str) -> str:
    """The t.me link that starts a chat with an invite code."""
    return f"https://t.me/{username}?start={code}"
