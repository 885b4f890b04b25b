"""A number or a label means one option of the screen last seen; interruptions keep drafts.

Transcripts on the numbered channels (console, Zalo: options are typed by number) and on
Telegram (buttons), through the real engine and database.
"""

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.console import ConsoleChannel
from bot.channels.numbered import render_numbered
from bot.channels.zalo.render import MediaSource, TextSend, plan_sends
from bot.dialog.engine import Engine
from bot.messages import Outgoing
from db.models import Conversation, Report
from tests.dialog.conftest import NOW, Chat, Clock
from tests.factories import make_user

NUMBERED = ["console", "zalo"]
ANSWERED = {"sessions_held": 3, "participants": 45}


async def _official(
    sessions: async_sessionmaker[AsyncSession],
    chat: Callable[..., Chat],
    channel: str = "telegram",
    chat_id: str = "3001",
) -> Chat:
    async with sessions.begin() as session:
        await make_user(
            session, chat_id=chat_id, channel=channel, role="official", unit_code="18562"
        )
    official = chat(chat_id, "Cán bộ xã", channel)
    await official.say("/start")
    return official


async def _conversation(sessions: async_sessionmaker[AsyncSession], chat_id: str) -> Conversation:
    async with sessions() as session:
        row = await session.scalar(select(Conversation).where(Conversation.chat_id == chat_id))
    assert row is not None
    return row


async def _reports(sessions: async_sessionmaker[AsyncSession]) -> list[Report]:
    async with sessions() as session:
        return list(await session.scalars(select(Report).order_by(Report.id)))


def _screen(replies: list[Outgoing], channel: str) -> str:
    """What the person reads on a numbered channel."""
    if channel == "zalo":
        media = MediaSource(content_dir=Path(), public_base_url=None)
        sends = [s for r in replies for s in plan_sends(r, media=media, render=lambda *_a: "")]
        return "\n".join(send.text for send in sends if isinstance(send, TextSend))
    return "\n".join(render_numbered(reply) for reply in replies)


@pytest.mark.parametrize("channel", NUMBERED)
async def test_menu_mid_report_then_a_number_picks_the_menu_not_the_figure(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], channel: str
) -> None:
    official = await _official(sessions, chat, channel)
    replies = await official.say("/baocao IV.9 3 buổi")
    assert "người" in replies[0].text.lower()
    replies = await official.say("/menu")
    screen = _screen(replies, channel)
    assert "1. 📋 Báo cáo kết quả" in screen
    assert "2. 🗂 Báo cáo đã gửi" in screen
    assert "được giữ lại 24 giờ" in screen
    assert "Tiếp tục việc đang dở" in screen
    replies = await official.say("2")  # the menu's second option: the reports sent
    assert "chưa có báo cáo" in replies[0].text.lower() or "báo cáo" in replies[0].text.lower()
    conversation = await _conversation(sessions, official.chat_id)
    assert conversation.state is None
    assert conversation.parked is not None
    assert conversation.parked["data"]["draft"]["answers"] == {"sessions_held": 3}  # type: ignore[index]
    replies = await official.say("/tiep")
    assert "người" in replies[0].text.lower()
    await official.say("45")
    conversation = await _conversation(sessions, official.chat_id)
    assert conversation.data["draft"] == {**conversation.data["draft"], "answers": ANSWERED}  # type: ignore[dict-item]
    assert await _reports(sessions) == []


async def test_an_old_button_of_a_report_set_aside_carries_on_from_there(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _official(sessions, chat)
    await official.say("/baocao IV.9")
    yesterday = official.option("Hôm qua")
    replies = await official.say("/tailieu")
    assert "được giữ lại 24 giờ" in replies[-1].text
    assert [o.payload for o in replies[-1].options] == ["cmd:tiep", "cmd:huy"]
    replies = await official.press(yesterday)
    assert "buổi" in replies[0].text
    assert (await _conversation(sessions, official.chat_id)).parked is None


@pytest.mark.parametrize("channel", NUMBERED)
async def test_review_cards_are_numbered_on_and_each_number_is_one_report(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], channel: str
) -> None:
    official = await _official(sessions, chat)
    for sessions_held in (1, 2, 3):
        await official.say(f"/baocao IV.9 {sessions_held} buổi")
        await official.say("45")
        await official.press(official.replies[0].options[0].payload)
        await official.press(official.option("Xác nhận"))
    async with sessions.begin() as session:
        await make_user(session, chat_id="9100", channel=channel, role="coordinator")
    coordinator = chat("9100", "Điều phối viên", channel)
    await coordinator.say("/start")
    replies = await coordinator.say("/xacminh")
    assert [r.number_from for r in replies] == [1, 3, 5]
    screen = _screen(replies, channel)
    assert "1. ✅ Xác minh số 1" in screen
    assert "3. ✅ Xác minh số 2" in screen
    assert "6. ❌ Từ chối số 3" in screen
    replies = await coordinator.say("xac minh")  # three options start so: refused, listed
    assert "có ở nhiều mục" in replies[0].text
    assert len(replies[0].options) == 6
    assert {r.status for r in await _reports(sessions)} == {"submitted"}
    await coordinator.say("1")
    assert [r.status for r in await _reports(sessions)] == ["verified", "submitted", "submitted"]
    await coordinator.say("/xacminh")
    await coordinator.say("xác minh số 3")
    assert [r.status for r in await _reports(sessions)] == ["verified", "submitted", "verified"]


