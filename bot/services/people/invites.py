"""One-time invite codes that make their user an official of a unit or a coordinator."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core import audit
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput
from bot.services.people.users import UserView, set_role
from db.models import Invite, JoinRequest, Unit

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True)
class InviteView:
    """A created invite."""

    code: str
    role: str
    unit_name: str | None
    expires_at: datetime


@dataclass(frozen=True)
class Redeemed:
    """What an invite made of its user (or would make, before it is used)."""

    role: str
    unit_name: str | None
    unit_id: int | None = None
    unit_kind: str | None = None

    def changes(self, user: UserView) -> bool:
        """Whether using the code would take away a role or unit the user has now."""
        return user.role != Role.CITIZEN and (user.role, user.unit_id) != (self.role, self.unit_id)

    def is_held_by(self, user: UserView) -> bool:
        """Whether the user already has exactly this role and unit."""
        return (user.role, user.unit_id) == (self.role, self.unit_id)


def new_code() -> str:
    """A random code of unambiguous characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def looks_like_code(text: str) -> bool:
    """Whether typed text could be an invite code (so a bare code works on Zalo too)."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    return len(cleaned) == CODE_LENGTH and all(c in CODE_ALPHABET for c in cleaned)


async def create_invite(
    session: AsyncSession,
    *,
    actor: UserView | None,
    role: Role,
    unit_id: int | None,
    now: datetime,
    days: int,
) -> InviteView:
    """A new code; `actor` None means the operator's command line. Officials need a unit."""
    if actor is not None:
        require_role(actor.role, Role.COORDINATOR)
    if role == Role.OFFICIAL and unit_id is None:
        raise InvalidInput("invites/unit_needed")
    unit = await session.get(Unit, unit_id) if unit_id else None
    invite = Invite(
        code=new_code(),
        role=role,
        unit_id=unit.id if unit else None,
        created_by_id=actor.id if actor else None,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(invite)
    await session.flush()
    await audit.record(
        session,
        actor_id=invite.created_by_id,
        action="invite.created",
        subject=f"invite:{invite.id}",
        details={"role": role, "unit_id": invite.unit_id},
    )
    return InviteView(invite.code, role, unit.name if unit else None, invite.expires_at)


def clean_code(code: str) -> str:
    """A code as stored: upper case, without the spaces and dashes people type."""
    return code.strip().upper().replace("-", "").replace(" ", "")


async def _usable(session: AsyncSession, code: str, now: datetime) -> Invite:
    invite = await session.scalar(
        select(Invite).where(Invite.code == clean_code(code)).with_for_update()
    )
    if invite is None:
        raise InvalidInput("invites/unknown")
    if invite.used_at is not None:
        raise InvalidInput("invites/used")
    if invite.expires_at <= now:
        raise InvalidInput("invites/expired")
    return invite


async def check_invite(session: AsyncSession, *, code: str, now: datetime) -> Redeemed:
    """What a code would make of its user, without using it (unknown, used, expired: refused)."""
    invite = await _usable(session, code, now)
    unit = await session.get(Unit, invite.unit_id) if invite.unit_id else None
    return Redeemed(
        invite.role, unit.name if unit else None, invite.unit_id, unit.kind if unit else None
    )


async def redeem_invite(
    session: AsyncSession, *, user: UserView, code: str, now: datetime, confirmed: bool = False
) -> Redeemed:
    """Use a code once: the user takes its role and unit. Expired or used codes are refused;
    one that would take away the user's role or unit needs `confirmed` (they were asked)."""
    invite = await _usable(session, code, now)
    if not confirmed and Redeemed(invite.role, None, invite.unit_id).changes(user):
        raise InvalidInput("invites/not_confirmed")
    invite.used_at, invite.used_by_id = now, user.id
    await set_role(session, user.id, role=Role(invite.role), unit_id=invite.unit_id)
    # A request to join made before would, approved later, undo what the code just gave.
    await session.execute(
        update(JoinRequest)
        .where(JoinRequest.user_id == user.id, JoinRequest.status == "pending")
        .values(status="cancelled", decided_at=now)
    )
    await audit.record(
        session,
        actor_id=user.id,
        action="invite.redeemed",
        subject=f"invite:{invite.id}",
        details={"role": invite.role, "unit_id": invite.unit_id},
    )
    unit = await session.get(Unit, invite.unit_id) if invite.unit_id else None
    return Redeemed(
        invite.role, unit.name if unit else None, invite.unit_id, unit.kind if unit else None
    )
