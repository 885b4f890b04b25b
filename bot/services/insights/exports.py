"""Excel export for coordinators: reports, targets, completeness per period and units.

Made for an office worker: Vietnamese headers; every report on one sheet (its figures in words)
and a sheet per task with a column per question of the task (numbers as numbers, choices by
their label); who sent and who reviewed; targets by name; a sheet per quarter with every
unit's completeness; columns as wide as their text. The figures are read
first; the workbook is laid out in a worker thread (`workbooks.py`). A new sheet is a new
`Page` of `build_workbook`, its rows read by `collect_sheets`.
"""

import asyncio
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.content.report_specs import Question, parse_reporting
from bot.services.core.access import Role, require_role
from bot.services.insights.completeness import Completeness, measure
from bot.services.insights.kpis import TargetFigure, list_target_figures
from bot.services.organisations import overview as org_overview
from bot.services.plan.tasks import get_plan_info
from db.models import PlanTask, Registry, Report, ReportFigure, Unit, User

STATUS_NAMES = {
    "submitted": "Chờ xác minh",
    "verified": "Đã xác minh",
    "rejected": "Bị từ chối",
    "withdrawn": "Đã rút lại",
}
REPORT_HEADERS_BEFORE = ("Số", "Ngày hoạt động", "Đơn vị", "Mã đơn vị", "Nhiệm vụ", "Trạng thái")
REPORT_HEADERS_AFTER = (
    "Số liệu",
    "Mô tả",
    "Người gửi",
    "Gửi lúc",
    "Người xác minh",
    "Xác minh lúc",
    "Lý do từ chối",
)
TARGET_HEADERS = (
    "Chỉ tiêu",
    "Đã xác minh",
    "Chờ xác minh",
    "Trên tổng",
    "Tỷ lệ đã xác minh (%)",
    "Mục tiêu (theo Kế hoạch)",
    "Ghi chú",
    "Đơn vị khác báo cáo (không cộng)",
)
COMPLETENESS_HEADERS = (
    "Đơn vị",
    "Mã",
    "Loại",
    "Có cán bộ đầu mối",
    "Phải gửi",
    "Đã gửi",
    "Đúng hạn",
    "Muộn",
    "Chưa gửi",
    "Chưa đến hạn",
    "Tỷ lệ đầy đủ (%)",
    "Tỷ lệ đúng hạn (%)",
    "Nhiệm vụ chưa gửi",
)
UNIT_HEADERS = ("Mã", "Loại", "Tên", "Tên cũ")
PRIVACY_NOTE = (
    "Tệp có thông tin cá nhân (tên người gửi, người xác minh): chỉ dùng cho công việc, "
    "không chia sẻ rộng (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15)."
)
QUARTER_NAMES = ("I", "II", "III", "IV")
# Files written for the chat are sent at once; older ones are only clutter with personal data.
KEEP_FILES = timedelta(hours=1)


@dataclass
class Sheets:
    """Everything the workbook shows, read from the database: plain rows per sheet."""

    reports: list[list[Any]] = field(default_factory=list)
    tasks: list[tuple[str, list[str], list[list[Any]]]] = field(default_factory=list)
    targets: list[list[Any]] = field(default_factory=list)
    periods: list[tuple[str, list[list[Any]]]] = field(default_factory=list)
    units: list[list[Any]] = field(default_factory=list)
    organisations: list[list[Any]] = field(default_factory=list)
    personal: bool = False


async def export_workbook(
    session: AsyncSession, *, year: int, tz: tzinfo = UTC, now: datetime | None = None
) -> bytes:
    """The workbook as bytes: Báo cáo, a sheet per task, Chỉ tiêu, a completeness sheet per
    quarter, Đơn vị, Cơ sở."""
    sheets = await collect_sheets(session, year=year, tz=tz, now=now or datetime.now(UTC))
    return await asyncio.to_thread(build_workbook, sheets)


async def collect_sheets(session: AsyncSession, *, year: int, tz: tzinfo, now: datetime) -> Sheets:
    """Read every sheet's rows (the reporting year `year` for targets and completeness)."""
    plan = await get_plan_info(session)
    year = plan.clamp_year(year)
    sheets = Sheets()
    questions = await _questions(session)
    sheets.reports, sheets.personal = await _report_rows(session, questions, tz)
    sheets.tasks = _task_sheets(sheets.reports, questions)
    figures = await list_target_figures(
        session, year=year, plan_start=plan.start, plan_end=plan.end, tz=tz
    )
    sheets.targets = [_target_row(f) for f in figures]
    today = now.astimezone(tz).date()
    for quarter in plan.periods.between("quarter", *_year_span(plan.periods, year)):
        if quarter.start > today:
            break
        completeness = await measure(session, period=quarter, now=now, tz=tz)
        title = f"Quý {QUARTER_NAMES[quarter.number - 1]}-{quarter.year}"
        sheets.periods.append((title, _completeness_rows(completeness)))
    sheets.units = await _unit_rows(session)
    sheets.organisations = await org_overview.export_rows(session)
    return sheets


