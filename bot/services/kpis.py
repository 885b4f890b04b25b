"""Current figures of the plan's targets, computed with SQL aggregates."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from db.models import Registry, Report, Target, TargetTask, Unit

COUNTED_STATUSES = ("submitted", "verified")


@dataclass(frozen=True)
class TargetFigure:
    """A target with where it stands now.

    `registry` is 'complete', 'partial' or 'empty' for shares of a registry (an empty registry
    has no meaningful percentage), None for counts.
    """

    code: str
    label: str
    kind: str
    target: int
    comparison: str
    unit_label: str | None
    current: int | None
    denominator: int | None
    registry: str | None
    year: int | None

    @property
    def share(self) -> float | None:
        """Percentage reached, when it means something."""
        if self.kind != "registry_share" or not self.denominator or self.current is None:
            return None
        return 100.0 * self.current / self.denominator


async def list_target_figures(
    session: AsyncSession, *, year: int, plan_start: date, plan_end: date
) -> list[TargetFigure]:
    """Every target in plan order with its current figure (counts per year use `year`)."""
    targets = list(await session.scalars(select(Target).order_by(Target.position)))
    return [await _figure(session, t, year, plan_start, plan_end) for t in targets]


async def _figure(
    session: AsyncSession, target: Target, year: int, start: date, end: date
) -> TargetFigure:
    def make(current: int | None, denominator: int | None, registry: str | None) -> TargetFigure:
        return TargetFigure(
            target.code,
            target.label,
            target.kind,
            target.value,
            target.comparison,
            target.unit_label,
            current,
            denominator,
            registry,
            year if target.kind == "count_per_year" else None,
        )

    if target.kind == "registry_share":
        denominator, registry = await _registry_size(session, target.registry_kinds)
        if registry == "empty":
            return make(None, 0, registry)
        return make(await _units_reached(session, target, start, end), denominator, registry)
    if target.kind == "count_per_year":
        return make(
            await _count_reports(session, target, date(year, 1, 1), date(year, 12, 31)), None, None
        )
    return make(await _count_reports(session, target, start, end), None, None)


async def _registry_size(session: AsyncSession, kinds: list[str]) -> tuple[int, str]:
    size = (
        await session.scalar(
            select(func.count()).select_from(Unit).where(Unit.kind.in_(kinds), Unit.active)
        )
        or 0
    )
    if size == 0:
        return 0, "empty"
    registries = list(await session.scalars(select(Registry).where(Registry.kind.in_(kinds))))
    complete = len(registries) == len(set(kinds)) and all(
        r.status == "complete" or r.declared_complete for r in registries
    )
    return size, "complete" if complete else "partial"


def _counted_reports(target: Target, start: date, end: date) -> Select[int]:
    linked = select(TargetTask.task_id).where(TargetTask.target_id == target.id)
    return select(Report.id).where(
        Report.task_id.in_(linked),
        Report.status.in_(COUNTED_STATUSES),
        Report.activity_date.between(start, end),
    )


async def _units_reached(session: AsyncSession, target: Target, start: date, end: date) -> int:
    reports = _counted_reports(target, start, end).subquery()
    query = (
        select(func.count(func.distinct(Report.unit_id)))
        .join(Unit, Unit.id == Report.unit_id)
        .where(
            Report.id.in_(select(reports.c.id)), Unit.kind.in_(target.registry_kinds), Unit.active
        )
    )
    return await session.scalar(query) or 0


async def _count_reports(session: AsyncSession, target: Target, start: date, end: date) -> int:
    reports = _counted_reports(target, start, end).subquery()
    return await session.scalar(select(func.count()).select_from(reports)) or 0
