"""A reminder's buttons: report now on the task, or be reminded the next working day."""

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import DeliveryResult, DeliveryStatus
from bot.services.core.texts import Texts
from bot.services.core.work_calendar import WorkCalendar
from bot.services.messaging import outbox
from bot.services.reminders import rounds as reminders
from db.models import Reminder
from tests.dialog.conftest import NOW, Chat, outbox_texts
from tests.factories import make_user

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkCalendar(TZ)


async def _remind(sessions: async_sessionmaker[AsyncSession], texts: Texts) -> None:
    """NOW is Wednesday 25/11/2026 10:00 local: the communes' monthly reminder is due."""
    async with sessions.begin() as session:
        await reminders.open_rounds(session, now=NOW, calendar=CALENDAR)
        await reminders.send_due(session, now=NOW, calendar=CALENDAR, texts=texts)


async def _due_times(sessions: async_sessionmaker[AsyncSession]) -> list[datetime | None]:
    async with sessions() as session:
        rows = await session.scalars(select(Reminder.next_due_at).order_by(Reminder.id))
        return [None if t is None else t.astimezone(TZ) for t in rows]


async def test_report_now_opens_the_report_on_that_task(
    sessions: async_sessionmaker[AsyncSession], texts: Texts, chat: Callable[..., Chat]
) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="b1", role="official", unit_code="18100")
    await _remind(sessions, texts)
    [message] = await outbox_texts(sessions, "b1")
    assert "NHẮC BÁO CÁO – Trần Phú" in message["text"]
    official = chat("b1")
    await official.press(message["options"][1]["payload"])
    assert "Báo cáo IV.9" in official.text
    assert "ngày nào" in official.text


async def test_snooze_moves_the_next_reminder_to_the_next_working_day(
    sessions: async_sessionmaker[AsyncSession], texts: Texts, chat: Callable[..., Chat]
) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="b1", role="official", unit_code="18100")
        await make_user(session, chat_id="c1", role="official", unit_code="18115")
    await _remind(sessions, texts)
    nudge = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)  # 28th is a Saturday: Monday
    assert await _due_times(sessions) == [nudge] * 4
    official = chat("b1")
    await official.say("/menu")
    await official.say("Nhắc lại ngày mai")  # typed, after another message
    assert "Đã hẹn" in official.text
    assert "08:00 thứ Năm, 26/11/2026" in official.text
    tomorrow = datetime(2026, 11, 26, 8, 0, tzinfo=TZ)
    # Only the official's own unit moves.
    assert sorted(await _due_times(sessions), key=str) == sorted(
        [tomorrow, tomorrow, nudge, nudge], key=str
    )


async def test_snooze_with_nothing_to_snooze_or_without_the_role(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="b1", role="official", unit_code="18100")
    official = chat("b1")
    await official.press("reminders:snooze:")
    assert official.text.startswith("Hiện không có lời nhắc")
    citizen = chat("4004")
    await citizen.say("/start")
    await citizen.press("reminders:snooze:")
    assert "chưa có quyền" in citizen.text


async def test_on_a_channel_without_buttons_the_reminder_number_picks_its_option(
    sessions: async_sessionmaker[AsyncSession], texts: Texts, chat: Callable[..., Chat]
) -> None:
    official = chat("b1", channel="zalo")
    async with sessions.begin() as session:
        await make_user(session, chat_id="b1", channel="zalo", role="official", unit_code="18100")
    await official.say("/menu")  # "2" would be the menu's second item
    await _remind(sessions, texts)
    async with sessions.begin() as session:
        [row] = await outbox.claim_due(session, channel="zalo", now=NOW, limit=5)
        row_id, message = row.id, row.message
        assert [o.label for o in message.options][1] == "Báo cáo IV.9"
        sent = DeliveryResult(DeliveryStatus.SENT)
        await outbox.record_result(session, message_id=row_id, result=sent, now=NOW, numbered=True)
    await official.say("2")
    assert "Báo cáo IV.9" in official.text


async def test_a_reminder_arriving_mid_report_leaves_the_numbers_to_the_report(
    sessions: async_sessionmaker[AsyncSession], texts: Texts, chat: Callable[..., Chat]
) -> None:
    official = chat("b1", channel="zalo")
    async with sessions.begin() as session:
        await make_user(session, chat_id="b1", channel="zalo", role="official", unit_code="18100")
    await official.say("/baocao IV.9")  # the date step: 1. Hôm nay  2. Hôm qua
    await _remind(sessions, texts)
    async with sessions.begin() as session:
        [row] = await outbox.claim_due(session, channel="zalo", now=NOW, limit=5)
        row_id = row.id
        sent = DeliveryResult(DeliveryStatus.SENT)
        await outbox.record_result(session, message_id=row_id, result=sent, now=NOW, numbered=True)
    await official.say("2")
    assert "Số buổi tuyên truyền" in official.text
