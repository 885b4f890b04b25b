"""The coordinators' digest: the week's reports, every target, silent communes, highlights."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Attachment, Outgoing
from bot.services.contest.results import ContestDigest, contest_digest
from bot.services.core.access import Role, require_role
from bot.services.core.texts import Texts
from bot.services.insights.completeness import Completeness, measure
from bot.services.insights.kpis import TargetFigure, list_target_figures
from bot.services.messaging import outbox
from bot.services.people.users import list_coordinators
from bot.services.plan.tasks import get_plan_info
from bot.services.plan.units import COMMUNE_KINDS
from bot.services.reports.counting import RECEIVED, is_counted
from db.models import AppState, Delivery, PlanTask, Report, Unit
from db.queries.upserts import insert_ignore

SILENT_DAYS = 30
# Coordinators receive the week's digest on Monday at this local time.
DIGEST_AT = time(8, 0)
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
    contest: ContestDigest | None = None
    # Reporting completeness of the last month (communes) and quarter (departments) whose
    # sending deadline has passed.
    communes: Completeness | None = None
    departments: Completeness | None = None

    @property
    def idle_names(self) -> list[str]:
        """Expected units with no active official (never reminded), by name."""
        groups = [c for c in (self.communes, self.departments) if c is not None]
        return sorted({unit.name for c in groups for unit in c.without_official})


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
    # Reports received: rejected and withdrawn ones are left out, pending ones are in.
    received = (
        Report.created_at >= first,
        Report.created_at < last,
        is_counted(RECEIVED),
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
        session, year=plan.reporting_year(end), plan_start=plan.start, plan_end=plan.end, tz=tz
    )
    today = now.astimezone(tz).date()
    month = plan.periods.last_due("month", today)
    quarter = plan.periods.last_due("quarter", today)
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
        await contest_digest(session, now=now),
        await measure(session, period=month, now=now, tz=tz),
        await measure(session, period=quarter, now=now, tz=tz),
    )


async def list_silent(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> list[str]:
    """Communes and wards with no counted report created in the last 30 days, by name."""
    since = now - timedelta(days=SILENT_DAYS)
    active = select(Report.unit_id).where(Report.created_at >= since, is_counted(RECEIVED))
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
            is_counted(RECEIVED),
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


def _sent_key(now: datetime, tz: ZoneInfo) -> str:
    return f"digest.sent.{week_before(now, tz)[0].isoformat()}"


async def is_digest_queued(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> bool:
    """Whether last week's digest was queued already (its job then has nothing to draw)."""
    return await session.get(AppState, _sent_key(now, tz)) is not None


async def queue_weekly_digest(
    session: AsyncSession,
    *,
    texts: Texts,
    now: datetime,
    tz: ZoneInfo,
    picture: Path | None = None,
) -> int:
    """Queue the digest of last week to every coordinator, once per week whoever calls it.

    `picture` (drawn beforehand, outside this transaction) goes with it as a photo.
    """
    start, end = week_before(now, tz)
    key = _sent_key(now, tz)
    if not await insert_ignore(session, AppState, {"key": key, "value": now.isoformat()}):
        return 0
    digest = await build_digest(session, start=start, end=end, now=now, tz=tz)
    photo = Attachment("photo", str(picture)) if picture else None
    message = Outgoing(texts.render("digest/weekly", d=digest), attachment=photo)
    queued = 0
    for coordinator in await list_coordinators(session):
        queued += await outbox.enqueue(session, user_id=coordinator.id, message=message, now=now)
    return queued
