"""Officials without a code ask to join a unit; a coordinator approves or rejects."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core import audit
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput, NotFound
from bot.services.people.users import UserView, set_role
from db.models import JoinRequest, Unit, User


@dataclass(frozen=True)
class JoinRequestView:
    """A request as coordinators and the requester see it."""

    id: int
    user_id: int
    requester_name: str | None
    unit_id: int
    unit_name: str
    status: str


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
    )


async def request_join(
    session: AsyncSession, *, user: UserView, unit_id: int, now: datetime
) -> JoinRequestView:
    """File a request (one pending at a time per user); officials already bound cannot."""
    if user.role != Role.CITIZEN:
        raise InvalidInput("onboarding/already_member", {"unit": user.unit_name or ""})
    pending = await session.scalar(
        select(JoinRequest).where(JoinRequest.user_id == user.id, JoinRequest.status == "pending")
    )
    if pending is not None:
        raise InvalidInput("onboarding/already_pending")
    request = JoinRequest(user_id=user.id, unit_id=unit_id, created_at=now)
    session.add(request)
    await session.flush()
    await audit.record(
        session, actor_id=user.id, action="join.requested", subject=f"join:{request.id}"
    )
    return await _view(session, request)


async def decide_join(
    session: AsyncSession, *, actor: UserView, request_id: int, approve: bool, now: datetime
) -> JoinRequestView:
    """Approve (the user becomes an official of the unit) or reject a pending request."""
    require_role(actor.role, Role.COORDINATOR)
    request = await session.get(JoinRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound("onboarding/request_gone")
    if request.status != "pending":
        raise InvalidInput("onboarding/already_decided", {"status": request.status})
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
