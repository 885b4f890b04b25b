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
from db.models import ReportFigure, Unit
from tests.factories import make_report, make_user, unit_by_code

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
    assert (task.reports, task.verified, task.units) == (2, 0, 1)
    assert ("Buổi tuyên truyền", 0, 5, "buổi") in task.totals
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
    official = await make_user(session, chat_id="61", role="official", unit_code="18073")
    reviewer = await make_user(
        session, chat_id="62", role="coordinator", display_name="Lê Thị B", unit_code="SCT"
    )
    report = await make_report(
        session, unit_code="18073", task_code="IV.9", figures={"sessions_held": 2}
    )
    session.add(ReportFigure(report_id=report.id, key="outreach_channel", choice="meeting"))
    report.reporter_id, report.reviewed_by_id = official.id, reviewer.id
    report.status, report.review_reason = "rejected", "Thiếu ảnh"
    report.reviewed_at = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    report.description = '=HYPERLINK("http://evil","bấm")'
    verified = await make_report(session, unit_code="18100", task_code="IV.9", status="verified")
    await session.flush()
    now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    book = load_workbook(BytesIO(await export_workbook(session, year=2026, tz=TZ, now=now)))
    assert book.sheetnames == [
        "Báo cáo",
        "NV IV.9",
        "Chỉ tiêu",
        "Quý I-2026",
        "Quý II-2026",
        "Quý III-2026",
        "Quý IV-2026",
        "Đơn vị",
        "Cơ sở",
    ]
    every = book["Báo cáo"]
    assert every["G1"].value == "Số liệu"
    assert every["G2"].value == "Buổi tuyên truyền: 2 buổi; Kênh: Hội nghị, họp dân"
    assert "thông tin cá nhân" in str(every.cell(row=every.max_row, column=1).value)
    sheet = book["NV IV.9"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:6] == ["Số", "Ngày hoạt động", "Đơn vị", "Mã đơn vị", "Nhiệm vụ", "Trạng thái"]
    assert headers[6:9] == ["Buổi tuyên truyền (buổi)", "Người tham dự (người)", "Kênh"]
    assert headers[-6:] == [
        "Mô tả",
        "Người gửi",
        "Gửi lúc",
        "Người xác minh",
        "Xác minh lúc",
        "Lý do từ chối",
    ]
    row = dict(zip(headers, sheet[2], strict=False))
    assert row["Số"].value == report.id
    assert row["Ngày hoạt động"].is_date
    assert row["Buổi tuyên truyền (buổi)"].value == 2
    assert row["Buổi tuyên truyền (buổi)"].data_type == "n"
    assert row["Kênh"].value == "Hội nghị, họp dân"
    assert row["Trạng thái"].value == "Bị từ chối"
    assert (row["Người gửi"].value, row["Người xác minh"].value) == ("Nguyễn Văn A", "Lê Thị B")
    assert row["Xác minh lúc"].value == datetime(2026, 11, 20, 10, 0)  # noqa: DTZ001 (Hà Tĩnh time, as Excel shows it)
    assert row["Lý do từ chối"].value == "Thiếu ảnh"
    assert row["Mô tả"].data_type == "s"
    assert row["Mô tả"].value.startswith("=HYPERLINK")
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width >= len("Thành Sen")
    targets = {row[0].value: row for row in book["Chỉ tiêu"].iter_rows(min_row=2)}
    communes = targets["Xã, phường được tuyên truyền, phổ biến kiến thức"]
    assert (communes[1].value, communes[2].value, communes[3].value) == (1, 0, 69)
    assert (
        targets["Trường THPT được tuyên truyền, nâng cao nhận thức"][6].value
        == "Danh sách tạm, chưa xác minh"
    )
    assert (
        targets["Doanh nghiệp các ngành sản xuất chủ yếu được phổ biến"][6].value
        == "Chưa có danh sách đơn vị"
    )
    quarter = {row[1].value: row for row in book["Quý IV-2026"].iter_rows(min_row=2)}
    thanh_sen = [cell.value for cell in quarter["18073"]]
    # Quý IV: 15/9-14/12; months due on 25/11: September's? no: October and November; the
    # rejected report does not count, so IV.9 and I.5 are both missing for both months.
    assert thanh_sen[4:10] == [6, 0, 0, 0, 4, 2]
    assert [cell.value for cell in quarter["18100"]][5] == 1
    assert verified.id
    assert book["Đơn vị"].max_row > 69


async def test_without_names_the_export_has_no_privacy_note(session: AsyncSession) -> None:
    await make_report(session, unit_code="18073", task_code="IV.9")
    book = load_workbook(BytesIO(await export_workbook(session, year=2026)))
    sheet = book["Báo cáo"]
    assert all("thông tin cá nhân" not in str(c.value) for row in sheet.iter_rows() for c in row)


async def test_the_export_drops_control_characters_stored_before_they_were_refused(
    session: AsyncSession,
) -> None:
    report = await make_report(session, unit_code="18562", task_code="IV.9")
    report.description = "Họp\x07 dân\x1b thôn"
    await session.flush()
    book = load_workbook(BytesIO(await export_workbook(session, year=2026)))
    assert book["Báo cáo"]["H2"].value == "Họp dân thôn"
