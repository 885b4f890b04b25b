"""Issue 17.6: help per role; thanks and greetings keep a draft; plain words search the library."""

import re
from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.router import Router
from bot.services.core.texts import Texts
from tests.dialog.conftest import Chat
from tests.factories import make_representative, make_user

COMMAND = re.compile(r"^/([a-z]+) – ", re.MULTILINE)


async def _listed(person: Chat) -> set[str]:
    replies = await person.say("/help")
    return set(COMMAND.findall(replies[0].text))


def _usable(role: str, *, has_unit: bool) -> set[str]:
    return {
        c.name
        for c in Router.discover().command_infos
        if role in c.roles and (has_unit or not c.needs_unit)
    }


def test_every_command_has_a_line_in_the_help(texts: Texts) -> None:
    router = Router.discover()
    names = [c.name for c in router.command_infos]
    for role in ("citizen", "coordinator"):
        user = type("U", (), {"role": role, "unit_id": 1})()
        text = texts.render("help/commands", user=user, commands=names)
        assert set(COMMAND.findall(text)) == set(names)


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        ("citizen", None),
        ("official", "18562"),
        ("coordinator", None),
        ("coordinator", "SCT"),
        ("representative", "shop"),
    ],
)
async def test_help_lists_what_the_role_can_use_and_nothing_else(
    chat: Callable[..., Chat],
    sessions: async_sessionmaker[AsyncSession],
    role: str,
    unit: str | None,
) -> None:
    async with sessions.begin() as session:
        if role == "representative":
            await make_representative(session, chat_id="7001")
        else:
            await make_user(session, chat_id="7001", role=role, unit_code=unit)
    person = chat("7001")
    listed = await _listed(person)
    assert listed == _usable(role, has_unit=unit is not None)
    assert ("baocao" in listed) == (role in ("official", "coordinator") and unit is not None)
    if role == "citizen":
        assert {"dangky", "mamoi", "dangkycoso", "tailieu", "thi"} <= listed
        assert not {"moi", "xacminh", "baocao", "camket"} & listed
    if role == "coordinator":
        assert {"tongquan", "xacminh", "moi", "duyet", "thongbao", "xuatexcel"} <= listed
        assert not {"dangky", "mamoi", "dangkycoso"} & listed
    if role == "coordinator" and unit is None:
        assert "chưa gắn với cơ quan nào" in person.text
        assert "nhaclai" not in listed


async def test_thanks_and_greetings_in_the_middle_of_a_report_keep_the_draft(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="3001", channel="zalo", role="official", unit_code="18562")
    official = chat("3001", "Cán bộ xã", channel="zalo")
    await official.say("/baocao")
    await official.say("IV.9")
    await official.say("hom qua")
    await official.say("2")  # sessions held
    for polite in ("cảm ơn nhé", "Cám ơn bạn nhiều", "ok cảm ơn", "xin chào", "chào bạn"):
        replies = await official.say(polite)
        assert len(replies) >= 2, polite
        assert "người" in replies[-1].text, polite  # the participants question again
    replies = await official.say("120")
    assert "qua kênh nào" in replies[0].text  # the draft went on where it was


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("tui nilon", "túi ni lông"),
        ("cho tôi tài liệu về rác thải", "Phân loại rác"),
        ("Điện mặt trời", "Điện mặt trời mái nhà"),
    ],
)
async def test_plain_words_search_the_library_when_nothing_is_asked(
    chat: Callable[..., Chat], typed: str, title: str
) -> None:
    reader = chat("z-30", channel="zalo")
    await reader.say("/start")
    replies = await reader.say(typed)
    assert "Trong thư viện tài liệu có" in replies[0].text
    assert any(title in o.label for o in replies[0].options)
    assert replies[0].numbered
    replies = await reader.say("1")  # the first material, by number
    assert replies[0].text.startswith("📄 ")
    labels = [o.label for o in replies[-1].options]
    assert any(label.startswith("⬅️ Cùng chủ đề: ") for label in labels)
    assert "📚 Chủ đề khác" in labels
    assert any(label.startswith("📄 ") for label in labels)  # related materials


async def test_plain_words_at_a_question_are_the_answer_and_nonsense_is_not_a_search(
    chat: Callable[..., Chat],
) -> None:
    person = chat("z-31", channel="zalo")
    await person.say("/start")
    assert "chưa hiểu" in (await person.say("giá xăng hôm nay bao nhiêu"))[0].text
    await person.say("/dangky")
    replies = await person.say("Tui Nilon")  # a name at the name question, not a search
    assert "Bước 2/4" in replies[0].text