def _year_span(periods: Any, year: int) -> tuple[date, date]:
    whole = periods.period("year", year)
    return whole.start, whole.end


def build_workbook(sheets: Sheets) -> bytes:
    """Lay the rows out as an .xlsx file (blocking: call it in a worker thread)."""
    from bot.services.insights import workbooks  # noqa: PLC0415 (openpyxl: at the first export)

    rows = [[*row[:6], row[7], *row[8:]] for row in sheets.reports]
    pages = [
        workbooks.Page(
            "Báo cáo",
            [*REPORT_HEADERS_BEFORE, *REPORT_HEADERS_AFTER],
            rows,
            note=PRIVACY_NOTE if sheets.personal else None,
        ),
        *(workbooks.Page(title, headers, task_rows) for title, headers, task_rows in sheets.tasks),
        workbooks.Page("Chỉ tiêu", TARGET_HEADERS, sheets.targets),
        *(workbooks.Page(title, COMPLETENESS_HEADERS, p_rows) for title, p_rows in sheets.periods),
        workbooks.Page("Đơn vị", UNIT_HEADERS, sheets.units),
        workbooks.Page("Cơ sở", org_overview.EXPORT_HEADERS, sheets.organisations),
    ]
    return workbooks.build(pages)


async def read_for_chat(
    session: AsyncSession, *, actor_role: str, now: datetime, tz: tzinfo
) -> Sheets:
    """What the export of this reporting year shows, for a coordinator to receive in chat
    (`Sheets.personal`: whether it holds personal data). Lay it out with `write_workbook`
    once the transaction is over."""
    require_role(actor_role, Role.COORDINATOR)
    year = (await get_plan_info(session)).reporting_year(now.astimezone(tz).date())
    return await collect_sheets(session, year=year, tz=tz, now=now)


async def write_workbook(sheets: Sheets, *, directory: Path, now: datetime, tz: tzinfo) -> Path:
    """The workbook as a new file for the chat, laid out and written in worker threads."""
    data = await asyncio.to_thread(build_workbook, sheets)
    name = f"{now.astimezone(tz):%Y%m%d-%H%M}-{secrets.token_hex(4)}.xlsx"
    return await asyncio.to_thread(save_file, directory / name, data, now)


def save_file(path: Path, data: bytes, now: datetime) -> Path:
    """Write a file for the chat, readable by the bot's user only (reports name people); drop
    old ones of the same kind. Blocking: call it in a worker thread."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = path.parent.stat()
    if folder.st_uid != os.getuid():
        msg = f"{path.parent} belongs to another user"
        raise PermissionError(msg)
    if folder.st_mode & 0o077:
        path.parent.chmod(0o700)
    for old in path.parent.glob(f"*{path.suffix}"):
        if datetime.fromtimestamp(old.stat().st_mtime, UTC) < now - KEEP_FILES:
            old.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(data)
    return path


async def _questions(session: AsyncSession) -> dict[str, list[Question]]:
    """Each task's questions, in plan order."""
    found = {}
    for code, spec in await session.execute(
        select(PlanTask.code, PlanTask.spec).order_by(PlanTask.position)
    ):
        if "reporting" in spec:
            found[code] = list(parse_reporting(spec["reporting"]).questions)
    return found


# A report row as read: the common columns, then (index 6) its answers by key, then the rest.
ANSWERS = 6


