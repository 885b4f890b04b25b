from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import DeliveryStatus, Outgoing
from bot.services.core.work_calendar import WorkCalendar
from bot.services.messaging import outbox
from bot.services.reminders.rounds import REMINDER_BATCH
from db.models import OutboxMessage
from scheduler.outbox_sender import OutboxSender
from tests.factories import make_user
from tests.fakes.channel import RecordingChannel

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


async def test_the_sender_delivers_each_row_once_and_records_the_outcome(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        for chat_id in ("1", "2", "3"):
            user = await make_user(session, chat_id=chat_id)
            await outbox.enqueue(
                session, user_id=user.id, message=Outgoing(f"tin {chat_id}"), now=NOW
            )
    channel = RecordingChannel(answers={"2": DeliveryStatus.BLOCKED, "3": DeliveryStatus.FAILED})
    sender = OutboxSender(
        sessions,
        {"telegram": channel},
        chat_interval=0,
        clock=lambda: NOW,
    )
    assert await sender.drain_once() == 3
    assert await sender.drain_once() == 0
    assert channel.texts == [("1", "tin 1"), ("2", "tin 2"), ("3", "tin 3")]
    async with sessions() as session:
        statuses = list(
            await session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id))
        )
    assert statuses == ["sent", "blocked", "failed"]


async def test_reminders_wait_for_working_hours_other_messages_do_not(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    queued = datetime(2026, 11, 25, 20, 59, tzinfo=tz)
    async with sessions.begin() as session:
        user = await make_user(session, chat_id="1")
        for text, batch in (("nhắc", REMINDER_BATCH), ("duyệt", None)):
            message = Outgoing(text)
            await outbox.enqueue(session, user_id=user.id, message=message, now=queued, batch=batch)
    channel = RecordingChannel()
    clock = [datetime(2026, 11, 25, 21, 5, tzinfo=tz)]  # the sender was late: it is night now
    sender = OutboxSender(
        sessions,
        {"telegram": channel},
        chat_interval=0,
        clock=lambda: clock[0],
        calendar=WorkCalendar(tz),
    )
    assert await sender.drain_once() == 1
    assert channel.texts == [("1", "duyệt")]
    clock[0] = datetime(2026, 11, 26, 7, 0, tzinfo=tz)
    assert await sender.drain_once() == 1
    assert channel.texts[-1] == ("1", "nhắc")
