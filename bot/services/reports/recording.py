"""Progress reports: who may report what, recording a checked draft, reading reports back."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.report_specs import Reporting, parse_reporting
from bot.services.core import audit
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.people.users import UserView
from bot.services.reports.counting import COUNTED_STATUSES
from db.models import (
    PlanTask,
    Report,
    ReportAttachment,
    ReportFigure,
    ReportRevision,
    ReportStatus,
    TaskUnit,
    Unit,
)

EDIT_WINDOW = timedelta(days=7)
MAX_PHOTOS = 10


@dataclass(frozen=True)
class ReportableTask:
    """A task the user's unit reports, with its questions."""

    id: int
    code: str
    name: str
    reporting: Reporting


@dataclass(frozen=True)
class Draft:
    """A report as collected in the conversation, before it is recorded."""

    task_code: str
    activity_date: date
    answers: dict[str, Any]
    description: str | None = None
    photos: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportView:
    """A recorded report as shown to officials and coordinators."""

    id: int
    unit_name: str
    task_code: str
    task_name: str
    activity_date: date
    figures: list[tuple[str, str]]
    description: str | None
    photos: int
    status: str
    review_reason: str | None
    reporter_id: int | None
    created_at: datetime
    can_change: bool = field(default=False)


async def reportable_tasks(session: AsyncSession, user: UserView) -> list[ReportableTask]:
    """Tasks (and duties) the official's unit reports, in plan order."""
    require_role(user.role, Role.OFFICIAL, Role.COORDINATOR)
    if user.unit_id is None:
        raise PermissionDenied("report/no_unit")
    leads = set(
        await session.scalars(
            select(TaskUnit.task_id).where(
                TaskUnit.unit_id == user.unit_id, TaskUnit.role == "lead"
            )
        )
    )
    partners = set(
        await session.scalars(
            select(TaskUnit.task_id).where(
                TaskUnit.unit_id == user.unit_id, TaskUnit.role == "partner"
            )
        )
    )
    result = []
    for task in await session.scalars(
        select(PlanTask).order_by(PlanTask.kind.desc(), PlanTask.position)
    ):
        if "reporting" not in task.spec:
            continue
        reporting = parse_reporting(task.spec["reporting"])
        who = set(reporting.who)
        if (
            user.unit_kind in who
            or ("leads" in who and task.id in leads)
            or ("partners" in who and task.id in partners)
        ):
            result.append(ReportableTask(task.id, task.code, task.name, reporting))
    return result


async def reportable_task(session: AsyncSession, user: UserView, code: str) -> ReportableTask:
    """One task the user may report; refused when their unit does not report it."""
    for task in await reportable_tasks(session, user):
        if task.code == code:
            return task
    raise PermissionDenied("report/not_your_task", {"code": code})


def check_answers(task: ReportableTask, answers: dict[str, Any]) -> dict[str, Any]:
    """Every question answered within its range or choices (checked again at recording)."""
    for question in task.reporting.questions:
        value = answers.get(question.key)
        if question.type == "number":
            ok = isinstance(value, int | float) and question.min <= value <= question.max
        else:
            ok = value in {c.key for c in question.choices}
        if not ok:
            raise InvalidInput("report/incomplete", {"label": question.label})
    return {q.key: answers[q.key] for q in task.reporting.questions}


async def record_report(
    session: AsyncSession, *, user: UserView, draft: Draft, channel: str, now: datetime
) -> int:
    """Store a checked report for the user's unit; returns its number."""
    task = await reportable_task(session, user, draft.task_code)
    answers = check_answers(task, draft.answers)
    assert user.unit_id is not None  # noqa: S101 (reportable_task refused units-less users)
    report = Report(
        unit_id=user.unit_id,
        task_id=task.id,
        reporter_id=user.id,
        activity_date=draft.activity_date,
        description=draft.description,
        status=ReportStatus.SUBMITTED,
        channel=channel,
        created_at=now,
        updated_at=now,
    )
    session.add(report)
    await session.flush()
    set_figures(session, report.id, task, answers)
    for ref in draft.photos[:MAX_PHOTOS]:
        session.add(
            ReportAttachment(report_id=report.id, channel=channel, file_ref=ref, created_at=now)
        )
    session.add(
        ReportRevision(report_id=report.id, at=now, actor_id=user.id, action="created", before={})
    )
    await audit.record(
        session, actor_id=user.id, action="report.created", subject=f"report:{report.id}"
    )
    return report.id