async def _report_rows(
    session: AsyncSession, questions: dict[str, list[Question]], tz: tzinfo
) -> tuple[list[list[Any]], bool]:
    """Every report: common columns, its answers (by key), its figures in words, the rest."""
    answers: dict[int, dict[str, Any]] = {}
    for row in await session.scalars(select(ReportFigure)):
        answers.setdefault(row.report_id, {})[row.key] = (
            row.number if row.choice is None else row.choice
        )
    sender, reviewer = aliased(User), aliased(User)
    rows = await session.execute(
        select(
            Report, Unit.name, Unit.code, PlanTask.code, sender.display_name, reviewer.display_name
        )
        .join(Unit, Unit.id == Report.unit_id)
        .join(PlanTask, PlanTask.id == Report.task_id)
        .outerjoin(sender, sender.id == Report.reporter_id)
        .outerjoin(reviewer, reviewer.id == Report.reviewed_by_id)
        .order_by(Report.id)
    )
    result, personal = [], False
    for report, unit, code, task, sent_by, reviewed_by in rows:
        personal = personal or bool(sent_by or reviewed_by)
        given = answers.get(report.id, {})
        result.append(
            [
                report.id,
                report.activity_date,
                unit,
                code,
                task,
                STATUS_NAMES.get(report.status, report.status),
                given,
                _in_words(questions.get(task, []), given),
                report.description or "",
                sent_by or "",
                _local(report.created_at, tz),
                reviewed_by or "",
                _local(report.reviewed_at, tz),
                report.review_reason if report.status == "rejected" else "",
            ]
        )
    return result, personal


def _in_words(questions: list[Question], given: dict[str, Any]) -> str:
    """A report's answers as one readable line: "Buổi tuyên truyền: 2 buổi; Kênh: Loa"."""
    return "; ".join(
        f"{question.label}: {question.shown(given[question.key])}"
        for question in questions
        if given.get(question.key) is not None
    )


def _task_sheets(
    reports: list[list[Any]], questions: dict[str, list[Question]]
) -> list[tuple[str, list[str], list[list[Any]]]]:
    """A sheet per task that has reports: a column per question of the task."""
    sheets = []
    for code, asked in questions.items():
        mine = [row for row in reports if row[4] == code]
        if not mine:
            continue
        columns = [
            f"{q.label} ({q.unit})" if q.type == "number" and q.unit else q.label for q in asked
        ]
        headers = [*REPORT_HEADERS_BEFORE, *columns, *REPORT_HEADERS_AFTER[1:]]
        rows = [
            [
                *row[:ANSWERS],
                *(
                    row[ANSWERS].get(q.key)
                    if q.type == "number"
                    else _choice(q, row[ANSWERS].get(q.key))
                    for q in asked
                ),
                *row[ANSWERS + 2 :],
            ]
            for row in mine
        ]
        sheets.append((f"NV {code}", headers, rows))
    return sheets


def _choice(question: Question, key: Any) -> str | None:
    return None if key is None else question.choice_label(str(key))


def _local(moment: datetime | None, tz: tzinfo) -> datetime | None:
    """A local time without zone (Excel has none), or None."""
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None


def _target_row(figure: TargetFigure) -> list[Any]:
    verified = figure.verified if figure.verified is not None else figure.current
    share = None
    if figure.kind == "registry_share" and figure.denominator and verified is not None:
        share = round(100.0 * verified / figure.denominator, 1)
    note = {
        "empty": "Chưa có danh sách đơn vị",
        "partial": "Danh sách chưa đầy đủ",
        "provisional": "Danh sách tạm, chưa xác minh",
    }.get(figure.registry or "", "")
    if figure.kind == "registry_share" and figure.current is None and figure.registry != "empty":
        note = "Chưa đo được qua báo cáo"
    goal = figure.threshold_text or (
        f"{figure.target}%" if figure.kind == "registry_share" else figure.target
    )
    if figure.kind == "count_per_year":
        note = note or f"Năm báo cáo {figure.year}"
    return [
        figure.label,
        verified,
        figure.pending,
        figure.denominator,
        share,
        goal,
        note,
        figure.others,
    ]


def _completeness_rows(completeness: Completeness) -> list[list[Any]]:
    rows = []
    for unit in completeness.units:
        tally = unit.tally
        rows.append(
            [
                unit.name,
                unit.code,
                unit.kind,
                "Có" if unit.has_official else "Chưa có",
                tally.expected,
                tally.actual,
                tally.on_time,
                tally.late,
                tally.missing,
                tally.not_due,
                round(tally.completeness, 1) if tally.completeness is not None else None,
                round(tally.timeliness, 1) if tally.timeliness is not None else None,
                ", ".join(unit.missing_tasks),
            ]
        )
    return rows


async def _unit_rows(session: AsyncSession) -> list[list[Any]]:
    labels = {r.kind: r.label for r in await session.scalars(select(Registry))}
    units = await session.scalars(select(Unit).where(Unit.active).order_by(Unit.kind, Unit.code))
    return [[u.code, labels.get(u.kind, u.kind), u.name, "; ".join(u.former_names)] for u in units]
