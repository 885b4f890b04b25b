"""The commitment: roadmap, letter (DOCX and PDF), signed copy, verification, follow-up."""

from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from docx import Document
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import InputKind, Outgoing
from db.models import Commitment, OrgRegistration
from tests.dialog.conftest import Chat, outbox_texts
from tests.factories import make_representative, make_user


async def _setup(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await make_representative(session)
        await make_user(session, chat_id="7001", role="coordinator", unit_code="SCT")
        await make_user(session, chat_id="7002", role="coordinator", unit_code="SVHTTDL")


def _documents(replies: list[Outgoing]) -> dict[str, bytes]:
    found = {}
    for reply in replies:
        if reply.attachment is not None and reply.attachment.kind == "document":
            assert reply.attachment.filename is not None
            found[reply.attachment.filename] = Path(reply.attachment.ref).read_bytes()
    return found


async def build_roadmap(rep: Chat) -> dict[str, bytes]:
    """Two actions, one with a typed date after a bad one, one already done; the letter."""
    await rep.say("/camket")
    assert "Cam kết giảm nhựa của Siêu thị Thử Nghiệm" in rep.text
    await rep.press(rep.option("Không phát túi ni lông miễn phí"))
    await rep.press(rep.option("Phân loại rác tại nguồn"))
    assert "✅ Phân loại rác tại nguồn" in [o.label for r in rep.replies for o in r.options]
    await rep.press(rep.option("Xong"))
    assert "Việc 1/2" in rep.text
    await rep.say("31/02/2027")
    assert "ngày/tháng/năm" in rep.text
    await rep.say("1/1/2031")
    assert "đến 31/12/2030" in rep.text
    await rep.say("30/6/2027")
    assert "Việc 2/2" in rep.text
    await rep.press(rep.option("Đã thực hiện"))
    assert "hạn 30/06/2027" in rep.text
    await rep.press(rep.option("Xác nhận"))
    return _documents(rep.replies)


async def test_a_supermarket_builds_signs_and_gets_its_commitment_verified(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _setup(sessions)
    rep = chat("2001", "Bình")
    files = await build_roadmap(rep)
    assert set(files) == {"cam-ket-1.docx", "cam-ket-1.pdf"}
    document = Document(BytesIO(files["cam-ket-1.docx"]))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "VĂN BẢN CAM KẾT" in text
    assert "Siêu thị Thử Nghiệm" in text
    assert "Điều 73" in text
    assert "Không cung cấp miễn phí túi ni lông" in cells
    assert "30/06/2027" in cells
    assert "Trần Thị Bình" in cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    pdf = "\n".join(
        page.extract_text() for page in PdfReader(BytesIO(files["cam-ket-1.pdf"])).pages
    )
    for expected in (
        "SIÊU THỊ THỬ NGHIỆM",
        "Phường Thành Sen",
        "30/06/2027",
        "Phân loại chất thải",
    ):
        assert expected in pdf, expected
    assert "gửi ảnh chụp hoặc tệp PDF" in rep.text
    await rep.say("đã ký rồi")
    assert "gửi ảnh chụp hoặc tệp PDF văn bản đã ký" in rep.text
    await rep.send(InputKind.DOCUMENT, photo_ref="file-signed-pdf")
    assert "Đã nhận văn bản đã ký" in rep.text
    assert "Sở Công Thương sẽ xác minh" in rep.text
    sct = await outbox_texts(sessions, "7001")
    assert "chờ xác minh" in sct[-1]["text"]
    assert await outbox_texts(sessions, "7002") == []
    verify = next(o["payload"] for o in sct[-1]["options"] if "Xác minh" in o["label"])
    tourism = chat("7002")
    await tourism.press(verify)
    assert "Việc này do Sở Công Thương duyệt" in tourism.text
    await tourism.press("commitrev:copy:1")
    assert "Việc này do Sở Công Thương duyệt" in tourism.text
    trade = chat("7001")
    await trade.press(next(o["payload"] for o in sct[-1]["options"] if "bản đã ký" in o["label"]))
    assert trade.replies[0].attachment is not None
    assert trade.replies[0].attachment.ref == "file-signed-pdf"
    await trade.press(verify)
    assert "Đã xác minh cam kết số 1" in trade.text
    told = await outbox_texts(sessions, "2001")
    assert "đã được xác minh" in told[-1]["text"]
    await trade.press(verify)
    assert "không ở trạng thái chờ xác minh" in trade.text
    await rep.say("/camket")
    assert "Trạng thái: đã xác minh" in rep.text
    assert "✅ Phân loại chất thải" in rep.text


async def test_a_rejected_commitment_says_why_and_can_be_made_again(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _setup(sessions)
    rep = chat("2001")
    await build_roadmap(rep)
    await rep.send(InputKind.PHOTO, photo_ref="photo-of-letter")
    trade = chat("7001")
    await trade.press("commitrev:reject:1")
    assert "Lý do từ chối" in trade.text
    await trade.say("ok")
    assert "từ 3 đến" in trade.text
    await trade.say("Thiếu dấu của cơ sở")
    assert "Đã từ chối cam kết số 1" in trade.text
    told = await outbox_texts(sessions, "2001")
    assert "Thiếu dấu của cơ sở" in told[-1]["text"]
    await rep.say("/camket")
    assert "bị từ chối" in rep.text
    assert "Anh/chị chọn các việc" in rep.text
    async with sessions() as session:
        rejected = await session.get(Commitment, 1)
        assert rejected is not None
        assert rejected.status == "rejected"


async def test_a_hotel_gets_the_lodging_checklist(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await make_representative(session, chat_id="2002", kind="lodging", name="Khách sạn Thử")
    hotel = chat("2002")
    await hotel.say("cam ket")
    labels = [o.label for r in hotel.replies for o in r.options]
    assert any("Đồ dùng phòng nghỉ" in label for label in labels)
    assert not any("Không phát túi ni lông" in label for label in labels)


async def test_others_are_told_how_to_register(chat: Callable[..., Chat]) -> None:
    citizen = chat("3001")
    await citizen.say("/camket")
    assert "/dangkycoso" in citizen.text


async def test_the_representative_reports_progress_from_a_reminder_or_the_list(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _setup(sessions)
    rep = chat("2001")
    await build_roadmap(rep)
    await rep.send(InputKind.PHOTO, photo_ref="photo-of-letter")
    await chat("7001").press("commitrev:verify:1")
    await rep.press("commit:late:1")
    assert "đang chậm" in rep.text
    await rep.say("/camket")
    await rep.press(rep.option("Cập nhật tiến độ"))
    await rep.press(rep.option("Không phát túi ni lông miễn phí"))
    assert "đã thực hiện" in rep.text
    await rep.say("/camket")
    assert "Cập nhật tiến độ" not in [o.label for r in rep.replies for o in r.options]
    stranger = chat("3001")
    await stranger.press("commit:done:1")
    assert "chưa có quyền" in stranger.text


async def test_erasure_removes_the_representative_but_keeps_the_commitment(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _setup(sessions)
    rep = chat("2001")
    await build_roadmap(rep)
    await rep.say("/xoadulieu")
    await rep.press("erase:yes:")
    async with sessions() as session:
        assert await session.scalar(select(OrgRegistration)) is None  # name, position, phone
        commitment = await session.get(Commitment, 1)
        assert commitment is not None
        assert commitment.created_by_id is None
