"""Issue 18.2: /dangky asks who the person is; coordinators see it and reject with a reason."""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.access import Role
from bot.services.people.invites import create_invite
from db.models import JoinRequest, User
from tests.dialog.conftest import NOW, Chat, outbox_texts
from tests.factories import make_user, unit_by_code


async def test_a_citizen_on_zalo_gives_name_position_phone_and_commune_despite_slips(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="z-9", channel="zalo", role="coordinator")
    admin = chat("z-9", "Điều phối viên", channel="zalo")
    await admin.say("/start")
    lan = chat("z-20", "lan", channel="zalo")
    await lan.say("xin chao")
    assert "Bước 1/4. Họ và tên" in (await lan.say("dang ky"))[0].text
    assert "ít nhất hai chữ" in (await lan.say("Lan"))[0].text
    assert "ít nhất hai chữ" in (await lan.say("Nguyen Thi 3"))[0].text
    assert "Bước 2/4. Chức vụ" in (await lan.say("Nguyễn Thị Lan"))[0].text
    assert "2 đến 80 ký tự" in (await lan.say("5"))[0].text
    await lan.say("/menu")  # an interruption sets the request aside…
    replies = await lan.say("/tiep")  # …and it comes back at the same question
    assert "Bước 2/4. Chức vụ" in replies[0].text
    assert "Bước 3/4" in (await lan.say("công chức văn hóa – xã hội"))[0].text
    assert "10 chữ số" in (await lan.say("12345"))[0].text
    replies = await lan.say("chào bạn")  # a greeting asks the question again
    assert "Bước 3/4" in replies[-1].text
    assert "Bước 4/4" in (await lan.say("+84 912 345 678"))[0].text
    replies = await lan.say("thach ha")
    assert replies[0].numbered
    assert "Đã gửi yêu cầu" in (await lan.say("1"))[0].text
    async with sessions() as session:
        request = await session.scalar(select(JoinRequest))
        assert request is not None
        assert (request.full_name, request.position, request.phone) == (
            "Nguyễn Thị Lan",
            "công chức văn hóa – xã hội",
            "0912345678",
        )
    # The coordinator, also on Zalo, judges from /duyet and rejects by number with a reason.
    replies = await admin.say("/duyet")
    shown = replies[0].text
    for line in ("Họ tên: Nguyễn Thị Lan", "Chức vụ: công chức văn hóa – xã hội"):
        assert line in shown
    assert "Điện thoại: 0912 345 678" in shown
    assert "Tên trên ứng dụng: lan" in shown
    assert [o.label for o in replies[0].options] == ["✅ Duyệt", "❌ Từ chối"]
    assert "lý do từ chối yêu cầu số" in (await admin.say("2"))[0].text
    assert "lý do bằng một câu ngắn" in (await admin.say("ok"))[0].text
    assert "lý do từ chối" in (await admin.say("xin chào"))[-1].text
    await admin.say("Anh/chị liên hệ UBND xã để được cử làm đầu mối")
    assert "kèm lý do" in admin.text
    told = (await outbox_texts(sessions, "z-20"))[-1]["text"]
    assert "Lý do: Anh/chị liên hệ UBND xã để được cử làm đầu mối" in told
    async with sessions() as session:
        role = await session.scalar(select(User.role).where(User.chat_id == "z-20"))
    assert role == "citizen"


async def test_a_coordinator_on_telegram_rejects_from_the_notification(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = chat("9000", "Điều phối viên")
    await admin.say("/start")
    binh = chat("1010", "Trần Bình")
    await binh.say("/dangky")
    await binh.say("Trần Văn Bình")
    await binh.say("Phó Chủ tịch UBND xã")
    await binh.say("0987654321")
    await binh.say("cam xuyen")
    await binh.press(binh.option("Cẩm Xuyên"))
    queued = (await outbox_texts(sessions, "9000"))[-1]
    assert "Chức vụ: Phó Chủ tịch UBND xã" in queued["text"]
    reject = next(o["payload"] for o in queued["options"] if "Từ chối" in o["label"])
    await admin.press(reject)
    await admin.say("/menu")  # the reason is set aside, not lost
    replies = await admin.press("cmd:tiep")
    assert "lý do từ chối yêu cầu số" in replies[0].text
    await admin.say("Xã đã có đầu mối")
    told = (await outbox_texts(sessions, "1010"))[-1]["text"]
    assert "Lý do: Xã đã có đầu mối" in told
    assert "đã được xử lý" in (await admin.press(reject))[0].text


async def test_a_request_decided_meanwhile_ends_the_reason_question(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="9001", role="coordinator")
    first, second = chat("9000", "Điều phối viên"), chat("9001", "Điều phối viên 2")
    await first.say("/start")
    await second.say("/start")
    binh = chat("1011", "Trần Bình")
    for typed in ("/dangky", "Trần Văn Bình", "Phó Chủ tịch UBND xã", "0987654321", "cam xuyen"):
        await binh.say(typed)
    await binh.press(binh.option("Cẩm Xuyên"))
    queued = (await outbox_texts(sessions, "9000"))[-1]
    reject = next(o["payload"] for o in queued["options"] if "Từ chối" in o["label"])
    approve = next(o["payload"] for o in queued["options"] if "Duyệt" in o["label"])
    await first.press(reject)  # asked for a reason...
    await second.press(approve)  # ...while the other coordinator approves
    replies = await first.say("Xã đã có đầu mối")
    assert "đã được xử lý trước đó (đã duyệt)" in replies[0].text
    replies = await first.say("Một lý do nữa")  # no longer at the reason question
    assert "đã được xử lý" not in replies[0].text
    async with sessions() as session:
        role = await session.scalar(select(User.role).where(User.chat_id == "1011"))
    assert role == "official"


async def test_using_an_invite_cancels_a_pending_request(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = chat("9000", "Điều phối viên")
    await admin.say("/start")
    binh = chat("1012", "Trần Bình")
    for typed in ("/dangky", "Trần Văn Bình", "Phó Chủ tịch UBND xã", "0987654321", "cam xuyen"):
        await binh.say(typed)
    await binh.press(binh.option("Cẩm Xuyên"))
    queued = (await outbox_texts(sessions, "9000"))[-1]
    approve = next(o["payload"] for o in queued["options"] if "Duyệt" in o["label"])
    async with sessions.begin() as session:
        invite_unit = (await unit_by_code(session, "18073")).id
        invite = await create_invite(
            session, actor=None, role=Role.OFFICIAL, unit_id=invite_unit, now=NOW, days=7
        )
    await binh.say(f"/start {invite.code}")
    replies = await admin.press(approve)  # the old request no longer moves them
    assert "đã hủy vì người gửi đã dùng mã mời" in replies[0].text
    async with sessions() as session:
        status = await session.scalar(select(JoinRequest.status))
        unit = await session.scalar(select(User.unit_id).where(User.chat_id == "1012"))
    assert status == "cancelled"
    assert unit == invite_unit
