"""Officials without a code ask to join a unit; a coordinator approves or rejects."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core import audit
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput, NotFound
from bot.services.people.users import UserView, set_role
from db.models import JoinRequest, Unit, User

MAX_TEXT = 80
MAX_REASON = 500
PHONE = re.compile(r"(?:\+?84|0)(\d{9})")
# A reason a person can act on: a few words ("ok", "không" are not reasons).
REASON_WORDS, REASON_LETTERS = 2, 8


@dataclass(frozen=True)
class Applicant:
    """Who asks to be a commune's official, as they typed it."""

    full_name: str
    position: str
    phone: str


@dataclass(frozen=True)
class JoinRequestView:
    """A request as coordinators and the requester see it."""

    id: int
    user_id: int
    requester_name: str | None
    unit_id: int
    unit_name: str
    status: str
    full_name: str | None = None
    position: str | None = None
    phone: str | None = None
    reason: str | None = None
    unit_kind: str | None = None
    created_at: datetime | None = None


def check_full_name(text: str) -> str:
    """A person's full name: 2 to 80 characters, letters and spaces, at least two words."""
    name = " ".join(text.split())
    if (
        not 2 <= len(name) <= MAX_TEXT
        or len(name.split()) < 2
        or not all(ch.isalpha() or ch in " .'-" for ch in name)
    ):
        raise InvalidInput("onboarding/name_expected")
    return name


def check_position(text: str) -> str:
    """A position ("công chức văn hóa – xã hội"): 2 to 80 characters with letters."""
    position = " ".join(text.split())
    if not 2 <= len(position) <= MAX_TEXT or not any(ch.isalpha() for ch in position):
        raise InvalidInput("onboarding/position_expected")
    return position


def parse_phone(text: str) -> str:
    """A Vietnamese phone number ("0912 345 678", "+84912345678") as 0 + 9 digits."""
    found = PHONE.fullmatch(re.sub(r"[\s.\-()]", "", text))
    if found is None:
        raise InvalidInput("onboarding/phone_expected")
    return "0" + found.group(1)


def check_reason(text: str) -> str:
    """A rejection's reason the person can act on: a few words, at most 500 characters."""
    reason = " ".join(text.split())
    letters = sum(ch.isalpha() for ch in reason)
    if len(reason.split()) < REASON_WORDS or letters < REASON_LETTERS:
        raise InvalidInput("onboarding/reason_expected")
    if len(reason) > MAX_REASON:
        raise InvalidInput("onboarding/reason_too_long", {"max": MAX_REASON})
    return reason


async def _view(session: AsyncSession, request: JoinRequest) -> JoinRequestView:
    user = await session.get(User, request.user_id)
    unit = await session.get(Unit, request.unit_id)
    assert unit is not None  # noqa: S101 (foreign key)
    return JoinRequestView(
        request.id,
        request.user_id,
        user.display_name if user else None,
        unit.id,
        unit.name,
        request.status,
        request.full_name,
        request.position,
        request.phone,
        request.reason,
        unit.kind,
        request.created_at,
    )


async def find_pending(session: AsyncSession, user_id: int) -> JoinRequestView | None:
    """The user's request waiting for a decision, if any."""
    pending = await session.scalar(
        select(JoinRequest).where(JoinRequest.user_id == user_id, JoinRequest.status == "pending")
    )
    return await _view(session, pending) if pending else None


def check_may_request(user: UserView) -> None:
    """Only citizens ask to join (officials and coordinators already have a place)."""
    if user.role != Role.CITIZEN:
        raise InvalidInput("onboarding/already_member", {"unit": user.unit_name or ""})


async def request_join(
    session: AsyncSession,
    *,
    user: UserView,
    unit_id: int,
    applicant: Applicant,
    now: datetime,
) -> JoinRequestView:
    """File a request (one pending at a time per user); officials already bound cannot."""
    check_may_request(user)
    if await find_pending(session, user.id) is not None:
        raise InvalidInput("onboarding/already_pending")
    request = JoinRequest(
        user_id=user.id,
        unit_id=unit_id,
        created_at=now,
        full_name=check_full_name(applicant.full_name),
        position=check_position(applicant.position),
        phone=parse_phone(applicant.phone),
    )
    session.add(request)
    await session.flush()
    await audit.record(
        session, actor_id=user.id, action="join.requested", subject=f"join:{request.id}"
    )
    return await _view(session, request)


async def get_pending(
    session: AsyncSession, *, actor: UserView, request_id: int
) -> JoinRequestView:
    """A request still waiting (a coordinator about to decide it)."""
    require_role(actor.role, Role.COORDINATOR)
    request = await session.get(JoinRequest, request_id)
    if request is None:
        raise NotFound("onboarding/request_gone")
    if request.status != "pending":
        raise InvalidInput("onboarding/already_decided", {"status": request.status})
    return await _view(session, request)


async def decide_join(
    session: AsyncSession,
    *,
    actor: UserView,
    request_id: int,
    approve: bool,
    now: datetime,
    reason: str | None = None,
) -> JoinRequestView:
    """Approve (the user becomes an official of the unit) or reject a pending request, with a
    reason the requester is told."""
    require_role(actor.role, Role.COORDINATOR)
    request = await session.get(JoinRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound("onboarding/request_gone")
    if request.status != "pending":
        raise InvalidInput("onboarding/already_decided", {"status": request.status})
    if not approve:
        request.reason = check_reason(reason or "")
    request.status = "approved" if approve else "rejected"
    request.decided_at, request.decided_by_id = now, actor.id
    if approve:
        await set_role(session, request.user_id, role=Role.OFFICIAL, unit_id=request.unit_id)
    await audit.record(
        session, actor_id=actor.id, action=f"join.{request.status}", subject=f"join:{request.id}"
    )
    return await _view(session, request)


async def list_pending(session: AsyncSession, *, actor: UserView) -> list[JoinRequestView]:
    """Requests waiting for a decision, oldest first."""
    require_role(actor.role, Role.COORDINATOR)
    requests = await session.scalars(
        select(JoinRequest).where(JoinRequest.status == "pending").order_by(JoinRequest.id)
    )
    return [await _view(session, r) for r in requests]
