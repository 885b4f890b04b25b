import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import Attachment, DeliveryResult, DeliveryStatus, Option, Outgoing, WebPage
from bot.services.messaging import outbox
from db.models import OutboxMessage, User
from tests.factories import make_user

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


async def _queue(sessions: async_sessionmaker[AsyncSession], count: int) -> list[int]:
    async with sessions.begin() as session:
        users = [await make_user(session, chat_id=str(2000 + i)) for i in range(count)]
        for user in users:
            message = Outgoing("Thông báo", (Option("Xem", "cmd:menu"),))
            assert await outbox.enqueue(session, user_id=user.id, message=message, now=NOW)
    return [u.id for u in users]


async def test_a_message_round_trips_through_the_outbox(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _queue(sessions, 1)
    async with sessions.begin() as session:
        claimed = await outbox.claim_due(session, channel="telegram", now=NOW, limit=10)
    assert len(claimed) == 1
    chat_id, message = claimed[0].chat_id, claimed[0].message
    assert (chat_id, message.text, message.options[0].payload) == ("2000", "Thông báo", "cmd:menu")
    async with sessions.begin() as session:
        assert await outbox.claim_due(session, channel="telegram", now=NOW, limit=10) == []


async def test_two_senders_never_claim_the_same_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _queue(sessions, 40)

    async def claim() -> list[int]:
        taken: list[int] = []
        while True:
            async with sessions.begin() as session:
                batch = await outbox.claim_due(session, channel="telegram", now=NOW, limit=3)
            if not batch:
                return taken
            taken += [row.id for row in batch]

    first, second = await asyncio.gather(claim(), claim())
    assert not set(first) & set(second)
    assert len(first) + len(second) == 40


async def test_a_claim_left_by_a_crashed_sender_is_sent_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _queue(sessions, 1)
    async with sessions.begin() as session:
        assert await outbox.claim_due(session, channel="telegram", now=NOW, limit=10)
    later = NOW + outbox.CLAIM_LEASE + timedelta(seconds=1)
    async with sessions.begin() as session:
        assert len(await outbox.claim_due(session, channel="telegram", now=later, limit=10)) == 1


async def test_retry_backs_off_and_blocked_marks_the_user_inactive(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    user_ids = await _queue(sessions, 2)
    async with sessions.begin() as session:
        first, second = (
            row.id for row in await outbox.claim_due(session, channel="telegram", now=NOW, limit=10)
        )
        await outbox.record_result(
            session,
            message_id=first,
            result=DeliveryResult(DeliveryStatus.RETRY, retry_after=30),
            now=NOW,
        )
        await outbox.record_result(
            session, message_id=second, result=DeliveryResult(DeliveryStatus.BLOCKED), now=NOW
        )
    async with sessions() as session:
        retried = await session.get(OutboxMessage, first)
        blocked = await session.get(OutboxMessage, second)
        assert retried is not None
        assert blocked is not None
        assert (retried.status, retried.not_before) == ("pending", NOW + timedelta(seconds=30))
        assert blocked.status == "blocked"
        active = await session.scalar(select(User.active).where(User.id == user_ids[1]))
        assert active is False
    async with sessions.begin() as session:
        assert await outbox.claim_due(session, channel="telegram", now=NOW, limit=10) == []
        assert (
            await outbox.enqueue(session, user_id=user_ids[1], message=Outgoing("x"), now=NOW)
            is False
        )


async def test_a_finished_message_keeps_its_status_but_not_its_text(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _queue(sessions, 3)
    outcomes = [
        DeliveryResult(DeliveryStatus.SENT),
        DeliveryResult(DeliveryStatus.RETRY, retry_after=30),
        DeliveryResult(DeliveryStatus.UNKNOWN),
    ]
    async with sessions.begin() as session:
        claimed = await outbox.claim_due(session, channel="telegram", now=NOW, limit=10)
        for row, result in zip(claimed, outcomes, strict=True):
            await outbox.record_result(session, message_id=row.id, result=result, now=NOW)
    async with sessions() as session:
        rows = (await session.execute(select(OutboxMessage.status, OutboxMessage.payload))).all()
    texts = {status: payload.get("text") for status, payload in rows}
    assert texts == {"pending": "Thông báo", "sent": None, "unknown": None}
    async with sessions.begin() as session:  # a second sender's late word changes nothing
        for row in (claimed[0], claimed[2]):
            await outbox.record_result(
                session, message_id=row.id, result=DeliveryResult(DeliveryStatus.FAILED), now=NOW
            )
    async with sessions() as session:
        statuses = await session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id))
        assert sorted(statuses) == ["pending", "sent", "unknown"]


def test_a_queued_message_comes_back_whole() -> None:
    page = WebPage("Mở trang thi", "https://a.vn/thi/1.2.3.ab", app_url="https://a.vn/thi/app")
    message = Outgoing(
        "Sẵn sàng",
        (Option("Làm bài", "thi:start:1"),),
        Attachment("document", "leaflets/a.pdf", "a.pdf"),
        columns=2,
        numbered=False,
        web_page=page,
    )
    assert outbox.decode(outbox.encode(message)) == message
