"""Status on demand for coordinators: one task, or one unit, this year."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.report_specs import parse_reporting
from bot.services.core.access import Role, require_role
from bot.services.core.errors import NotFound
from bot.services.reports.counting import is_counted
from db.models import PlanTask, Report, ReportFigure, Unit, User


@dataclass(frozen=True)
class TaskStatus:
    """Where a task stands this year."""

    code: str
    name: str
    year: int
    reports: int
    units: int
    totals: list[tuple[str, str]]
    last: date | None


@dataclass(frozen=True)
class UnitStatus:
    """Where a unit stands this year."""

    name: str
    kind: str
    year: int
    by_task: list[tuple[str, int]]
    last: date | None
    officials: int


async def task_status(
    session: AsyncSession, *, actor_role: str, code: str, year: int
) -> TaskStatus:
    """Counted reports of a task this year, units reporting, and its number figures summed."""
    require_role(actor_role, Role.COORDINATOR)
    task = await session.scalar(select(PlanTask).where(func.upper(PlanTask.code) == code.upper()))
    if task is None:
        raise NotFound("status/no_task", {"code": code})
    counted = (
        Report.task_id == task.id,
        is_counted(),
        Report.activity_date.between(date(year, 1, 1), date(year, 12, 31)),
    )
    reports, units, last = (
        await session.execute(
            select(
                func.count(),
                func.count(func.distinct(Report.unit_id)),
                func.max(Report.activity_date),
            ).where(*counted)
        )
    ).one()
    sums = dict(
        (
            await session.execute(
                select(ReportFigure.key, func.sum(ReportFigure.number))
                .join(Report, Report.id == ReportFigure.report_id)
                .where(*counted, ReportFigure.number.is_not(None))
                .group_by(ReportFigure.key)
            )
        ).all()
    )
    totals = []
    if "reporting" in task.spec:
        for question in parse_reporting(task.spec["reporting"]).questions:
            if question.type == "number":
                totals.append((question.label, question.shown(sums.get(question.key))))
    return TaskStatus(task.code, task.name, year, reports, units, totals, last)


async def unit_status(
    session: AsyncSession, *, actor_role: str, unit_id: int, year: int
) -> UnitStatus:
    """Counted reports of a unit this year by task, its last activity and its officials."""
    require_role(actor_role, Role.COORDINATOR)
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("status/no_unit", {"typed": str(unit_id)})
    rows = await session.execute(
        select(PlanTask.code, func.count(), func.max(Report.activity_date))
        .join(PlanTask, PlanTask.id == Report.task_id)
        .where(
            Report.unit_id == unit.id,
            is_counted(),
            Report.activity_date.between(date(year, 1, 1), date(year, 12, 31)),
        )
        .group_by(PlanTask.code)
        .order_by(PlanTask.code)
    )
    by_task, last = [], None
    for code, count, latest in rows:
        by_task.append((code, count))
        last = max(last, latest) if last else latest
    officials = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.unit_id == unit.id, User.role == Role.OFFICIAL)
    )
    return UnitStatus(unit.name, unit.kind, year, by_task, last, officials or 0)
