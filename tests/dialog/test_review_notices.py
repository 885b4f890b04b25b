"""Issue 18.3: coordinators hear about reports waiting, once a day at most, and can stop it."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.texts import Texts
from scheduler.jobs import JobContext, review_notices
from tests.databases import CONTENT_DIR
from tests.dialog.conftest import NOW, Chat, outbox_texts
from tests.factories import make_report, make_user

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


async def _run(sessions: async_sessionmaker[AsyncSession], texts: Texts, at: datetime) -> int:
    context = JobContext(sessions, texts, TZ, clock=lambda: at, content_dir=CONTENT_DIR)
    return await review_notices(context)


async def test_one_message_a_day_with_the_count_a_button_and_a_way_to_stop_it(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="c-1", role="coordinator")
        await make_user(session, chat_id="c-2", channel="zalo", role="coordinator")
    assert await _run(sessions, texts, NOW) == 0  # nothing waits: nothing said, nothing marked
    async with sessions.begin() as session:
        for _ in range(3):
            await make_report(session)
        await make_report(session, status="verified")
    early = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 07:30 local
    assert await _run(sessions, texts, early) == 0
    assert await _run(sessions, texts, NOW) == 2  # one for each coordinator
    assert await _run(sessions, texts, NOW + timedelta(hours=3)) == 0  # once a day
    [notice] = await outbox_texts(sessions, "c-1")
    assert notice["text"].startswith("📋 Có 3 báo cáo đang chờ xác minh")
    assert "/xacminh" in notice["text"]
    labels = [o["label"] for o in notice["options"]]
    assert labels == ["✅ Xác minh ngay", "🔕 Tắt thông báo này"]
    coordinator = chat("c-1", "Điều phối viên")
    replies = await coordinator.press(notice["options"][0]["payload"])
    verify_buttons = [o for r in replies for o in r.options if o.label.startswith("✅ Xác minh số")]
    assert len(verify_buttons) == 3
    # The Zalo coordinator stops it from the message; the other still hears the next day.
    [zalo_notice] = await outbox_texts(sessions, "c-2")
    other = chat("c-2", "Điều phối viên Zalo", channel="zalo")
    assert "Đã tắt" in (await other.press(zalo_notice["options"][1]["payload"]))[0].text
    tomorrow = NOW + timedelta(days=1)
    assert await _run(sessions, texts, tomorrow) == 1
    # /toi says it is off and turns it back on, by number on Zalo.
    replies = await other.say("/toi")
    assert "chờ xác minh (tối đa 1 lần/ngày): đang tắt" in replies[0].text
    labels = [o.label for o in replies[0].options]
    number = labels.index("🔔 Bật thông báo báo cáo chờ") + 1
    assert "Đã bật" in (await other.say(str(number)))[0].text
    assert await _run(sessions, texts, tomorrow + timedelta(days=1)) == 2


async def test_a_citizen_cannot_press_the_notice_buttons(chat: Callable[..., Chat]) -> None:
    citizen = chat("1001")
    await citizen.say("/start")
    assert "chỉ dành cho cán bộ điều phối" in (await citizen.press("do:notices:off"))[0].text
    assert "chỉ dành cho cán bộ điều phối" in (await citizen.press("do:review:"))[0].text