def set_figures(
    session: AsyncSession, report_id: int, task: ReportableTask, answers: dict[str, Any]
) -> None:
    """Add one figure row per question of the task, from checked answers."""
    for question in task.reporting.questions:
        value = answers[question.key]
        if question.type == "number":
            session.add(ReportFigure(report_id=report_id, key=question.key, number=float(value)))
        else:
            session.add(ReportFigure(report_id=report_id, key=question.key, choice=str(value)))


async def load_report(
    session: AsyncSession, *, user: UserView, report_id: int, now: datetime
) -> ReportView:
    """A report the user may see: their unit's, or any for coordinators."""
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound("report/not_found", {"id": report_id})
    if user.role != Role.COORDINATOR and report.unit_id != user.unit_id:
        raise PermissionDenied("report/not_your_unit")
    [view] = await views(session, [report], user=user, now=now)
    return view


async def list_recent(
    session: AsyncSession, *, user: UserView, now: datetime, limit: int = 8
) -> list[ReportView]:
    """The latest reports of the user's unit (coordinators: of every unit)."""
    require_role(user.role, Role.OFFICIAL, Role.COORDINATOR)
    query = select(Report).order_by(Report.id.desc()).limit(limit)
    if user.role != Role.COORDINATOR:
        query = query.where(Report.unit_id == user.unit_id)
    return await views(session, list(await session.scalars(query)), user=user, now=now)


def can_change(report: Report, *, user: UserView, now: datetime) -> bool:
    """Own reports, not withdrawn or rejected, within 7 days of being sent."""
    return (
        report.reporter_id == user.id
        and report.status in COUNTED_STATUSES
        and now - report.created_at <= EDIT_WINDOW
    )


async def views(
    session: AsyncSession, reports: list[Report], *, user: UserView, now: datetime
) -> list[ReportView]:
    """The reports as shown, in their order: three queries however many there are (their
    tasks and units, their figures, their photo counts)."""
    ids = [r.id for r in reports]
    if not ids:
        return []
    names = {
        report_id: (task, unit_name)
        for report_id, task, unit_name in await session.execute(
            select(Report.id, PlanTask, Unit.name)
            .join(PlanTask, PlanTask.id == Report.task_id)
            .join(Unit, Unit.id == Report.unit_id)
            .where(Report.id.in_(ids))
        )
    }
    figures: dict[int, dict[str, ReportFigure]] = {i: {} for i in ids}
    for figure in await session.scalars(
        select(ReportFigure).where(ReportFigure.report_id.in_(ids))
    ):
        figures[figure.report_id][figure.key] = figure
    counts = await session.execute(
        select(ReportAttachment.report_id, func.count())
        .where(ReportAttachment.report_id.in_(ids))
        .group_by(ReportAttachment.report_id)
    )
    photos: dict[int, int] = dict(counts.all())
    result = []
    for report in reports:
        task, unit_name = names[report.id]
        result.append(
            ReportView(
                report.id,
                unit_name,
                task.code,
                task.name,
                report.activity_date,
                _shown_figures(task, figures[report.id]),
                report.description,
                photos.get(report.id, 0),
                report.status,
                report.review_reason,
                report.reporter_id,
                report.created_at,
                can_change(report, user=user, now=now),
            )
        )
    return result


def _shown_figures(task: PlanTask, rows: dict[str, ReportFigure]) -> list[tuple[str, str]]:
    """The figures in the order of the task's questions, as words."""
    reporting = parse_reporting(task.spec["reporting"]) if "reporting" in task.spec else None
    figures = []
    for question in reporting.questions if reporting else ():
        row = rows.get(question.key)
        if row is not None:
            figures.append((question.label, question.shown(row.choice or row.number)))
    return figures


def _answer(figure: ReportFigure) -> float:
    """A stored figure back as typed: 3 stays 3, a money figure keeps its decimals (2.5)."""
    number = figure.number or 0
    return int(number) if float(number).is_integer() else number


async def load_draft(
    session: AsyncSession, *, user: UserView, report_id: int, now: datetime
) -> Draft:
    """One's own recent report as a draft, to be corrected in the report flow."""
    report = await session.get(Report, report_id)
    if report is None or not can_change(report, user=user, now=now):
        raise InvalidInput("report/cannot_change", {"id": report_id})
    task = await session.get(PlanTask, report.task_id)
    assert task is not None  # noqa: S101 (foreign key)
    figures = await session.scalars(select(ReportFigure).where(ReportFigure.report_id == report.id))
    answers: dict[str, Any] = {
        f.key: f.choice if f.choice is not None else _answer(f) for f in figures
    }
    photos = await session.scalars(
        select(ReportAttachment.file_ref)
        .where(ReportAttachment.report_id == report.id)
        .order_by(ReportAttachment.id)
    )
    return Draft(task.code, report.activity_date, answers, report.description, tuple(photos))
