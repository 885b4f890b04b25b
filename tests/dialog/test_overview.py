"""/tongquan for coordinators, refused to others."""

from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.dialog.conftest import Chat
from tests.factories import make_report, make_user


async def test_overview_then_a_task_then_a_commune(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await make_report(
            session,
            unit_code="18562",
            task_code="IV.9",
            figures={"sessions_held": 4},
            status="verified",
        )
        await make_report(
            session, unit_code="18073", task_code="IV.9", figures={"sessions_held": 2}
        )
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/tongquan")  # the short summary first, the digest on request
    replies = await coordinator.press(coordinator.option("Bản tin đầy đủ"))
    assert "BẢN TIN TỔNG HỢP" in replies[0].text
    assert "1/69 (1,4%) đã xác minh (+1 chờ xác minh)" in replies[0].text
    [heatmap] = [reply.attachment for reply in replies if reply.attachment]
    assert heatmap.kind == "photo"
    assert Path(heatmap.ref).read_bytes()[:4] == b"\x89PNG"  # noqa: ASYNC240
    replies = await coordinator.press(coordinator.option("IV.9"))
    assert "Nhiệm vụ IV.9 – năm 2026" in replies[0].text
    assert "Kỳ báo cáo: 15/12/2025 – 14/12/2026" in replies[0].text
    assert "Buổi tuyên truyền: 4 buổi đã xác minh (+2 chờ xác minh)" in replies[0].text
    replies = await coordinator.say("/tongquan thach ha")
    assert "Xã Thạch Hà – năm 2026" in replies[0].text
    assert "IV.9: 1 báo cáo" in replies[0].text
    assert "Không có nhiệm vụ" in (await coordinator.say("/tongquan IV.99"))[0].text


async def test_overview_is_refused_to_officials_and_citizens(chat: Callable[..., Chat]) -> None:
    assert "chỉ dành cho cán bộ điều phối" in (await chat("7001").say("/tongquan"))[0].text
    assert (
        "chỉ dành cho cán bộ điều phối" in (await chat("7001").press("overview:task:I.1"))[0].text
    )


async def test_the_excel_export_is_sent_to_coordinators_only(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        report = await make_report(session, unit_code="18562", task_code="IV.9")
        report.description = "=1+1"
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/tongquan")
    [reply] = await coordinator.press(coordinator.option("Xuất Excel"))
    assert reply.attachment is not None
    assert reply.attachment.kind == "document"
    assert reply.attachment.filename == "SXTDBV-2026-11-25.xlsx"
    assert "10:00 25/11/2026" in reply.text
    mode, book = _open(Path(reply.attachment.ref))
    assert mode & 0o077 == 0  # only the bot's user may read it
    assert book.sheetnames[:3] == ["Báo cáo", "NV IV.9", "Chỉ tiêu"]
    assert book.sheetnames[-2:] == ["Đơn vị", "Cơ sở"]
    assert book["Báo cáo"].max_row == 2  # no names in it: no privacy note either
    assert "thông tin cá nhân" not in reply.text
    assert book["Báo cáo"]["H2"].value == "=1+1"
    assert book["Báo cáo"]["H2"].data_type == "s"  # text, never a formula
    official = chat("7001")
    await official.say("xuat excel")
    assert "chỉ dành cho cán bộ điều phối" in official.text


def _open(path: Path) -> tuple[int, Workbook]:
    return path.stat().st_mode, load_workbook(path)


async def test_the_overview_opens_with_one_screen_then_a_task_or_a_commune_on_zalo(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="c-9", channel="zalo", role="coordinator")
        await make_report(session, unit_code="18562", task_code="IV.9", status="verified")
        await make_report(session, unit_code="18073", task_code="IV.9")
    coordinator = chat("c-9", "Điều phối viên", channel="zalo")
    await coordinator.say("/start")
    replies = await coordinator.say("tong quan")
    [summary] = replies
    print(summary.text)
    assert summary.text.startswith("📊 Tình hình thực hiện Kế hoạch đến 25/11/2026")
    assert len(summary.text.splitlines()) <= 12
    assert len(summary.text) <= 700
    assert "Chỉ tiêu chậm so với tiến độ: " in summary.text
    assert "Xã, phường chưa báo cáo 30 ngày: 67/69" in summary.text
    assert "Báo cáo chờ xác minh: 1" in summary.text
    labels = [o.label for o in summary.options]
    assert labels == [
        "📰 Bản tin đầy đủ",
        "📌 Theo nhiệm vụ",
        "🏘 Theo xã, phường",
        "✅ Xác minh (1)",
        "📥 Xuất Excel",
    ]
    replies = await coordinator.say("2")  # by task
    assert "IV.9 – " in replies[0].text
    await coordinator.say("IV.9")
    assert "Nhiệm vụ IV.9 – năm 2026" in coordinator.text
    await coordinator.say("tong quan")
    await coordinator.say("3")  # by commune
    assert "gõ tên xã, phường" in coordinator.text
    assert "Không tìm thấy" in (await coordinator.say("zzzqqq"))[0].text
    replies = await coordinator.say("xin chào")  # the question again, nothing lost
    assert "gõ tên xã, phường" in replies[-1].text
    await coordinator.say("Thach Ha")
    if "Xã Thạch Hà – năm 2026" not in coordinator.text:
        await coordinator.say("1")
    assert "Xã Thạch Hà – năm 2026" in coordinator.text
    await coordinator.say("tong quan")
    replies = await coordinator.say("1")  # the full digest
    assert "BẢN TIN TỔNG HỢP" in replies[0].text


async def test_a_target_is_behind_when_under_an_even_line(
    chat: Callable[..., Chat],
) -> None:
    coordinator = chat("9000", "Điều phối viên")
    replies = await coordinator.say("/tongquan")
    text = replies[0].text
    assert "• Xã, phường được tuyên truyền" in text or "… và" in text
    assert "(cần khoảng " in text
