"""Excel export for coordinators: reports, targets and units, with Vietnamese headers."""

import asyncio
import os
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.report_specs import Reporting, parse_reporting
from bot.services.core.access import Role, require_role
from bot.services.core.wording import format_number
from bot.services.insights.kpis import TargetFigure, list_target_figures
from bot.services.organisations import overview as org_overview
from bot.services.plan.tasks import get_plan_info
from db.models import PlanTask, Registry, Report, ReportFigure, Unit

STATUS_NAMES = {
    "submitted": "Chờ xác minh",
    "verified": "Đã xác minh",
    "rejected": "Bị từ chối",
    "withdrawn": "Đã rút lại",
}
REPORT_HEADERS = (
    "Số",
    "Ngày hoạt động",
    "Đơn vị",
    "Mã đơn vị",
    "Nhiệm vụ",
    "Trạng thái",
    "Số liệu",
    "Mô tả",
    "Ngày gửi",
)
TARGET_HEADERS = (
    "Mã",
    "Chỉ tiêu",
    "Hiện đạt",
    "Trên tổng",
    "Tỷ lệ (%)",
    "Mục tiêu (theo Kế hoạch)",
    "Ghi chú",
    "Đơn vị khác báo cáo (không cộng)",
)
UNIT_HEADERS = ("Mã", "Loại", "Tên", "Tên cũ")
# Files written for the chat are sent at once; older ones are only clutter with personal data.
KEEP_FILES = timedelta(hours=1)


async def export_workbook(session: AsyncSession, *, year: int, tz: tzinfo = UTC) -> bytes:
    """The workbook as bytes (sheets Báo cáo, Chỉ tiêu, Đơn vị)."""
    book = Workbook()
    reports = book.active
    assert reports is not None  # noqa: S101 (a new workbook has one sheet)
    reports.title = "Báo cáo"
    _fill(reports, REPORT_HEADERS, await _report_rows(session))
    plan = await get_plan_info(session)
    figures = await list_target_figures(
        session, year=plan.clamp_year(year), plan_start=plan.start, plan_end=plan.end, tz=tz
    )
    _fill(book.create_sheet("Chỉ tiêu"), TARGET_HEADERS, [_target_row(f) for f in figures])
    _fill(book.create_sheet("Đơn vị"), UNIT_HEADERS, await _unit_rows(session))
    await add_organisations_sheet(session, book)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def write_for_chat(
    session: AsyncSession, *, actor_role: str, directory: Path, now: datetime, tz: tzinfo
) -> Path:
    """The export (this year's figures) as a new file for a coordinator to receive in chat."""
    require_role(actor_role, Role.COORDINATOR)
    local = now.astimezone(tz)
    data = await export_workbook(session, year=local.year, tz=tz)
    name = f"{local:%Y%m%d-%H%M}-{secrets.token_hex(4)}.xlsx"
    return await asyncio.to_thread(_save, directory / name, data, now)


def _save(path: Path, data: bytes, now: datetime) -> Path:
    """Write the file readable by the bot's user only (reports name people); drop old ones."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = path.parent.stat()
    if folder.st_uid != os.getuid():
        msg = f"{path.parent} belongs to another user"
        raise PermissionError(msg)
    if folder.st_mode & 0o077:
        path.parent.chmod(0o700)
    for old in path.parent.glob("*.xlsx"):
        if datetime.fromtimestamp(old.stat().st_mtime, UTC) < now - KEEP_FILES:
            old.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(data)
    return path


async def _report_rows(session: AsyncSession) -> list[list[Any]]:
    asked = {
        task_id: parse_reporting(spec["reporting"])
        for task_id, spec in await session.execute(select(PlanTask.id, PlanTask.spec))
        if "reporting" in spec
    }
    figures: dict[int, list[str]] = {}
    numbered = (
        await session.execute(
            select(ReportFigure, Report.task_id)
            .join(Report, Report.id == ReportFigure.report_id)
            .order_by(ReportFigure.report_id)
        )
    ).all()
    for row, task_id in numbered:
        figures.setdefault(row.report_id, []).append(_figure_text(asked.get(task_id), row))
    rows = await session.execute(
        select(Report, Unit.name, Unit.code, PlanTask.code)
        .join(Unit, Unit.id == Report.unit_id)
        .join(PlanTask, PlanTask.id == Report.task_id)
        .order_by(Report.id)
    )
    return [
        [
            r.id,
            r.activity_date,
            unit,
            code,
            task,
            STATUS_NAMES.get(r.status, r.status),
            "; ".join(figures.get(r.id, [])),
            r.description or "",
            r.created_at.date(),
        ]
        for r, unit, code, task in rows
    ]


def _figure_text(reporting: Reporting | None, row: ReportFigure) -> str:
    """'Tin bài, phóng sự: 3 tin bài', as the report's question labels and numbers read."""
    question = reporting.question(row.key) if reporting else None
    if question is None:  # a question since removed from plan.yaml: its key, the raw value
        return f"{row.key}: {row.choice or format_number(row.number or 0)}"
    return f"{question.label}: {question.shown(row.choice or row.number)}"


def _target_row(figure: TargetFigure) -> list[Any]:
    share = round(figure.share, 1) if figure.share is not None else None
    note = {"empty": "Chưa có danh sách đơn vị", "partial": "Danh sách chưa đầy đủ"}.get(
        figure.registry or "", ""
    )
    if figure.kind == "registry_share" and figure.current is None and figure.registry != "empty":
        note = "Chưa đo được qua báo cáo"
    return [
        figure.code,
        figure.label,
        figure.current,
        figure.denominator,
        share,
        figure.threshold_text,
        note,
        figure.others,
    ]


async def _unit_rows(session: AsyncSession) -> list[list[Any]]:
    labels = {r.kind: r.label for r in await session.scalars(select(Registry))}
    units = await session.scalars(select(Unit).where(Unit.active).order_by(Unit.kind, Unit.code))
    return [[u.code, labels.get(u.kind, u.kind), u.name, "; ".join(u.former_names)] for u in units]


def _fill(sheet: Worksheet, headers: Sequence[str], rows: list[list[Any]]) -> None:
    """Header row frozen and filtered; text written as text so '=…' is never a formula."""
    sheet.append(list(headers))
    for values in rows:
        sheet.append([None] * len(values))
        for column, value in enumerate(values, start=1):
            _write(sheet.cell(row=sheet.max_row, column=column), value)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(sheet.max_row, 1)}"
    for column in range(1, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 18


def _write(cell: Cell, value: Any) -> None:
    if isinstance(value, str):  # control characters stored before they were refused at input
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # user text such as "=HYPERLINK(…)" stays text
    elif isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"


async def add_organisations_sheet(session: AsyncSession, book: Workbook) -> None:
    """Sheet "Cơ sở": establishments, zones, craft villages, enterprises; commitments, roadmaps."""
    _fill(
        book.create_sheet("Cơ sở"),
        org_overview.EXPORT_HEADERS,
        await org_overview.export_rows(session),
    )
