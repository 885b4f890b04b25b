"""Each commune's standing when its month closes: its own line, the province's, one button."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.texts import Texts
from bot.services.insights.standings import queue_standings
from db.models import OutboxMessage
from tests.datasets import TZ
from tests.factories import make_report, make_user

AFTER_DEADLINE = datetime(2026, 11, 18, 1, 15, tzinfo=UTC)  # 08:15 on 18/11; deadline 17/11


async def test_each_commune_gets_its_standing_once(session: AsyncSession, texts: Texts) -> None:
    thanh_sen = await make_user(session, chat_id="a1", role="official", unit_code="18073")
    tran_phu = await make_user(session, chat_id="b1", role="official", unit_code="18100")
    await make_user(session, chat_id="c1", role="citizen", unit_code="18100")
    for task, figures in (("IV.9", {"sessions_held": 3.0, "participants": 120.0}), ("I.5", {})):
        report = await make_report(
            session,
            unit_code="18073",
            task_code=task,
            activity_date=date(2026, 11, 2),
            figures=figures,
        )
        report.created_at = datetime(2026, 11, 3, 2, tzinfo=UTC)
    await session.flush()
    assert await queue_standings(session, texts=texts, now=AFTER_DEADLINE, tz=TZ) == 2
    assert await queue_standings(session, texts=texts, now=AFTER_DEADLINE, tz=TZ) == 0
    rows: dict[int | None, dict[str, Any]] = {
        row.user_id: row.payload
        for row in await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    }
    assert set(rows) == {thanh_sen.id, tran_phu.id}
    done, missing = rows[thanh_sen.id], rows[tran_phu.id]
    assert "Kết quả báo cáo kỳ tháng 11/2026" in done["text"]
    assert "đã gửi 2/2 báo cáo (đúng hạn 2, muộn 0)" in done["text"]
    assert "Buổi tuyên truyền: 3 buổi" in done["text"]
    assert "Toàn tỉnh: 1/69 xã, phường gửi đủ; đã gửi 2/138 báo cáo" in done["text"]
    assert done["options"] == []
    assert "Chưa gửi: I.5, IV.9." in missing["text"]
    assert [o["payload"] for o in missing["options"]] == ["cmd:baocao:I.5"]


async def test_a_stale_period_is_not_announced(session: AsyncSession, texts: Texts) -> None:
    await make_user(session, chat_id="a1", role="official", unit_code="18073")
    late = datetime(2026, 12, 5, 1, 15, tzinfo=UTC)  # November closed 17/11: old news
    assert await queue_standings(session, texts=texts, now=late, tz=TZ) == 0
