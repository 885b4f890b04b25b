"""People who talk to the bot: created on first contact, with role and unit."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.access import Role, require_role
from db.base import table_of
from db.models import Unit, User
from db.queries.upserts import insert_ignore

LAST_SEEN_STEP = timedelta(minutes=5)


@dataclass(frozen=True)
class UserView:
    """A user as flows see them."""

    id: int
    channel: str
    chat_id: str
    display_name: str | None
    role: str
    unit_id: int | None
    unit_name: str | None
    unit_kind: str | None
    created: bool = False


async def _view(session: AsyncSession, user: User, *, created: bool = False) -> UserView:
    unit = await session.get(Unit, user.unit_id) if user.unit_id else None
    return UserView(
        user.id,
        user.channel,
        user.chat_id,
        user.display_name,
        user.role,
        user.unit_id,
        unit.name if unit else None,
        unit.kind if unit else None,
        created,
    )


async def get_user(session: AsyncSession, user_id: int) -> UserView:
    """The user as stored now (after a change of role, for instance)."""
    user = await session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    return await _view(session, user)


async def find_user_id(session: AsyncSession, *, channel: str, chat_id: str) -> int | None:
    """The id of the user of a chat, if the chat has ever talked to the bot."""
    return await session.scalar(
        select(User.id).where(User.channel == channel, User.chat_id == chat_id)
    )


def is_admin(channel: str, chat_id: str, admin_chat_ids: frozenset[str]) -> bool:
    """ADMIN_CHAT_IDS: a bare id means Telegram; other channels are written 'zalo:<id>'."""
    if f"{channel}:{chat_id}" in admin_chat_ids:
        return True
    return channel in ("telegram", "console") and chat_id in admin_chat_ids


_USERS = table_of(User)
_UNITS = table_of(Unit)
# Built once, on the tables rather than the classes: this runs for every update.
_FIND = (
    select(
        _USERS.c.id,
        _USERS.c.platform_user_id,
        _USERS.c.display_name,
        _USERS.c.role,
        _USERS.c.unit_id,
        _USERS.c.active,
        _USERS.c.last_seen_at,
        _UNITS.c.name,
        _UNITS.c.kind,
    )
    .outerjoin(_UNITS, _UNITS.c.id == _USERS.c.unit_id)
    .where(_USERS.c.channel == bindparam("channel"), _USERS.c.chat_id == bindparam("chat_id"))
)


async def touch_user(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    platform_user_id: str,
    display_name: str | None,
    admin_chat_ids: frozenset[str],
    now: datetime,
) -> UserView:
    """The user of this chat, created as a citizen on first contact; admins are coordinators."""
    where = {"channel": channel, "chat_id": chat_id}
    row = (await session.execute(_FIND, where)).first()
    created = False
    if row is None:
        new = {"channel": channel, "chat_id": chat_id, "role": Role.CITIZEN, "created_at": now}
        created = await insert_ignore(session, User, new | {"last_seen_at": now})
        row = (await session.execute(_FIND, where)).one()
    user_id, platform_id, name, role, unit_id, active, last_seen, unit_name, unit_kind = row
    stored = {"platform_user_id": platform_id, "display_name": name, "active": active, "role": role}
    name_now = (display_name or "")[:255] or None
    role_now = Role.COORDINATOR if is_admin(channel, chat_id, admin_chat_ids) else role
    wanted = {
        "platform_user_id": platform_user_id,
        "display_name": name_now,
        "active": True,
        "role": role_now,
    }
    changes: dict[str, object] = {k: v for k, v in wanted.items() if stored[k] != v}
    if now - last_seen > LAST_SEEN_STEP:
        changes["last_seen_at"] = now
    if changes:
        await session.execute(update(_USERS).where(_USERS.c.id == user_id).values(**changes))
    return UserView(
        user_id, channel, chat_id, name_now, role_now, unit_id, unit_name, unit_kind, created
    )


async def set_role(session: AsyncSession, user_id: int, *, role: Role, unit_id: int | None) -> None:
    """Give a user a role (and the unit officials report for)."""
    user = await session.get(User, user_id)
    if user is not None:
        user.role = role
        user.unit_id = unit_id


async def mark_inactive(session: AsyncSession, *, channel: str, chat_id: str) -> None:
    """The user blocked the bot: stop sending them anything until they write again."""
    user = await session.scalar(
        select(User).where(User.channel == channel, User.chat_id == chat_id)
    )
    if user is not None:
        user.active = False


async def set_review_notices(session: AsyncSession, *, user: UserView, on: bool) -> None:
    """A coordinator turns the daily message about reports waiting on or off."""
    require_role(user.role, Role.COORDINATOR)
    stored = await session.get(User, user.id)
    if stored is not None:
        stored.review_notices = on


async def list_coordinators(session: AsyncSession) -> list[UserView]:
    """Active coordinators, to be told about requests that need a decision."""
    users = await session.scalars(
        select(User).where(User.role == Role.COORDINATOR, User.active).order_by(User.id)
    )
    return [await _view(session, u) for u in users]
