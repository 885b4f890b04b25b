"""/tongquan for coordinators, refused to others."""

from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.dialog.conftest import Chat
from tests.factories import make_report


async def test_overview_then_a_task_then_a_commune(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await make_report(
            session, unit_code="18562", task_code="IV.9", figures={"sessions_held": 4}
        )
    coordinator = chat("9000", "Điều phối viên")
    replies = await coordinator.say("/tongquan")
    assert "BẢN TIN TỔNG HỢP" in replies[0].text
    assert "1/69" in replies[0].text
    replies = await coordinator.press(coordinator.option("IV.9"))
    assert "Nhiệm vụ IV.9 – năm 2026" in replies[0].text
    assert "4 buổi" in replies[0].text
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
    assert book.sheetnames == ["Báo cáo", "Chỉ tiêu", "Đơn vị", "Cơ sở"]
    assert book["Báo cáo"].max_row == 2
    assert book["Báo cáo"]["H2"].value == "=1+1"
    assert book["Báo cáo"]["H2"].data_type == "s"  # text, never a formula
    official = chat("7001")
    await official.say("xuat excel")
    assert "chỉ dành cho cán bộ điều phối" in official.text


def _open(path: Path) -> tuple[int, Workbook]:
    return path.stat().st_mode, load_workbook(path)
