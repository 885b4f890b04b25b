"""Status on demand for coordinators: one task, or one unit, this reporting year."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.report_specs import parse_reporting
from bot.services.core.access import Role, require_role
from bot.services.core.errors import NotFound
from bot.services.plan.tasks import get_plan_info
from bot.services.reports.counting import RECEIVED, is_counted, is_verified
from db.models import PlanTask, Report, ReportFigure, Unit, User


@dataclass(frozen=True)
class TaskStatus:
    """Where a task stands this reporting year: reports received (and how many verified),
    units, and each number figure from verified reports and from those still pending."""

    code: str
    name: str
    year: int
    reports: int
    units: int
    totals: list[tuple[str, float, float, str]]  # label, verified, pending, unit
    last: date | None
    verified: int = 0
    start: date | None = None
    end: date | None = None
    counts_pending: bool = False


@dataclass(frozen=True)
class UnitStatus:
    """Where a unit stands this reporting year (reports received, by task)."""

    name: str
    kind: str
    year: int
    by_task: list[tuple[str, int]]
    last: date | None
    officials: int


async def task_status(
    session: AsyncSession, *, actor_role: str, code: str, year: int
) -> TaskStatus:
    """Reports of a task this reporting year, units reporting, its number figures summed."""
    require_role(actor_role, Role.COORDINATOR)
    task = await session.scalar(select(PlanTask).where(func.upper(PlanTask.code) == code.upper()))
    if task is None:
        raise NotFound("status/no_task", {"code": code})
    plan = await get_plan_info(session)
    period = plan.periods.period("year", year)
    counted = (
        Report.task_id == task.id,
        is_counted(RECEIVED),
        Report.activity_date.between(period.start, period.end),
    )
    reports, verified, units, last = (
        await session.execute(
            select(
                func.count(),
                func.count(case((is_verified(), 1))),
                func.count(func.distinct(Report.unit_id)),
                func.max(Report.activity_date),
            ).where(*counted)
        )
    ).one()
    sums = {
        key: (done or 0, (received or 0) - (done or 0))
        for key, done, received in await session.execute(
            select(
                ReportFigure.key,
                func.sum(case((is_verified(), ReportFigure.number), else_=0)),
                func.sum(ReportFigure.number),
            )
            .join(Report, Report.id == ReportFigure.report_id)
            .where(*counted, ReportFigure.number.is_not(None))
            .group_by(ReportFigure.key)
        )
    }
    totals = []
    if "reporting" in task.spec:
        for question in parse_reporting(task.spec["reporting"]).questions:
            if question.type == "number":
                done, waiting = sums.get(question.key, (0, 0))
                totals.append((question.label, done, waiting, question.unit or ""))
    return TaskStatus(
        task.code,
        task.name,
        year,
        reports,
        units,
        totals,
        last,
        verified,
        period.start,
        period.end,
        plan.pending_counts,
    )


async def unit_status(
    session: AsyncSession, *, actor_role: str, unit_id: int, year: int
) -> UnitStatus:
    """Reports received from a unit this reporting year by task, last activity, officials."""
    require_role(actor_role, Role.COORDINATOR)
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("status/no_unit", {"typed": str(unit_id)})
    period = (await get_plan_info(session)).periods.period("year", year)
    rows = await session.execute(
        select(PlanTask.code, func.count(), func.max(Report.activity_date))
        .join(PlanTask, PlanTask.id == Report.task_id)
        .where(
            Report.unit_id == unit.id,
            is_counted(RECEIVED),
            Report.activity_date.between(period.start, period.end),
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
