"""The plan's tasks as the rest of the app reads them."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.errors import NotFound
from db.models import AppState, PlanTask, TaskUnit, Unit


@dataclass(frozen=True)
class PlanInfo:
    """The plan's title and period, and its number and date once it is issued."""

    title: str
    short_title: str
    start_year: int
    end_year: int
    number: str | None = None
    issued_on: date | None = None

    @property
    def start(self) -> date:
        """First day of the plan."""
        return date(self.start_year, 1, 1)

    @property
    def end(self) -> date:
        """Last day of the plan."""
        return date(self.end_year, 12, 31)

    def clamp_year(self, year: int) -> int:
        """The year inside the plan's period closest to the given one."""
        return min(max(year, self.start_year), self.end_year)


async def get_plan_info(session: AsyncSession) -> PlanInfo:
    """The seeded plan's title and years; NotFound before the first seed."""
    rows = dict(
        (
            await session.execute(
                select(AppState.key, AppState.value).where(AppState.key.like("plan.%"))
            )
        ).all()
    )
    try:
        return PlanInfo(
            rows["plan.title"],
            rows["plan.short_title"],
            int(rows["plan.start_year"]),
            int(rows["plan.end_year"]),
            rows.get("plan.number") or None,
            date.fromisoformat(rows["plan.date"]) if rows.get("plan.date") else None,
        )
    except KeyError:
        raise NotFound("errors/not_seeded") from None


@dataclass(frozen=True)
class TaskView:
    """A task of the plan with the names of its lead units."""

    code: str
    group: str
    name: str
    period: str
    leads: tuple[str, ...]


async def list_tasks(session: AsyncSession, *, kind: str = "task") -> list[TaskView]:
    """The appendix's tasks in order (or, with kind='duty', the standing duties)."""
    rows = await session.execute(
        select(PlanTask.id, Unit.name)
        .join(TaskUnit, TaskUnit.task_id == PlanTask.id)
        .join(Unit, Unit.id == TaskUnit.unit_id)
        .where(TaskUnit.role == "lead")
        .order_by(Unit.code)
    )
    leads: dict[int, list[str]] = {}
    for task_id, name in rows:
        leads.setdefault(task_id, []).append(name)
    tasks = await session.scalars(
        select(PlanTask).where(PlanTask.kind == kind).order_by(PlanTask.position)
    )
    return [
        TaskView(t.code, t.group_code or "", t.name, t.period, tuple(leads.get(t.id, ())))
        for t in tasks
    ]
