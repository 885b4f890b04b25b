"""/tongquan for coordinators, refused to others."""

from collections.abc import Callable

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
