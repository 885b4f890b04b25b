"""Behaviours every conversation shares: greeting, menu, /huy, unknown input, stickers, roles."""

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.engine import Engine
from bot.messages import Incoming, InputKind
from db.models import AppState, Conversation, User
from tests.dialog.conftest import Chat, start_join


async def test_a_new_user_gets_greeting_privacy_notice_and_menu(chat: Callable[..., Chat]) -> None:
    alice = chat()
    replies = await alice.say("/start")
    assert "Xin chào Nguyễn Văn A" in replies[0].text
    assert "Sở Công Thương" in replies[0].text
    assert "/xoadulieu" in replies[1].text
    labels = [o.label for o in replies[1].options]
    assert any("Đăng ký cán bộ đầu mối" in label for label in labels)
    assert not any("Tạo mã mời" in label for label in labels)


async def test_the_welcome_names_the_plan_truly_until_it_has_a_number(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    replies = await chat().say("/start")
    assert "Kế hoạch sản xuất và tiêu dùng bền vững giai đoạn 2026–2030" in replies[0].text
    assert "Kế hoạch số" not in replies[0].text
    async with sessions.begin() as session:
        await session.merge(AppState(key="plan.number", value="123/KH-UBND"))
        await session.merge(AppState(key="plan.date", value="2026-05-20"))
    replies = await chat("2").say("/start")
    assert "Kế hoạch số 123/KH-UBND ngày 20/05/2026 của UBND tỉnh Hà Tĩnh" in replies[0].text


async def test_the_privacy_notice_says_what_is_kept_and_how_to_erase_it(
    chat: Callable[..., Chat],
) -> None:
    replies = await chat().say("bao mat")
    text = replies[0].text
    assert "Sở Công Thương tỉnh Hà Tĩnh" in text
    assert "ảnh gửi kèm" in text
    assert "/xoadulieu" in text
    assert "91/2025/QH15" in text


@pytest.mark.parametrize("first", ["cho toi hoi", "Chào bạn", "👍"])
async def test_any_first_message_gets_the_welcome(chat: Callable[..., Chat], first: str) -> None:
    """On Zalo there is no /start button: whatever comes first is a greeting."""
    binh = chat("z-1", channel="zalo")
    replies = await binh.say(first)
    assert "Xin chào Nguyễn Văn A" in replies[0].text
    assert "/xoadulieu" in replies[1].text
    assert "Vai trò: người dân" in (await binh.say("thong tin cua toi"))[0].text


async def test_a_returning_user_is_greeted_shortly(chat: Callable[..., Chat]) -> None:
    alice = chat()
    await alice.say("/start")
    replies = await alice.say("/start")
    assert len(replies) == 1
    assert "trở lại" in replies[0].text


@pytest.mark.parametrize("typed", ["/menu", "menu", "MENU", "Danh mục", "danh muc"])
async def test_command_words_work_without_slash_case_or_diacritics(
    chat: Callable[..., Chat], typed: str
) -> None:
    """Each spelling shows the menu itself (not the "not understood" hint, which has the same
    buttons)."""
    alice = chat()
    await alice.say("/start")
    replies = await alice.say(typed)
    other = chat("1002")
    await other.say("/start")
    [menu] = await other.say("/menu")
    assert menu.text == "Anh/chị chọn việc cần làm:"
    assert [(r.text, r.options) for r in replies] == [(menu.text, menu.options)]


async def test_options_can_be_answered_by_number_or_label(chat: Callable[..., Chat]) -> None:
    alice = chat()
    await alice.say("/start")
    await alice.say("/menu")
    number = next(i for i, o in enumerate(alice.replies[-1].options, 1) if "Thông tin" in o.label)
    assert "Vai trò: người dân" in (await alice.say(str(number)))[0].text
    await alice.say("/menu")
    assert "Vai trò: người dân" in (await alice.say("thong tin cua toi"))[0].text


async def test_unknown_text_and_unknown_commands_get_a_hint_and_the_menu(
    chat: Callable[..., Chat],
) -> None:
    alice = chat()
    await alice.say("/start")
    replies = await alice.say("xin cho hoi gia xang hom nay")
    assert "chưa hiểu" in replies[0].text
    assert replies[0].options
    replies = await alice.say("/khongcolenhnay")
    assert "Không có lệnh này" in replies[0].text


async def test_cancel_from_the_middle_of_a_flow_keeps_nothing(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    alice = chat()
    await alice.say("/dangky")
    await alice.say("huy")
    assert "Đã hủy" in alice.text
    async with sessions() as session:
        state = await session.scalar(
            select(Conversation.state).where(Conversation.chat_id == "1001")
        )
    assert state is None
    assert "không có thao tác" in (await alice.say("/huy"))[0].text.lower()


async def test_a_sticker_mid_flow_gets_one_sentence_and_the_step_stays(
    chat: Callable[..., Chat],
) -> None:
    alice = chat()
    await start_join(alice)
    replies = await alice.send(InputKind.OTHER)
    assert len(replies) == 1
    assert "chỉ đọc được" in replies[0].text
    replies = await alice.say("thach ha")
    assert any("Thạch Hà" in o.label for o in replies[0].options)


async def test_a_citizen_is_refused_a_coordinator_command(chat: Callable[..., Chat]) -> None:
    alice = chat()
    await alice.say("/start")
    replies = await alice.say("/moi")
    assert len(replies) == 1
    assert "chỉ dành cho cán bộ điều phối" in replies[0].text


async def test_a_forged_approval_button_from_a_citizen_is_refused(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    bob = chat("1002", "Trần Văn B")
    await start_join(bob)
    await bob.say("Thạch Hà")
    await bob.press(bob.option("Thạch Hà"))
    mallory = chat("1003", "Kẻ giả mạo")
    replies = await mallory.press("onboarding:approve:1")
    assert "chỉ dành cho cán bộ điều phối" in replies[0].text
    async with sessions() as session:
        role = await session.scalar(select(User.role).where(User.chat_id == "1002"))
    assert role == "citizen"


async def test_a_redelivered_update_is_processed_once(engine: Engine) -> None:
    incoming = Incoming(
        channel="telegram",
        chat_id="1001",
        user_id="1001",
        display_name="A",
        kind=InputKind.TEXT,
        text="/start",
        update_key="77",
    )
    assert await engine.handle(incoming)
    assert await engine.handle(incoming) == []


async def test_state_survives_a_new_engine(chat: Callable[..., Chat], engine: Engine) -> None:
    alice = chat()
    await start_join(alice)
    fresh = Engine(
        sessions=engine.sessions, texts=engine.texts, router=engine.router, config=engine.config
    )
    replies = await Chat(fresh, "1001", _update=100).say("thach ha")
    assert any("Thạch Hà" in o.label for o in replies[0].options)


async def test_admin_chat_ids_are_coordinators(chat: Callable[..., Chat]) -> None:
    admin = chat("9000", "Điều phối viên")
    replies = await admin.say("/menu")
    assert any("Tạo mã mời" in o.label for o in replies[0].options)


async def test_command_words_can_carry_arguments_without_the_slash(
    chat: Callable[..., Chat],
) -> None:
    alice = chat()
    await alice.say("/start")
    replies = await alice.say("Tài liệu phân loại rác")
    assert any("Phân loại rác" in o.label for o in replies[-1].options)
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/start")
    replies = await coordinator.say("tong quan thach ha")
    assert "Xã Thạch Hà – năm 2026" in replies[0].text
    # Words that only take no arguments stay free text.
    assert "chưa hiểu" in (await alice.say("huy bo het di"))[0].text
