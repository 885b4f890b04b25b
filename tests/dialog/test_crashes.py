"""Crashes a user could reach: each gets one sentence, leaves data and state intact."""

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.telegram.render import MAX_TEXT, split_text
from db.models import Conversation, Report, User
from tests.dialog.conftest import Chat
from tests.factories import make_user

INTERNAL = "gặp sự cố"


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _user(
    sessions: async_sessionmaker[AsyncSession],
    chat: Callable[..., Chat],
    role: str,
    chat_id: str,
    unit: str | None = None,
) -> Chat:
    async with sessions.begin() as session:
        await make_user(session, chat_id=chat_id, role=role, unit_code=unit)
    person = chat(chat_id, "Người thử")
    await person.say("/start")
    return person


async def test_an_old_back_button_after_going_back_is_refused(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _user(sessions, chat, "official", "3001", "18562")
    await official.say("/baocao")
    await official.press(official.option("IV.9"))
    back = official.option("Quay lại")
    assert "nhiệm vụ nào" in (await official.press(back))[0].text
    replies = await official.press(back)
    assert "không còn hiệu lực" in replies[0].text


async def test_nul_bytes_and_control_characters_are_dropped_at_the_door(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _user(sessions, chat, "official", "3001", "18562")
    official.name = "Cán\x00 bộ"
    await official.say("/baocao IV.9 2 buổi")
    await official.say("4\x005")
    await official.press(official.replies[0].options[0].payload)
    await official.press(official.option("Sửa"))
    await official.press(official.option("Mô tả"))
    await official.say("Họp\x00 dân\x07 thôn")
    replies = await official.press(official.option("Xác nhận"))
    assert INTERNAL not in replies[0].text
    async with sessions() as session:
        [report] = await session.scalars(select(Report))
        name = await session.scalar(select(User.display_name).where(User.chat_id == "3001"))
    assert report.description == "Họp dân thôn"
    assert name == "Cán bộ"


@pytest.mark.parametrize(
    "payload",
    [
        "history:view:\u0663",
        "history:view:99999999999999999999",
        "history:view:-1",
        "materials:topic:rac.\u00b2",
        "materials:topic:rac." + "9" * 5000,
        "report:goto:q:nothing",
        "report:choice:none",
        "do:material:\uff11",
        "do:report:XX",
        "do:unknown:1",
        "nothing:at:all",
        "::",
        "",
    ],
)
async def test_forged_payloads_get_one_sentence(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], payload: str
) -> None:
    official = await _user(sessions, chat, "official", "3001", "18562")
    replies = await official.press(payload)
    assert len(replies) >= 1
    assert INTERNAL not in " ".join(r.text for r in replies)


@pytest.mark.parametrize("typed", ["9" * 5000, "-" + "9" * 5000, "٣", "２"])
async def test_long_or_foreign_digits_typed_get_one_sentence(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], typed: str
) -> None:
    official = await _user(sessions, chat, "official", "3001", "18562")
    await official.say("/baocao IV.9 2 buổi")
    replies = await official.say(typed)
    assert len(replies) == 1
    assert INTERNAL not in replies[0].text
    await official.say("/menu")
    assert INTERNAL not in (await official.say(typed))[0].text


async def test_a_long_emoji_announcement_still_gets_its_send_button(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/start")
    await coordinator.say("/thongbao")
    await coordinator.press(coordinator.option("Soạn"))
    await coordinator.say("🌱" * 2000)
    replies = await coordinator.press(coordinator.option("cán bộ"))
    [preview] = [r for r in replies if r.options]
    assert _utf16(preview.text) <= MAX_TEXT
    assert len(split_text(preview.text)) == 1
    assert coordinator.option("Gửi")
    assert "người nhận sẽ nhận đủ" in preview.text


def test_telegram_pieces_are_measured_in_utf16_units() -> None:
    pieces = split_text("🌱" * 3000)
    assert len(pieces) == 2
    assert all(_utf16(piece) <= MAX_TEXT for piece in pieces)
    assert "".join(pieces) == "🌱" * 3000


@pytest.mark.parametrize("payload", ["history:reject:1", "history:verify:1", "onboarding:reject:1"])
async def test_an_official_pressing_a_coordinators_button_is_refused_before_any_prompt(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], payload: str
) -> None:
    official = await _user(sessions, chat, "official", "3001", "18562")
    await official.say("/baocao IV.9 2 buổi")
    await official.say("45")
    await official.press(official.replies[0].options[0].payload)
    await official.press(official.option("Xác nhận"))
    before = await _state(sessions, "3001")  # the period's note may follow the report
    replies = await official.press(payload)
    assert len(replies) == 1
    assert "chỉ dành cho cán bộ điều phối" in replies[0].text
    assert "lý do" not in replies[0].text
    assert await _state(sessions, "3001") == before
    async with sessions() as session:
        [report] = await session.scalars(select(Report))
    assert report.status == "submitted"


async def _state(sessions: async_sessionmaker[AsyncSession], chat_id: str) -> str | None:
    async with sessions() as session:
        return await session.scalar(
            select(Conversation.state).where(Conversation.chat_id == chat_id)
        )
