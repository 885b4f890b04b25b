"""The outbox: messages the bot sends on its own initiative, stored before they are sent."""

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Attachment, DeliveryResult, DeliveryStatus, Option, Outgoing, WebPage
from bot.services.messaging.conversations import show_options
from db.models import Delivery, OutboxMessage, User

# A claim older than this is taken to be from a crashed sender; the row is sent again.
CLAIM_LEASE = timedelta(minutes=2)
# A platform that fails (5xx, refused connections, 429) is tried again with growing pauses,
# up to this long after the message was queued: an outage of hours loses nothing.
RETRY_FOR = timedelta(hours=24)
MAX_PAUSE = timedelta(minutes=10)
REPLY, PERSONAL, BULK = 0, 1, 2


@dataclass(frozen=True)
class Claimed:
    """An outbox row taken for sending."""

    id: int
    chat_id: str
    message: Outgoing
    parts_sent: int


def encode(message: Outgoing) -> dict[str, Any]:
    """The message as JSON for the outbox row."""
    return asdict(message)


def decode(payload: dict[str, Any]) -> Outgoing:
    """The message back from an outbox row."""
    attachment, page = payload.get("attachment"), payload.get("web_page")
    return Outgoing(
        text=payload["text"],
        options=tuple(Option(**o) for o in payload.get("options", ())),
        attachment=Attachment(**attachment) if attachment else None,
        remove_keyboard=payload.get("remove_keyboard", False),
        columns=payload.get("columns", 1),
        numbered=payload.get("numbered", True),
        web_page=WebPage(**page) if page else None,
    )


async def enqueue(
    session: AsyncSession,
    *,
    user_id: int,
    message: Outgoing,
    now: datetime,
    batch: str | None = None,
    material_id: int | None = None,
    about: int | None = None,
) -> bool:
    """Queue a message for a user; False when the user is gone or inactive.

    `about`: the user whose personal data the message carries (erasing them deletes it).
    """
    user = await session.get(User, user_id)
    if user is None or not user.active:
        return False
    session.add(
        OutboxMessage(
            channel=user.channel,
            chat_id=user.chat_id,
            user_id=user.id,
            payload=encode(message),
            not_before=now,
            created_at=now,
            batch=batch,
            material_id=material_id,
            priority=PERSONAL if batch is None else BULK,
            subject_user_id=about,
        )
    )
    return True


async def enqueue_reply(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    message: Outgoing,
    parts_sent: int,
    now: datetime,
) -> bool:
    """Queue a reply the platform would not take just now, ahead of everything else."""
    user = await session.scalar(
        select(User).where(User.channel == channel, User.chat_id == chat_id)
    )
    if user is None or not user.active:
        return False
    session.add(
        OutboxMessage(
            channel=channel,
            chat_id=chat_id,
            user_id=user.id,
            payload=encode(message),
            not_before=now,
            created_at=now,
            priority=REPLY,
            parts_sent=parts_sent,
        )
    )
    return True


async def claim_due(
    session: AsyncSession,
    *,
    channel: str,
    now: datetime,
    limit: int,
    hold: tuple[str, ...] = (),
) -> list[Claimed]:
    """Take up to `limit` due rows for sending; no other sender can take them meanwhile.

    Rows of the batches in `hold` wait (reminders at night, whenever they were queued).
    """
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - CLAIM_LEASE)
        .values(status="pending", claim_token=None)
    )
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == "pending",
            OutboxMessage.not_before <= now,
            or_(OutboxMessage.batch.is_(None), OutboxMessage.batch.not_in(hold)),
        )
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    token = secrets.token_hex(8)
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()), OutboxMessage.status == "pending")
        .values(status="sending", claim_token=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.claim_token == token)
        .order_by(OutboxMessage.priority, OutboxMessage.id)
    )
    return [Claimed(row.id, row.chat_id, decode(row.payload), row.parts_sent) for row in rows]


async def record_result(
    session: AsyncSession,
    *,
    message_id: int,
    result: DeliveryResult,
    now: datetime,
    numbered: bool = False,
) -> None:
    """Mark a claimed row sent, blocked, failed, or due again later.

    `numbered`: the channel shows options as a numbered list (no buttons), so a sent message's
    options become the chat's list: "2" must then mean this message's second option.
    """
    row = await session.get(OutboxMessage, message_id)
    if row is None or row.status not in ("pending", "sending"):
        # Finished already: a second sender took the row over after the first one's claim
        # lapsed, and the first result stands (the text it would need is gone too).
        return
    row.attempts += 1
    row.claim_token = None
    row.error = result.detail or None
    row.parts_sent = max(row.parts_sent, result.parts_sent)
    if result.status == DeliveryStatus.SENT:
        row.status, row.sent_at = "sent", now
        if row.material_id is not None and row.user_id is not None:
            await _log_delivery(session, row, now)
        if numbered and (options := decode(row.payload).options):
            await show_options(
                session,
                channel=row.channel,
                chat_id=row.chat_id,
                options=[(o.label, o.payload) for o in options],
            )
    elif result.status == DeliveryStatus.RETRY and now - row.created_at < RETRY_FOR:
        pause = timedelta(seconds=max(result.retry_after, 2.0 ** min(row.attempts, 10)))
        row.status, row.not_before = "pending", now + min(pause, MAX_PAUSE)
    elif result.status == DeliveryStatus.UNKNOWN:
        row.status = "unknown"  # perhaps delivered: resending could repeat it
    elif result.status == DeliveryStatus.BLOCKED:
        row.status = "blocked"
        user = await session.get(User, row.user_id) if row.user_id else None
        if user is not None:
            user.active = False
    else:
        row.status = "failed"
    if row.status != "pending":
        # The outbox is a queue, not an archive: a finished message's text (which may name
        # someone, e.g. a reply listing requests to join) is not kept.
        row.payload = {}


async def _log_delivery(session: AsyncSession, row: OutboxMessage, now: datetime) -> None:
    user = await session.get(User, row.user_id)
    session.add(
        Delivery(
            material_id=row.material_id,
            user_id=row.user_id,
            unit_id=user.unit_id if user else None,
            channel=row.channel,
            via="broadcast" if row.batch else "announcement",
            delivered_at=now,
        )
    )


async def enqueue_tracked(
    session: AsyncSession, *, user_id: int, message: Outgoing, now: datetime
) -> int | None:
    """Queue the answer to what a person just did, ahead of everything but replies, and return
    its row id, for callers that need to know when it is delivered (`delivery_state`, e.g. a
    contest question, whose clock starts then); None when the user is gone or inactive."""
    user = await session.get(User, user_id)
    if user is None or not user.active:
        return None
    row = OutboxMessage(
        channel=user.channel,
        chat_id=user.chat_id,
        user_id=user.id,
        payload=encode(message),
        not_before=now,
        created_at=now,
        priority=REPLY,
    )
    session.add(row)
    await session.flush()
    return row.id


@dataclass(frozen=True)
class DeliveryState:
    """Where an outbox row stands: its status, when it was sent, when a sender took it."""

    status: str
    sent_at: datetime | None
    claimed_at: datetime | None


async def delivery_state(session: AsyncSession, message_id: int) -> DeliveryState | None:
    """The state of one outbox row (None when it is gone, e.g. erased)."""
    row = (
        await session.execute(
            select(OutboxMessage.status, OutboxMessage.sent_at, OutboxMessage.claimed_at).where(
                OutboxMessage.id == message_id
            )
        )
    ).first()
    return DeliveryState(*row) if row else None
