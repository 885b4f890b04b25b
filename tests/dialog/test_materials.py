"""Browsing, searching, subscribing to and broadcasting outreach materials."""

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import DeliveryStatus
from bot.services.content.material_files import MaterialSpec, TopicSpec
from bot.services.core.matching import fold
from bot.services.core.texts import Texts
from bot.services.outreach.materials import announce_new
from bot.services.seeding.library import apply_library
from bot.services.seeding.rows import SeedSummary
from db.models import Delivery, OutboxMessage
from scheduler.outbox_sender import OutboxSender
from tests.dialog.conftest import NOW, Chat, outbox_texts
from tests.factories import make_user
from tests.fakes.channel import RecordingChannel

BODY = "Phân loại rác tại nguồn giúp giảm lượng rác phải chôn lấp.\n\n- Rác hữu cơ\n- Rác tái chế"


def _material(slug: str, title: str, topic: str, *, leaflet: bool = False) -> MaterialSpec:
    return MaterialSpec(
        slug=slug,
        title=title,
        topics=(topic,),
        audiences=("citizens",),
        format="text",
        summary=f"Tóm tắt {title}",
        body=f"**{title}**\n{BODY}",
        leaflet=leaflet,
        link=None,
        source="Luật Bảo vệ môi trường 2020",
        published_on=date(2026, 11, 1),
        path=Path(f"{slug}.md"),
    )


LIBRARY = [
    _material(f"kiem-thu-{i}", f"Tài liệu kiểm thử số {i}", "kiem-thu") for i in range(1, 11)
] + [_material("tui-ni-long", "Giảm túi ni lông ở chợ", "nhua-thu", leaflet=True)]
TOPICS = (TopicSpec("kiem-thu", "Chủ đề kiểm thử", "🧪"), TopicSpec("nhua-thu", "Nhựa (thử)", None))


@pytest.fixture
async def library(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await apply_library(session, TOPICS, tuple(LIBRARY), SeedSummary())


async def test_browse_a_topic_page_by_page_and_open_a_material(
    library: None, chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    reader = chat("7001", "Người đọc")
    await reader.say("/tailieu")
    await reader.press(reader.option("Chủ đề kiểm thử (10)"))
    first = reader.replies[0]
    assert "trang 1/2" in first.text
    assert sum("Tài liệu kiểm thử" in o.label for o in first.options) == 8
    await reader.press(reader.option("Trang sau"))
    assert sum("Tài liệu kiểm thử" in o.label for o in reader.replies[0].options) == 2
    assert reader.option("Trang trước")
    replies = await reader.press(reader.option("số 10"))
    assert "Tài liệu kiểm thử số 10" in replies[0].text
    assert "• Rác hữu cơ" in replies[0].text
    assert "**" not in replies[0].text
    assert "Nguồn: Luật Bảo vệ môi trường 2020" in replies[0].text
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 1


async def test_a_material_with_a_leaflet_comes_with_its_pdf(chat: Callable[..., Chat]) -> None:
    reader = chat("7001")
    await reader.say("/tailieu phân loại rác")
    replies = await reader.press(reader.replies[0].options[0].payload)
    assert "Phân loại rác" in replies[0].text
    assert replies[1].attachment is not None
    assert replies[1].attachment.ref == "leaflets/phan-loai-rac-tai-nguon.pdf"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("túi ni lông", "tui ni long"),
        ("tui ni long", "tui ni long"),
        ("TUI NI LONG", "tui ni long"),
        ("tui ni lôngg", "tui ni long"),
        ("phan loai rac", "phan loai rac"),
        ("kinh te tuan hoan", "kinh te tuan hoan"),
        ("dien mat troi", "dien mat troi"),
    ],
)
async def test_search_the_library_ignoring_diacritics_and_typos(
    chat: Callable[..., Chat], query: str, expected: str
) -> None:
    replies = await chat("7001").say(f"/tailieu {query}")
    assert expected in fold(replies[0].options[0].label), [o.label for o in replies[0].options]


async def test_nothing_found_says_so_and_offers_topics(
    library: None, chat: Callable[..., Chat]
) -> None:
    replies = await chat("7001").say("/tailieu xyzw qqq")
    assert "Không tìm thấy tài liệu nào" in replies[0].text
    assert any("Chủ đề kiểm thử" in o.label for o in replies[0].options)


