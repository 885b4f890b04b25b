"""Issue 18.1: an invite that would change a role or unit asks first and says what changes."""

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.access import Role
from bot.services.people.invites import create_invite
from db.models import Invite, User
from tests.dialog.conftest import NOW, Chat
from tests.factories import make_user, unit_by_code

THACH_HA = "18562"


async def _invite(
    sessions: async_sessionmaker[AsyncSession], role: Role, unit_code: str | None = None
) -> str:
    async with sessions.begin() as session:
        unit = await unit_by_code(session, unit_code) if unit_code else None
        invite = await create_invite(
            session, actor=None, role=role, unit_id=unit.id if unit else None, now=NOW, days=7
        )
    return invite.code


async def _official(sessions: async_sessionmaker[AsyncSession], chat_id: str, channel: str) -> None:
    async with sessions.begin() as session:
        await make_user(
            session, chat_id=chat_id, channel=channel, role="official", unit_code=THACH_HA
        )


async def _state(
    sessions: async_sessionmaker[AsyncSession], chat_id: str, code: str
) -> tuple[str, bool, bool]:
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.chat_id == chat_id))
        invite = await session.scalar(select(Invite).where(Invite.code == code))
        assert user is not None
        assert invite is not None
        return user.role, user.unit_id is not None, invite.used_at is not None


async def test_an_official_is_asked_before_a_coordinator_code_takes_the_commune(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _official(sessions, "1001", "telegram")
    code = await _invite(sessions, Role.COORDINATOR)
    official = chat()
    await official.say("/start")
    replies = await official.say(f"/start {code}")
    text = replies[0].text
    assert "Hiện nay: cán bộ đầu mối của Xã Thạch Hà" in text
    assert "Sau khi dùng mã: cán bộ điều phối" in text
    assert "không còn là đầu mối của Xã Thạch Hà" in text
    assert [o.label for o in replies[0].options] == ["✅ Đồng ý đổi", "Giữ nguyên"]
    assert await _state(sessions, "1001", code) == ("official", True, False)
    # Bad input, then a greeting: the question comes back, nothing changes.
    assert "Mã mời này sẽ thay đổi" in (await official.say("gì vậy"))[0].text
    replies = await official.say("xin chào")
    assert "Anh/chị đang làm dở" in replies[0].text
    assert "Mã mời này sẽ thay đổi" in replies[1].text
    kept = await official.press(official.option("Giữ nguyên"))
    assert "Đã giữ nguyên vai trò" in kept[0].text
    assert await _state(sessions, "1001", code) == ("official", True, False)
    # The same code again, agreed this time.
    await official.say(f"/start {code}")
    done = await official.press(official.option("Đồng ý đổi"))
    assert "cán bộ điều phối" in done[0].text
    assert await _state(sessions, "1001", code) == ("coordinator", False, True)


async def test_on_a_numbered_channel_the_change_is_answered_by_number_after_an_interruption(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _official(sessions, "z-1", "zalo")
    code = await _invite(sessions, Role.OFFICIAL, "18073")
    official = chat("z-1", channel="zalo")
    await official.say("/baocao")
    await official.say("IV.9")  # a report begun…
    replies = await official.say(f"/start {code}")  # …and set aside by the code
    assert "Sau khi dùng mã: cán bộ đầu mối của Phường Thành Sen" in replies[0].text
    await official.say("2")  # keep things as they are
    assert "▶️ Tiếp tục việc đang dở" in [o.label for o in official.replies[0].options]
    replies = await official.say(code.lower())  # a bare code, as typed on Zalo
    assert "Sau khi dùng mã: cán bộ đầu mối của Phường Thành Sen" in replies[0].text
    assert replies[0].numbered
    await official.say("/menu")  # sets the question aside
    replies = await official.say("/tiep")
    assert "Mã mời này sẽ thay đổi" in replies[0].text
    replies = await official.say("1")
    assert "cán bộ đầu mối của Thành Sen" in replies[0].text
    assert await _state(sessions, "z-1", code) == ("official", True, True)
    # The report begun for Thạch Hà is not offered to carry on for Thành Sen.
    assert "▶️ Tiếp tục việc đang dở" not in [o.label for o in replies[0].options]


@pytest.mark.parametrize("via", ["/start {code}", "/mamoi {code}", "{code}"])
async def test_the_same_role_and_unit_keep_the_code_and_a_citizen_is_not_asked(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession], via: str
) -> None:
    await _official(sessions, "1001", "telegram")
    code = await _invite(sessions, Role.OFFICIAL, THACH_HA)
    official = chat()
    await official.say("/start")
    replies = await official.say(via.format(code=code))
    assert "Anh/chị đã là cán bộ đầu mối của Xã Thạch Hà" in replies[0].text
    assert await _state(sessions, "1001", code) == ("official", True, False)
    citizen = chat("1002")
    await citizen.say("/start")
    replies = await citizen.say(via.format(code=code))
    assert "Mã mời hợp lệ" in replies[0].text
    assert await _state(sessions, "1002", code) == ("official", True, True)
