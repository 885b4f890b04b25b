"""Coordinators' broadcasts: choose an audience, queue through the outbox, report delivery."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Attachment, Outgoing
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput
from bot.services.core.texts import Texts
from bot.services.messaging import outbox
from bot.services.outreach.materials import get_material
from bot.services.people.users import UserView
from db.models import Broadcast, OutboxMessage, Subscription, User

AUDIENCES = ("officials", "units", "topic", "everyone")
MAX_TEXT = 2000
MIN_TEXT = 5


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to."""

    kind: str
    unit_ids: tuple[int, ...] = ()
    topic: str | None = None


def check_text(text: str) -> str:
    """An announcement's text: 5 to 2,000 characters (Zalo's cap on one message)."""
    cleaned = text.strip()
    if not MIN_TEXT <= len(cleaned) <= MAX_TEXT:
        raise InvalidInput("broadcast/text_length", {"length": len(cleaned), "max": MAX_TEXT})
    return cleaned


def _recipients(audience: Audience) -> Select[int]:
    query = select(User.id).where(User.active)
    if audience.kind == "officials":
        return query.where(User.role == Role.OFFICIAL)
    if audience.kind == "units":
        return query.where(User.role == Role.OFFICIAL, User.unit_id.in_(audience.unit_ids))
    if audience.kind == "topic":
        followers = select(Subscription.user_id).where(Subscription.topic == audience.topic)
        return query.where(User.id.in_(followers))
    return query


async def count_recipients(session: AsyncSession, audience: Audience) -> int:
    """How many active people the audience reaches now."""
    subquery = _recipients(audience).subquery()
    return await session.scalar(select(func.count()).select_from(subquery)) or 0


async def queue_broadcast(
    session: AsyncSession,
    *,
    actor: UserView,
    audience: Audience,
    text: str | None,
    material_id: int | None,
    texts: Texts,
    now: datetime,
) -> tuple[int, int]:
    """Queue one message per recipient; returns (broadcast number, messages queued)."""
    require_role(actor.role, Role.COORDINATOR)
    if audience.kind not in AUDIENCES:
        raise InvalidInput("broadcast/audience_unknown")
    message = await _message(session, text=text, material_id=material_id, texts=texts)
    recipients = list(await session.scalars(_recipients(audience)))
    broadcast = Broadcast(
        created_by_id=actor.id,
        material_id=material_id,
        text=text,
        audience=audience.kind,
        total=len(recipients),
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    for user_id in recipients:
        await outbox.enqueue(
            session,
            user_id=user_id,
            message=message,
            now=now,
            batch=f"b{broadcast.id}",
            material_id=material_id,
        )
    return broadcast.id, len(recipients)


async def _message(
    session: AsyncSession, *, text: str | None, material_id: int | None, texts: Texts
) -> Outgoing:
    if material_id is None:
        return Outgoing(texts.render("broadcast/announcement", text=check_text(text or "")))
    material = await get_material(session, material_id)
    attachment = (
        Attachment("document", material.attachment, material.attachment.rsplit("/")[-1])
        if material.attachment
        else None
    )
    return Outgoing(texts.render("materials/material", m=material), attachment=attachment)


async def summarize_finished(session: AsyncSession, *, texts: Texts, now: datetime) -> int:
    """Tell each coordinator how their finished broadcasts went (once each)."""
    told = 0
    open_ones = await session.scalars(select(Broadcast).where(Broadcast.summarized_at.is_(None)))
    for broadcast in open_ones:
        counts = dict(
            (
                await session.execute(
                    select(OutboxMessage.status, func.count())
                    .where(OutboxMessage.batch == f"b{broadcast.id}")
                    .group_by(OutboxMessage.status)
                )
            ).all()
        )
        if counts.get("pending") or counts.get("sending"):
            continue
        broadcast.summarized_at = now
        if broadcast.created_by_id is not None:
            message = Outgoing(texts.render("broadcast/summary", b=broadcast, counts=counts))
            told += await outbox.enqueue(
                session, user_id=broadcast.created_by_id, message=message, now=now
            )
    return told
