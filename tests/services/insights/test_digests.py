from datetime import UTC, date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.errors import PermissionDenied
from bot.services.core.texts import Texts
from bot.services.insights.digests import build_digest, list_silent, week_before
from bot.services.insights.exports import export_workbook
from bot.services.insights.status import task_status, unit_status
from db.models import Unit
from tests.factories import make_report, unit_by_code

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 08:00 in Hà Tĩnh


async def _report(session: AsyncSession, unit: str, when: datetime, **values: object) -> None:
    report = await make_report(session, unit_code=unit, task_code="IV.9", **values)  # type: ignore[arg-type]
    report.created_at = when
    await session.flush()


async def test_the_weekly_digest_matches_direct_sql(session: AsyncSession, texts: Texts) -> None:
    await _report(
        session, "18073", datetime(2026, 11, 17, 3, tzinfo=UTC), figures={"sessions_held": 2}
    )
    await _report(session, "18073", datetime(2026, 11, 20, 3, tzinfo=UTC))
    await _report(
        session, "18100", datetime(2026, 11, 22, 17, 30, tzinfo=UTC)
    )  # Monday 00:30 local: next week
    await _report(session, "18115", datetime(2026, 11, 10, 3, tzinfo=UTC))
    start, end = week_before(MONDAY, TZ)
    assert (start, end) == (date(2026, 11, 16), date(2026, 11, 22))
    digest = await build_digest(session, start=start, end=end, now=MONDAY, tz=TZ)
    expected = (
        await session.execute(
            text(
                "select count(*), count(distinct unit_id) from reports "
                "where created_at >= :first and created_at < :last"
            ),
            {
                "first": datetime(2026, 11, 15, 17, tzinfo=UTC),
                "last": datetime(2026, 11, 22, 17, tzinfo=UTC),
            },
        )
    ).one()
    assert (digest.reports, digest.units_reporting) == tuple(expected) == (2, 1)
    communes = (
        await session.scalar(
            select(func.count()).select_from(Unit).where(Unit.kind.in_(["commune", "ward"]))
        )
        or 0
    )
    assert digest.silent_total == communes - 3
    rendered = texts.render("digest/weekly", d=digest)
    assert "Từ 16/11/2026 đến 22/11/2026" in rendered
    assert "Báo cáo nhận được: 2 (từ 1 đơn vị)" in rendered
    assert f"CHƯA BÁO CÁO TRONG 30 NGÀY: {communes - 3}" in rendered


async def test_silent_communes_ignore_rejected_reports(session: AsyncSession) -> None:
    await _report(session, "18073", datetime(2026, 11, 20, tzinfo=UTC), status="rejected")
    assert "Thành Sen" in await list_silent(session, now=MONDAY, tz=TZ)


async def test_task_and_unit_status(session: AsyncSession) -> None:
    await _report(
        session, "18073", datetime(2026, 11, 20, tzinfo=UTC), figures={"sessions_held": 2}
    )
    await _report(
        session, "18073", datetime(2026, 11, 21, tzinfo=UTC), figures={"sessions_held": 3}
    )
    task = await task_status(session, actor_role="coordinator", code="iv.9", year=2026)
    assert (task.reports, task.units) == (2, 1)
    assert ("Buổi tuyên truyền", "5 buổi") in task.totals or any(
        v == "5 buổi" for _, v in task.totals
    )
    unit = await unit_status(
        session,
        actor_role="coordinator",
        unit_id=(await unit_by_code(session, "18073")).id,
        year=2026,
    )
    assert unit.by_task == [("IV.9", 2)]
    with pytest.raises(PermissionDenied):
        await task_status(session, actor_role="official", code="IV.9", year=2026)


async def test_the_excel_export_has_real_dates_numbers_and_text_never_formulas(
    session: AsyncSession,
) -> None:
    report = await make_report(
        session, unit_code="18073", task_code="IV.9", figures={"sessions_held": 2}
    )
    report.description = '=HYPERLINK("http://evil","bấm")'
    await session.flush()
    book = load_workbook(BytesIO(await export_workbook(session, year=2026)))
    assert book.sheetnames == ["Báo cáo", "Chỉ tiêu", "Đơn vị", "Cơ sở"]
    sheet = book["Báo cáo"]
    assert sheet["A1"].value == "Số"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:I2"
    assert sheet["B2"].is_date
    assert sheet["A2"].value == report.id
    assert sheet["H2"].data_type == "s"
    assert sheet["H2"].value.startswith("=HYPERLINK")
    targets = {row[0].value: row for row in book["Chỉ tiêu"].iter_rows(min_row=2)}
    assert targets["communes_reached"][2].value == 1
    assert targets["schools_reached"][6].value == "Chưa có danh sách đơn vị"
    assert book["Đơn vị"].max_row > 69


async def test_the_export_drops_control_characters_stored_before_they_were_refused(
    session: AsyncSession,
) -> None:
    report = await make_report(session, unit_code="18562", task_code="IV.9")
    report.description = "Họp\x07 dân\x1b thôn"
    await session.flush()
    book = load_workbook(BytesIO(await export_workbook(session, year=2026)))
    assert book["Báo cáo"]["H2"].value == "Họp dân thôn"
