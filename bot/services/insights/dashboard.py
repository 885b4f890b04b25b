"""The coordinators' dashboard: the communes table and a commune's reports, for coordinators.

The same figures as /tongquan and the digest: reports counted as received (not rejected, not
withdrawn) in the reporting year; standing from the completeness of the last month whose
sending deadline has passed.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.periods import Period
from bot.services.core.access import Role, require_role
from bot.services.core.errors import NotFound
from bot.services.core.matching import fold
from bot.services.insights.completeness import Standing, measure
from bot.services.people.users import UserView
from bot.services.plan.tasks import get_plan_info
from bot.services.plan.units import COMMUNE_KINDS
from bot.services.reports.counting import RECEIVED, is_counted, is_verified
from bot.services.reports.recording import ReportView, views
from db.models import Report, ReportAttachment, Unit, User

# Worst first: the order a coordinator reads them in.
STANDINGS = ("missing", "late", "on_time", "not_due", "none")
SORTS = ("name", "standing", "last", "reports")


@dataclass(frozen=True)
class CommuneRow:
    """One commune or ward in the table."""

    unit_id: int
    code: str
    name: str
    kind: str
    officials: tuple[str, ...]
    last_report: date | None
    reports: int
    verified: int
    standing: str  # one of STANDINGS ('none': nothing expected of it this month)
    missing_tasks: tuple[str, ...]
    folded_name: str  # the name as searched and sorted (folded once, not on every page)


@dataclass(frozen=True)
class CommuneTable:
    """The table, the month its standing is about, the reporting year of its counts, and the
    moment its figures are true of."""

    rows: list[CommuneRow]
    month: Period
    year: int
    total: int
    as_of: datetime


async def commune_table(
    session: AsyncSession, *, actor_role: str, now: datetime, tz: ZoneInfo
) -> CommuneTable:
    """The 69 communes and wards: official(s), last report, standing, counts (by name)."""
    require_role(actor_role, Role.COORDINATOR)
    plan = await get_plan_info(session)
    today = now.astimezone(tz).date()
    year = plan.reporting_year(today)
    span = plan.periods.period("year", year)
    month = plan.periods.last_due("month", today)
    completeness = {
        u.unit_id: u for u in (await measure(session, period=month, now=now, tz=tz)).units
    }
    units = list(
        await session.scalars(
            select(Unit).where(Unit.kind.in_(COMMUNE_KINDS), Unit.active).order_by(Unit.name)
        )
    )
    # Only the year's range in WHERE, the status inside the aggregates: the planner then reads
    # the year from ix_reports_date_unit_status alone (with the status in WHERE, SQLite walks
    # the status index over every year and fetches each row).
    counted = is_counted(RECEIVED)
    counts = {
        unit_id: (total, verified, last)
        for unit_id, total, verified, last in await session.execute(
            select(
                Report.unit_id,
                func.count(case((counted, 1))),
                func.count(case((is_verified(), 1))),
                func.max(case((counted, Report.activity_date))),
            )
            .where(Report.activity_date.between(span.start, span.end))
            .group_by(Report.unit_id)
        )
    }
    officials: dict[int, list[str]] = {}
    for unit_id, name in await session.execute(
        select(User.unit_id, User.display_name)
        .where(User.role == Role.OFFICIAL, User.active, User.unit_id.is_not(None))
        .order_by(User.id)
    ):
        if unit_id is not None:
            officials.setdefault(unit_id, []).append(name or "(không tên)")
    rows = []
    for unit in units:
        total, verified, last = counts.get(unit.id, (0, 0, None))
        unit_completeness = completeness.get(unit.id)
        rows.append(
            CommuneRow(
                unit.id,
                unit.code,
                unit.name,
                unit.kind,
                tuple(officials.get(unit.id, ())),
                last,
                total,
                verified,
                _standing(unit_completeness.tally if unit_completeness else None),
                unit_completeness.missing_tasks if unit_completeness else (),
                fold(unit.name),
            )
        )
    return CommuneTable(rows, month, year, len(rows), now)


def select_rows(
    table: CommuneTable,
    *,
    query: str = "",
    standing: str = "",
    sort: str = "name",
    as_of: datetime | None = None,
) -> CommuneTable:
    """The rows whose name matches `query` typed without diacritics (or whose code is it) and
    whose standing is `standing` (any when empty), sorted by one of SORTS ('-' first: down);
    `as_of` when the data is known unchanged since the table was computed."""
    shown = _filtered(table.rows, query=query, standing=standing)
    return replace(table, rows=_sorted(shown, sort), as_of=as_of or table.as_of)


def _standing(tally: object) -> str:
    if tally is None:
        return "none"
    for name in (Standing.MISSING, Standing.LATE, Standing.ON_TIME):
        if getattr(tally, str(name)):
            return str(name)
    return str(Standing.NOT_DUE)


def _filtered(rows: list[CommuneRow], *, query: str, standing: str) -> list[CommuneRow]:
    folded = fold(query)[:100]
    return [
        row
        for row in rows
        if (not folded or folded in row.folded_name or folded == row.code)
        and (standing not in STANDINGS or row.standing == standing)
    ]


def _sorted(rows: list[CommuneRow], sort: str) -> list[CommuneRow]:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key == "standing":
        rows = sorted(rows, key=lambda r: (STANDINGS.index(r.standing), r.folded_name))
    elif key == "last":
        rows = sorted(rows, key=lambda r: (r.last_report or date.min, r.folded_name))
    elif key == "reports":
        rows = sorted(rows, key=lambda r: (r.reports, r.folded_name))
    else:
        rows = sorted(rows, key=lambda r: r.folded_name)
    return rows[::-1] if descending else rows


@dataclass(frozen=True)
class UnitReports:
    """A unit's latest reports with the references of their photos."""

    unit_id: int
    name: str
    reports: list[ReportView]
    photos: dict[int, list[tuple[str, str]]]  # report id → (channel, file reference)


async def unit_reports(
    session: AsyncSession, *, actor: UserView, unit_id: int, now: datetime, limit: int = 30
) -> UnitReports:
    """The latest reports of a unit, every status (its history), newest first."""
    require_role(actor.role, Role.COORDINATOR)
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("status/no_unit", {"typed": str(unit_id)})
    rows = list(
        await session.scalars(
            select(Report)
            .where(Report.unit_id == unit_id)
            .order_by(Report.activity_date.desc(), Report.id.desc())
            .limit(limit)
        )
    )
    ids = [r.id for r in rows]
    reports = await views(session, rows, user=actor, now=now)
    photos: dict[int, list[tuple[str, str]]] = {}
    for report_id, channel, ref in await session.execute(
        select(ReportAttachment.report_id, ReportAttachment.channel, ReportAttachment.file_ref)
        .where(ReportAttachment.report_id.in_(ids))
        .order_by(ReportAttachment.id)
    ):
        photos.setdefault(report_id, []).append((channel, ref))
    return UnitReports(unit.id, unit.name, reports, photos)