async def test_subscribers_hear_of_a_new_material_once(
    library: None,
    chat: Callable[..., Chat],
    sessions: async_sessionmaker[AsyncSession],
    texts: Texts,
) -> None:
    async with sessions.begin() as session:
        await announce_new(session, texts=texts, now=NOW)  # the starter set: nobody follows yet
    reader = chat("7001")
    await reader.say("/theodoi")
    await reader.press(reader.option("Nhựa (thử)"))
    assert "Đã bật nhận tin" in reader.replies[0].text
    assert any(o.label.startswith("✅ Nhựa") for o in reader.replies[1].options)
    async with sessions.begin() as session:
        new = _material("nhua-moi", "Tài liệu nhựa mới", "nhua-thu")
        await apply_library(session, TOPICS, (*LIBRARY, new), SeedSummary())
        await session.flush()
        assert await announce_new(session, texts=texts, now=NOW) == 1
        assert await announce_new(session, texts=texts, now=NOW) == 0
    [announcement] = await outbox_texts(sessions, "7001")
    assert "Tài liệu mới: Tài liệu nhựa mới" in announcement["text"]
    await reader.press(reader.option("Nhựa (thử)"))
    assert "Đã tắt nhận tin" in reader.replies[0].text


async def test_a_coordinator_broadcasts_to_officials_and_gets_a_summary(
    library: None,
    chat: Callable[..., Chat],
    sessions: async_sessionmaker[AsyncSession],
    texts: Texts,
) -> None:
    async with sessions.begin() as session:
        for chat_id, unit in (("8001", "18073"), ("8002", "18100"), ("8003", "18562")):
            await make_user(session, chat_id=chat_id, role="official", unit_code=unit)
        await make_user(session, chat_id="8004")  # a citizen: not in this audience
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/thongbao")
    await coordinator.press(coordinator.option("Soạn thông báo"))
    assert "từ 5 đến 2000" in (await coordinator.say("ngắn"))[0].text.replace(".", "")
    await coordinator.say("Đề nghị các xã gửi báo cáo quý IV trước ngày 20/12.")
    await coordinator.press(coordinator.option("Tất cả cán bộ đầu mối"))
    preview = coordinator.replies[0].text
    assert "3 người" in preview
    replies = await coordinator.press(coordinator.option("Gửi"))
    assert "Đã xếp 3 tin nhắn" in replies[0].text
    channel = RecordingChannel(answers={"8003": DeliveryStatus.BLOCKED})
    sender = OutboxSender(
        sessions,
        {"telegram": channel},
        chat_interval=0,
        texts=texts,
        clock=lambda: NOW,
    )
    await sender.drain_once()
    assert sorted(c for c, _ in channel.delivered) == ["8001", "8002", "8003"]
    assert "báo cáo quý IV" in channel.delivered[0][1].text
    summary = (await outbox_texts(sessions, "9000"))[-1]["text"]
    assert "Đã gửi: 2/3" in summary
    assert "đã chặn trợ lý: 1" in summary


async def test_a_material_broadcast_to_chosen_communes_logs_deliveries(
    library: None,
    chat: Callable[..., Chat],
    sessions: async_sessionmaker[AsyncSession],
    texts: Texts,
) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="8001", role="official", unit_code="18073")
        await make_user(session, chat_id="8002", role="official", unit_code="18100")
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/thongbao")
    await coordinator.press(coordinator.option("Gửi một tài liệu"))
    await coordinator.say("giam tui ni long o cho")
    await coordinator.press(coordinator.option("Giảm túi ni lông ở chợ"))
    await coordinator.press(coordinator.option("Cán bộ một số xã"))
    await coordinator.say("thanh sen")
    await coordinator.press(coordinator.option("Thành Sen"))
    await coordinator.press(coordinator.option("Tiếp tục"))
    assert "1 người" in coordinator.replies[0].text
    await coordinator.press(coordinator.option("Gửi"))
    channel = RecordingChannel()
    sender = OutboxSender(
        sessions,
        {"telegram": channel},
        chat_interval=0,
        clock=lambda: NOW,
    )
    await sender.drain_once()
    [(chat_id, message)] = channel.delivered
    assert chat_id == "8001"
    assert message.attachment is not None
    async with sessions() as session:
        via = list(await session.scalars(select(Delivery.via)))
    assert via == ["broadcast"]


async def test_citizens_cannot_broadcast(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    citizen = chat("7001")
    assert "chỉ dành cho cán bộ điều phối" in (await citizen.say("/thongbao"))[0].text
    assert "chỉ dành cho cán bộ điều phối" in (await citizen.press("broadcast:send:"))[0].text
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
