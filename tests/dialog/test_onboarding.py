"""Officials and coordinators joining: invite codes, requests and approvals, erasure."""

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import InputKind
from bot.services.core.access import Role
from bot.services.people.invites import create_invite
from db.models import JoinRequest, OutboxMessage, Report, User
from tests.dialog.conftest import NOW, Chat, Clock, outbox_texts, start_join
from tests.factories import make_report, unit_by_code


async def _invite(
    sessions: async_sessionmaker[AsyncSession], role: Role = Role.OFFICIAL, code: str = "18073"
) -> str:
    async with sessions.begin() as session:
        unit = await unit_by_code(session, code) if role == Role.OFFICIAL else None
        invite = await create_invite(
            session, actor=None, role=role, unit_id=unit.id if unit else None, now=NOW, days=7
        )
    return invite.code


async def _user(sessions: async_sessionmaker[AsyncSession], chat_id: str) -> User | None:
    async with sessions() as session:
        return await session.scalar(select(User).where(User.chat_id == chat_id))


async def test_an_invite_code_makes_an_official_once(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    code = await _invite(sessions)
    alice = chat()
    replies = await alice.say(f"/start {code}")
    assert "cán bộ đầu mối của Thành Sen" in replies[0].text
    labels = [option.label for option in replies[-1].options]
    assert any("Báo cáo kết quả" in label for label in labels)  # the official's menu at once
    assert not any("Nhập mã mời" in label for label in labels)
    assert "Phường Thành Sen" in (await alice.say("/toi"))[0].text
    user = await _user(sessions, "1001")
    assert user is not None
    assert (user.role, user.unit_id is not None) == ("official", True)
    bob = chat("1002")
    assert "đã được sử dụng" in (await bob.say(f"/start {code}"))[0].text
    bob_user = await _user(sessions, "1002")
    assert bob_user is not None
    assert bob_user.role == "citizen"


async def test_a_bare_code_typed_without_command_works_and_ignores_case(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    code = await _invite(sessions, Role.COORDINATOR)
    alice = chat()
    replies = await alice.say(code.lower())
    assert "cán bộ điều phối" in replies[0].text
    assert not any("Nhập mã mời" in option.label for option in replies[-1].options)


async def test_an_expired_code_is_refused(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    code = await _invite(sessions)
    clock.now = NOW + timedelta(days=7, seconds=1)
    replies = await chat().say(f"/start {code}")
    assert "hết hạn" in replies[0].text


async def test_a_coordinator_creates_an_invite_in_chat(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = chat("9000", "Điều phối viên")
    await admin.say("/moi")
    await admin.press(admin.option("Cán bộ đầu mối"))
    await admin.say("cam xuyen")
    replies = await admin.press(admin.option("Cẩm Xuyên"))
    text = replies[0].text
    assert "Mã mời:" in text
    code = text.split("Mã mời:")[1].split()[0]
    newcomer = chat("1005", "Lê Thị C")
    assert "Cẩm Xuyên" in (await newcomer.say(f"/start {code}"))[0].text


async def test_request_and_approve(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = chat("9000", "Điều phối viên")
    await admin.say("/start")
    bob = chat("1002", "Trần Văn B")
    assert "Bước 4/4" in (await start_join(bob))[0].text
    assert any("Thạch Hà" in o.label for o in (await bob.say("thach ha"))[0].options)
    replies = await bob.press(bob.option("Thạch Hà"))
    assert "Đã gửi yêu cầu" in replies[0].text
    queued = await outbox_texts(sessions, "9000")
    assert len(queued) == 1
    assert "Họ tên: Trần Văn B" in queued[0]["text"]
    assert "Chức vụ: công chức văn hóa – xã hội" in queued[0]["text"]
    assert "Điện thoại: 0912 345 678" in queued[0]["text"]
    assert "Đơn vị: Xã Thạch Hà" in queued[0]["text"]
    approve = next(o["payload"] for o in queued[0]["options"] if "Duyệt" in o["label"])
    assert "Đã duyệt" in (await admin.press(approve))[0].text
    told = await outbox_texts(sessions, "1002")
    assert "đã được duyệt" in told[-1]["text"]
    user = await _user(sessions, "1002")
    assert user is not None
    assert user.role == "official"
    assert "đã được xử lý" in (await admin.press(approve))[0].text


async def test_request_and_reject_tells_the_requester(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = chat("9000", "Điều phối viên")
    await admin.say("/start")
    bob = chat("1002", "Trần Văn B")
    await start_join(bob)
    await bob.say("Kỳ Anh")
    await bob.press(bob.option("Kỳ Anh"))
    assert "đang chờ duyệt" in (await bob.say("/dangky"))[0].text
    await admin.say("/duyet")
    await admin.press(admin.option("Từ chối"))
    assert "lý do từ chối yêu cầu số" in admin.text
    for not_a_reason in ("ok", "không", "x y"):
        assert "lý do bằng một câu ngắn" in (await admin.say(not_a_reason))[0].text
    await admin.say("Xã đã có cán bộ đầu mối")
    assert "kèm lý do" in admin.text
    told = (await outbox_texts(sessions, "1002"))[-1]["text"]
    assert "chưa được duyệt" in told
    assert "Lý do: Xã đã có cán bộ đầu mối" in told
    user = await _user(sessions, "1002")
    assert user is not None
    assert user.role == "citizen"


async def test_unknown_commune_names_get_one_sentence_and_the_step_stays(
    chat: Callable[..., Chat],
) -> None:
    bob = chat("1002")
    await start_join(bob)
    replies = await bob.say("zzzzqqq")
    assert len(replies) == 1
    assert "Không tìm thấy" in replies[0].text
    assert "x" * 101 not in (await bob.say("x" * 500))[0].text
    replies = await bob.say("thach ha")
    assert replies[0].options


async def test_erasure_removes_the_person_but_keeps_the_units_reports(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    code = await _invite(sessions)
    alice = chat()
    await alice.say(f"/start {code}")
    async with sessions.begin() as session:
        report = await make_report(session)
        user = await session.scalar(select(User).where(User.chat_id == "1001"))
        assert user is not None
        report.reporter_id = user.id
        session.add(
            OutboxMessage(
                channel="telegram",
                chat_id="1001",
                user_id=user.id,
                payload={"text": "x"},
                not_before=NOW,
            )
        )
    await alice.say("/xoadulieu")
    assert await _user(sessions, "1001") is not None
    replies = await alice.press(alice.option("Xóa dữ liệu"))
    assert "Đã xóa" in replies[0].text
    assert await _user(sessions, "1001") is None
    async with sessions() as session:
        kept = await session.get(Report, report.id)
        assert kept is not None
        assert kept.reporter_id is None
        assert (await session.scalar(select(func.count()).select_from(OutboxMessage))) == 0
        assert (await session.scalar(select(func.count()).select_from(JoinRequest))) == 0
    assert "Xin chào" in (await alice.say("/start"))[0].text


async def test_erasure_can_be_declined(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    alice = chat()
    await alice.say("/xoadulieu")
    await alice.say("2")
    assert "giữ nguyên" in alice.text
    assert await _user(sessions, "1001") is not None
    assert "Lựa chọn này không còn hiệu lực" in (await alice.press("erase:yes:"))[0].text
    assert await _user(sessions, "1001") is not None


async def test_mamoi_asks_for_the_code_and_keeps_asking_until_a_good_one(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    code = await _invite(sessions)
    alice = chat()
    await alice.say("/start")
    await alice.say("/menu")
    replies = await alice.press(alice.option("Nhập mã mời"))
    assert replies[0].text == "Anh/chị vui lòng nhập mã mời (8 ký tự, ví dụ: K7PQ2MXA):"
    [refused] = await alice.say("ZZZZ9999")
    assert refused.text == alice.engine.texts.render("invites/unknown")
    [refused] = await alice.send(InputKind.PHOTO, photo_ref="p-1")
    assert refused.text == "Anh/chị vui lòng gõ mã mời bằng chữ và số, ví dụ: K7PQ2MXA."
    user = await _user(sessions, "1001")
    assert user is not None
    assert user.role == "citizen"  # nothing changed, still at the question
    replies = await alice.say(f"  {code.lower()} ")
    assert "cán bộ đầu mối của Thành Sen" in replies[0].text
    assert "Phường Thành Sen" in (await alice.say("/toi"))[0].text


async def test_mamoi_takes_the_code_in_the_command_or_after_its_words(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    first, second = await _invite(sessions), await _invite(sessions, code="18562")
    alice, bob = chat("1001"), chat("1002")
    await alice.say("/start")
    await bob.say("/start")
    assert "cán bộ đầu mối của Thành Sen" in (await alice.say(f"/mamoi {first}"))[0].text
    replies = await bob.say(f"nhap ma {second}")
    assert "cán bộ đầu mối của" in replies[0].text
    bob_user = await _user(sessions, "1002")
    assert bob_user is not None
    assert bob_user.role == "official"
