"""What the app remembers about its own bot accounts (e.g. the Telegram username)."""

import secrets

from sqlalchemy.exc import IntegrityError
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


WEB_SECRET = "web.secret"  # noqa: S105 (the key of a stored value, not a secret)


async def web_secret(session: AsyncSession) -> str:
    """The key that signs web links and sessions when the operator set none (`WEB_SECRET`):
    made once, kept in the database so that every process of the installation shares it."""
    row = await session.get(AppState, WEB_SECRET)
    if row is not None:
        return row.value
    made = secrets.token_hex(32)
    try:
        async with session.begin_nested():
            session.add(AppState(key=WEB_SECRET, value=made))
    except IntegrityError:  # another process made it first: theirs is the one
        row = await session.get(AppState, WEB_SECRET, populate_existing=True)
        assert row is not None  # noqa: S101
        return row.value
    return made
