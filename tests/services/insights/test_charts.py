"""The digest's picture and the heatmap: the right series, drawn once per set of figures."""

import struct
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.texts import Texts
from bot.services.insights.charts import (
    COMPLETENESS_GOAL,
    ChartFiles,
    digest_chart_values,
    draw,
    heatmap_values,
)
from tests.databases import CONTENT_DIR
from tests.datasets import TZ
from tests.factories import make_report

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # November's deadline (17/11) has passed


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def _reports(session: AsyncSession) -> None:
    for code, day, status, sessions_held in [
        ("18073", date(2026, 11, 10), "verified", 3),  # November, on time (created now: late)
        ("18100", date(2026, 11, 3), "submitted", 2),
    ]:
        await make_report(
            session,
            unit_code=code,
            task_code="IV.9",
            activity_date=day,
            status=status,
            figures={"sessions_held": sessions_held},
        )
    for number, status in ((10, "verified"), (5, "submitted")):
        await make_report(
            session,
            unit_code="BPTTH",
            task_code="I.1",
            figures={"news_items": number},
            status=status,
        )


async def test_the_digest_picture_has_every_measured_target_and_the_communes(
    session: AsyncSession, texts: Texts, tmp_path: Path
) -> None:
    await _reports(session)
    values = await digest_chart_values(session, texts=texts, now=NOW, tz=TZ)
    bars = {bar.label: bar for bar in values.progress}
    news = bars["Tin bài trên phương tiện thông tin đại chúng"]
    # Target: about 50 a year; 10 verified and 5 pending: 20 % and 10 %.
    assert (news.verified, news.pending, news.note) == (20.0, 10.0, "10+5/50")
    communes = bars["Xã, phường được tuyên truyền, phổ biến kiến thức"]
    assert communes.note == "1+1/69"
    assert "Doanh nghiệp các ngành sản xuất chủ yếu được phổ biến" not in bars  # empty registry
    # November 2026 (15/10-14/11): each commune owes IV.9 and I.5; the two reporting ones
    # sent one of the two (50 %), the others none.
    shares = {bar.label: bar.percent for bar in values.shares}
    assert len(shares) == 69
    assert shares["Thành Sen"] == shares["Trần Phú"] == 50.0
    assert sorted(shares.values())[:67] == [0.0] * 67
    assert values.threshold == COMPLETENESS_GOAL
    assert "tháng 11/2026" in values.shares_title
    files = ChartFiles(tmp_path / "charts", CONTENT_DIR / "fonts" / "DejaVuSans.ttf")
    path = await draw(values, files=files, stem="digest-2026-11-25")
    width, height = png_size(path.read_bytes())
    assert width == 1000
    assert height > 1200  # a bar per commune
    assert path.stat().st_mode & 0o077 == 0
    again = await draw(values, files=files, stem="digest-2026-11-25")
    assert again == path
    assert len(list(files.directory.iterdir())) == 1


async def test_the_heatmap_has_a_row_per_commune_and_a_column_per_month(
    session: AsyncSession, texts: Texts, tmp_path: Path
) -> None:
    await _reports(session)
    values = await heatmap_values(session, texts=texts, now=NOW, tz=TZ)
    # Reporting year 2026 (15/12/2025-14/12/2026); on 25/11 twelve months have started.
    assert values.columns == [f"T{n}" for n in range(1, 13)]
    assert len(values.rows) == 69
    for task in ("IV.9", "I.5"):
        report = await make_report(
            session, unit_code="18115", task_code=task, activity_date=date(2026, 11, 12)
        )
        report.created_at = datetime(2026, 11, 12, 3, 0, tzinfo=UTC)
    await session.flush()
    values = await heatmap_values(session, texts=texts, now=NOW, tz=TZ)
    row = values.cells[values.rows.index("Thành Sen")]
    assert row[10] == "missing"  # November: IV.9 sent, I.5 not: the worst of the two shows
    assert row[11] == "not_due"
    assert values.cells[values.rows.index("Bắc Hồng Lĩnh")][10] == "on_time"
    assert set(values.cells[values.rows.index("Cẩm Xuyên")][:11]) == {"missing"}
    files = ChartFiles(tmp_path, CONTENT_DIR / "fonts" / "DejaVuSans.ttf")
    path = await draw(values, files=files, stem="heatmap")
    assert png_size(path.read_bytes())[1] > 69 * 15
