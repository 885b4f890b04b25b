"""The coordinators' digest: the week's reports, every target, silent communes, highlights."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Outgoing
from bot.services.core.access import Role, require_role
from bot.services.core.texts import Texts
from bot.services.insights.kpis import TargetFigure, list_target_figures
from bot.services.messaging import outbox
from bot.services.people.users import list_coordinators
from bot.services.plan.tasks import get_plan_info
from bot.services.plan.units import COMMUNE_KINDS
from bot.services.reports.counting import is_counted
from db.models import AppState, Delivery, PlanTask, Report, Unit
from db.queries.upserts import insert_ignore

SILENT_DAYS = 30
HIGHLIGHTS = 5


@dataclass(frozen=True)
class Highlight:
    """A recent report worth reading."""

    id: int
    unit_name: str
    task_code: str
    activity_date: date
    description: str


@dataclass(frozen=True)
class Digest:
    """Everything the weekly digest (and /tongquan) shows."""

    start: date
    end: date
    reports: int
    units_reporting: int
    figures: list[TargetFigure]
    silent: list[str]
    silent_total: int
    highlights: list[Highlight]
    deliveries: int


def week_before(now: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The last complete Monday–Sunday week (local dates): the one a digest sent now covers."""
    monday = now.astimezone(tz).date()
    monday -= timedelta(days=monday.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


async def build_digest(
    session: AsyncSession, *, start: date, end: date, now: datetime, tz: ZoneInfo
) -> Digest:
    """The digest for reports received from `start` to `end` (local dates, inclusive)."""
    plan = await get_plan_info(session)
    first = datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC)
    last = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    # Rejected and withdrawn reports are not counted, as everywhere else in the digest.
    received = (
        Report.created_at >= first,
        Report.created_at < last,
        is_counted(),
    )
    reports, units = (
        await session.execute(
            select(func.count(), func.count(func.distinct(Report.unit_id))).where(*received)
        )
    ).one()
    silent = await list_silent(session, now=now, tz=tz)
    delivered = await session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.delivered_at >= first, Delivery.delivered_at < last)
    )
    figures = await list_target_figures(
        session, year=plan.clamp_year(end.year), plan_start=plan.start, plan_end=plan.end, tz=tz
    )
    return Digest(
        start,
        end,
        reports,
        units,
        figures,
        silent[:10],
        len(silent),
        await _highlights(session, first, last),
        delivered or 0,
    )


async def list_silent(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> list[str]:
    """Communes and wards with no counted report created in the last 30 days, by name."""
    since = now - timedelta(days=SILENT_DAYS)
    active = select(Report.unit_id).where(Report.created_at >= since, is_counted())
    names = await session.scalars(
        select(Unit.name)
        .where(Unit.kind.in_(COMMUNE_KINDS), Unit.active, Unit.id.not_in(active))
        .order_by(Unit.name)
    )
    return list(names)


async def _highlights(session: AsyncSession, first: datetime, last: datetime) -> list[Highlight]:
    rows = await session.execute(
        select(Report.id, Unit.name, PlanTask.code, Report.activity_date, Report.description)
        .join(Unit, Unit.id == Report.unit_id)
        .join(PlanTask, PlanTask.id == Report.task_id)
        .where(
            Report.created_at >= first,
            Report.created_at < last,
            is_counted(),
            Report.description.is_not(None),
        )
        .order_by(Report.created_at.desc())
        .limit(HIGHLIGHTS)
    )
    return [Highlight(i, u, t, d, desc or "") for i, u, t, d, desc in rows]


async def coordinator_digest(
    session: AsyncSession, *, actor_role: str, now: datetime, tz: ZoneInfo
) -> Digest:
    """The last seven days, for a coordinator only."""
    require_role(actor_role, Role.COORDINATOR)
    start, end = now.astimezone(tz).date() - timedelta(days=6), now.astimezone(tz).date()
    return await build_digest(session, start=start, end=end, now=now, tz=tz)


async def queue_weekly_digest(
    session: AsyncSession, *, texts: Texts, now: datetime, tz: ZoneInfo
) -> int:
    """Queue the digest of last week to every coordinator, once per week whoever calls it."""
    start, end = week_before(now, tz)
    key = f"digest.sent.{start.isoformat()}"
    if not await insert_ignore(session, AppState, {"key": key, "value": now.isoformat()}):
        return 0
    digest = await build_digest(session, start=start, end=end, now=now, tz=tz)
    message = Outgoing(texts.render("digest/weekly", d=digest))
    queued = 0
    for coordinator in await list_coordinators(session):
        queued += await outbox.enqueue(session, user_id=coordinator.id, message=message, now=now)
    return queued