@pytest.mark.parametrize("typed", ["-5", "\u22125", "– 2", "99", "0"])
async def test_a_number_that_is_no_option_is_refused_with_the_list(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], typed: str
) -> None:
    official = await _official(sessions, chat, "zalo")
    await official.say("/menu")
    shown = [o.payload for r in official.replies for o in r.options]
    replies = await official.say(typed)
    assert f"từ 1 đến {len(shown)}" in replies[0].text
    assert [o.payload for o in replies[0].options] == shown
    assert (await _conversation(sessions, official.chat_id)).state is None


@pytest.mark.parametrize("typed", ["/baocao iv.9 -2 buổi", "/baocao IV.9 \u22122 buổi"])
async def test_a_negative_figure_in_a_quick_report_is_refused(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], typed: str
) -> None:
    official = await _official(sessions, chat, "console")
    replies = await official.say(typed)
    assert "không thể là số âm" in replies[0].text
    assert "Số buổi" in replies[1].text  # asked again at its own step
    assert await _reports(sessions) == []
    replies = await official.say("2")  # the figure, not the menu's second option
    assert "người tham dự" in replies[0].text.lower()
    assert await _reports(sessions) == []


@pytest.mark.parametrize("greeting", ["xin chao", "/start", "Chào bạn"])
async def test_a_greeting_mid_report_answers_and_asks_again(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], greeting: str
) -> None:
    official = await _official(sessions, chat, "zalo")
    await official.say("/baocao IV.9")
    replies = await official.say(greeting)
    assert "Xin chào" in replies[0].text
    assert "ngày nào" in replies[1].text
    replies = await official.say("cảm ơn")
    assert "không có gì" in replies[0].text
    assert "ngày nào" in replies[1].text
    replies = await official.say("2")  # Hôm qua
    assert "buổi" in replies[0].text


async def test_cancel_drops_a_draft_set_aside_and_a_day_later_it_is_gone(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], clock: Clock
) -> None:
    official = await _official(sessions, chat, "console")
    await official.say("/baocao IV.9 3 buổi")
    await official.say("/toi")
    replies = await official.say("/huy")
    assert "Đã hủy" in replies[0].text
    assert "Không có việc nào đang làm dở" in (await official.say("/tiep"))[0].text
    await official.say("/baocao IV.9 3 buổi")
    await official.say("/toi")
    clock.now = NOW + timedelta(hours=25)
    assert "Không có việc nào đang làm dở" in (await official.say("tiep tuc"))[0].text


async def test_a_console_restart_continues_the_draft(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], engine: Engine
) -> None:
    official = await _official(sessions, chat, "console")
    await official.say("/baocao IV.9 3 buổi")
    fresh = Engine(
        sessions=engine.sessions, texts=engine.texts, router=engine.router, config=engine.config
    )
    out = io.StringIO()
    console = ConsoleChannel(
        fresh.handle,
        chat_id=official.chat_id,
        display_name="Cán bộ xã",
        stdin=io.StringIO("45\n"),
        stdout=out,
    )
    await console.run()
    screen = out.getvalue()
    assert "trợ lý hỏi lại" in screen
    assert "người" in screen.split("trợ lý hỏi lại")[1].lower()
    conversation = await _conversation(sessions, official.chat_id)
    assert conversation.data["draft"] == {**conversation.data["draft"], "answers": ANSWERED}  # type: ignore[dict-item]


async def test_a_first_contact_on_the_console_gets_the_privacy_notice(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    async with sessions.begin() as session:
        await make_user(
            session, chat_id="c-1", channel="console", role="official", unit_code="18562"
        )
    official = chat("c-1", "Cán bộ xã", "console")
    replies = await official.say("/start")
    assert "Xin chào" in replies[0].text
    assert "/xoadulieu" in replies[1].text
    other = chat("c-2", "Người dân", "console")
    replies = await other.say("/tailieu")
    assert "/xoadulieu" in replies[-1].text
    assert "/xoadulieu" not in (await other.say("/tailieu"))[-1].text


async def test_an_announcement_being_written_is_kept_through_an_interruption(
    chat: Callable[..., Chat],
) -> None:
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/start")
    await coordinator.say("/thongbao")
    await coordinator.press(coordinator.option("Soạn"))
    await coordinator.say("Họp triển khai kế hoạch vào thứ Hai.")
    replies = await coordinator.say("/tongquan")
    assert "Thông báo đang làm dở được giữ lại 24 giờ" in replies[-1].text
    replies = await coordinator.say("tiep tuc")
    assert replies[0].options
    await coordinator.press(coordinator.option("cán bộ"))
    assert "Họp triển khai kế hoạch vào thứ Hai." in coordinator.text
    assert coordinator.option("Gửi")
