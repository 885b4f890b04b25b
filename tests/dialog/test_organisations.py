"""Establishments register through the bot; the right department approves."""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import OrgRegistration, Unit, User
from tests.dialog.conftest import Chat, outbox_texts
from tests.factories import make_user, unit_by_code


async def _departments(sessions: async_sessionmaker[AsyncSession]) -> None:
    """A coordinator of Sở Công Thương (chat 7001) and one of Sở VH-TT&DL (chat 7002)."""
    async with sessions.begin() as session:
        await make_user(session, chat_id="7001", role="coordinator", unit_code="SCT")
        await make_user(session, chat_id="7002", role="coordinator", unit_code="SVHTTDL")
        session.add(
            Unit(code="st-known", kind="supermarket", name="Siêu thị Thử Nghiệm Một", active=True)
        )


async def register_new_supermarket(alice: Chat, name: str = "Siêu thị Mới Mở") -> None:
    """The whole registration of an establishment not in the list, as typed on a phone."""
    await alice.say("/dangkycoso")
    await alice.press(alice.option("Siêu thị"))
    assert "Tên siêu thị" in alice.text
    await alice.say(name)
    assert "Chưa có" in alice.text
    await alice.press(alice.option("Đăng ký cơ sở mới"))
    await alice.say("thach ha")
    await alice.press(alice.option("Thạch Hà"))
    await alice.say("3000 123 456")
    await alice.say("Trần Thị Bình")
    await alice.say("Quản lý")
    await alice.say("0912 345 678")
    assert "Kiểm tra thông tin đăng ký" in alice.text
    await alice.press(alice.option("Xác nhận"))


async def test_a_new_supermarket_is_registered_and_approved_by_sct_only(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _departments(sessions)
    alice = chat("1001", "Bình")
    await register_new_supermarket(alice)
    assert "Sở Công Thương sẽ xem và duyệt" in alice.text
    sct = await outbox_texts(sessions, "7001")
    assert len(sct) == 1
    assert "Siêu thị Mới Mở" in sct[0]["text"]
    assert "cơ sở mới" in sct[0]["text"]
    assert await outbox_texts(sessions, "7002") == []  # tourism is not asked
    approve = next(o["payload"] for o in sct[0]["options"] if "Duyệt" in o["label"])
    tourism = chat("7002", "Sở VH")
    await tourism.press(approve)
    assert "Việc này do Sở Công Thương duyệt" in tourism.text
    async with sessions() as session:
        unit = await session.scalar(select(Unit).where(Unit.name == "Siêu thị Mới Mở"))
        assert unit is not None
        assert not unit.active  # not in the registry until approved
    trade = chat("7001", "Sở CT")
    await trade.press(approve)
    assert "Đã duyệt đăng ký" in trade.text
    async with sessions() as session:
        unit = await session.scalar(select(Unit).where(Unit.name == "Siêu thị Mới Mở"))
        user = await session.scalar(select(User).where(User.chat_id == "1001"))
        assert unit is not None
        assert user is not None
        assert (unit.active, unit.tax_code, unit.code) == (
            True,
            "3000123456",
            f"org-supermarket-{unit.id}",
        )
        assert (user.role, user.unit_id) == ("representative", unit.id)
    told = await outbox_texts(sessions, "1001")
    assert "đã được duyệt" in told[-1]["text"]
    assert "/camket" in told[-1]["text"]
    await trade.press(approve)
    assert "đã được xử lý" in trade.text


async def test_a_known_name_typed_with_a_typo_is_found(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _departments(sessions)
    alice = chat("1001")
    await alice.say("dang ky co so")
    await alice.say("sieu thi")  # the kind typed without diacritics
    await alice.say("sieu thi thu ngiem mot")
    assert "Có phải cơ sở nào" in alice.text
    await alice.press(alice.option("Siêu thị Thử Nghiệm Một"))
    assert "xã, phường nào" in alice.text  # the registry does not know its commune
    await alice.say("Thành Sen")
    await alice.press(alice.option("Thành Sen"))
    await alice.press(alice.option("Bỏ qua"))
    await alice.say("Lê Văn Cường")
    await alice.say("Giám đốc")
    await alice.say("+84 912 000 111")
    assert "Thành Sen" in alice.text
    assert "0912 000 111" in alice.text
    await alice.press(alice.option("Xác nhận"))
    async with sessions() as session:
        row = await session.scalar(select(OrgRegistration))
        known = await unit_by_code(session, "st-known")
        assert row is not None
        assert (row.unit_id, row.new_unit, row.status) == (known.id, False, "pending")


async def test_bad_input_gets_one_sentence_and_keeps_the_step(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _departments(sessions)
    alice = chat("1001")
    await alice.say("/dangkycoso")
    await alice.say("tàu vũ trụ")
    assert "chọn một loại cơ sở" in alice.text
    await alice.press("org:kind:lodging")  # the buttons shown before still work
    await alice.say("ks")
    assert "từ 3 đến" in alice.text
    await alice.say("Khách sạn Thử Nghiệm")
    await alice.press(alice.option("Đăng ký cơ sở mới"))
    await alice.say("Thạch Hà")
    await alice.press(alice.option("Thạch Hà"))
    await alice.say("12345")
    assert "10 chữ số" in alice.text
    await alice.say("bo qua")  # the option typed, as on Zalo
    await alice.say("Nguyễn 2")
    assert "họ và tên" in alice.text
    await alice.say("Nguyễn Thị Hoa")
    await alice.say("Chủ cơ sở")
    await alice.say("2,5")
    assert "10 chữ số" in alice.text
    await alice.say("0987654321")
    await alice.press(alice.option("Xác nhận"))
    assert "Sở Văn hóa, Thể thao và Du lịch sẽ xem" in alice.text
    await alice.say("/dangkycoso")
    assert "đang chờ duyệt" in alice.text


async def test_dangky_offers_the_business_registration_on_its_first_question(
    chat: Callable[..., Chat],
) -> None:
    alice = chat("1001")
    await alice.say("/dangky")
    assert "Họ và tên đầy đủ" in alice.text
    await alice.say("doanh nghiep")  # the option's label typed, as on Zalo
    assert "Anh/chị đại diện cho loại cơ sở nào?" in alice.text
