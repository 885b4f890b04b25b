"""Coordinators' dashboard access: one-time login links, and the role checked on every page."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.access import Role, require_role
from bot.services.core.errors import PermissionDenied
from bot.services.people.users import UserView, get_user
from db.models import User, WebLogin

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_login(session: AsyncSession, *, user: UserView, now: datetime) -> str:
    """A new login token for a coordinator (valid 10 minutes, once); only its hash is kept.

    Links of the same person that were never used are dropped, as are links long expired.
    """
    require_role(user.role, Role.COORDINATOR)
    await session.execute(
        delete(WebLogin).where(
            (WebLogin.expires_at < now - timedelta(days=1))
            | ((WebLogin.user_id == user.id) & WebLogin.used_at.is_(None))
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        WebLogin(
            token_hash=_hash(token), user_id=user.id, created_at=now, expires_at=now + LINK_LIFETIME
        )
    )
    return token


@dataclass(frozen=True)
class DashboardUser:
    """A coordinator with dashboard access, and their sessions' epoch (raised at sign-out)."""

    user: UserView
    epoch: int


async def use_login(session: AsyncSession, *, token: str, now: datetime) -> DashboardUser:
    """The coordinator a login token belongs to; the token is spent. PermissionDenied when it
    is unknown, used, expired, or its owner is no longer a coordinator."""
    if not 20 <= len(token) <= 100:
        raise PermissionDenied("web/login_refused")
    login = await session.scalar(
        select(WebLogin).where(WebLogin.token_hash == _hash(token)).with_for_update()
    )
    if login is None or login.used_at is not None or login.expires_at <= now:
        raise PermissionDenied("web/login_refused")
    login.used_at = now
    return await dashboard_user(session, user_id=login.user_id)


async def dashboard_user(session: AsyncSession, *, user_id: int) -> DashboardUser:
    """The user behind a dashboard session, if they are still an active coordinator."""
    user = await session.get(User, user_id)
    if user is None or not user.active:
        raise PermissionDenied("web/login_refused")
    view = await get_user(session, user_id)
    require_role(view.role, Role.COORDINATOR)
    return DashboardUser(view, user.web_epoch)


async def sign_out(session: AsyncSession, *, user_id: int) -> None:
    """End every dashboard session of this user, on every device, and void their unused
    login links (one may sit in a lost phone's chat)."""
    await session.execute(
        update(User).where(User.id == user_id).values(web_epoch=User.web_epoch + 1)
    )
    await session.execute(
        delete(WebLogin).where(WebLogin.user_id == user_id, WebLogin.used_at.is_(None))
    )
