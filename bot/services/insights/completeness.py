"""Reporting completeness and timeliness per unit, in DHIS2's terms, over a reporting period.

Expected: a (unit, task, period) that a reminder rule of content/plan.yaml asks for — the unit
must report the task in each period of the rule's kind that falls within the period looked at
(a commune's monthly duty is expected twelve times in a year). Actual: at least one report
received (not rejected, not withdrawn) for an activity in that period. On time: the first one
was received by the period's sending deadline (local date); late: after it. Missing: none
received and the deadline has passed; not due: none yet, the deadline is still ahead.
Units with no active official are expected too (they are never reminded) and listed apart.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.periods import MONTHS, Period, ReportingCalendar
from bot.services.content.reminder_specs import rules_from_spec
from bot.services.core.access import Role
from bot.services.plan.tasks import get_plan_info
from bot.services.plan.units import COMMUNE_KINDS
from bot.services.reports.counting import RECEIVED, is_counted
from db.models import PlanTask, Report, TaskUnit, Unit, User

DEPARTMENT_KINDS = ("department",)
# Who reports for a unit (as reminders count them): its officials, and coordinators of it.
REPORTING_ROLES = (Role.OFFICIAL, Role.COORDINATOR)


class Standing(StrEnum):
    """Where one expected report stands."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"


@dataclass(frozen=True)
class Tally:
    """Counts of expected reports by standing."""

    expected: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    not_due: int = 0

    @property
    def actual(self) -> int:
        """Reports received, on time or late."""
        return self.on_time + self.late

    @property
    def due(self) -> int:
        """Expected reports whose deadline has passed or that arrived already."""
        return self.expected - self.not_due

    @property
    def completeness(self) -> float | None:
        """Percent of the due reports that were received (None when none is due)."""
        return 100.0 * self.actual / self.due if self.due else None

    @property
    def timeliness(self) -> float | None:
        """Percent of the due reports received on time (None when none is due)."""
        return 100.0 * self.on_time / self.due if self.due else None

    def add(self, standing: Standing) -> "Tally":
        """This tally with one more expected report."""
        return Tally(
            self.expected + 1,
            self.on_time + (standing == Standing.ON_TIME),
            self.late + (standing == Standing.LATE),
            self.missing + (standing == Standing.MISSING),
            self.not_due + (standing == Standing.NOT_DUE),
        )


@dataclass(frozen=True)
class UnitCompleteness:
    """One unit's expected reports over the period, and which tasks it still owes."""

    unit_id: int
    code: str
    name: str
    kind: str
    tally: Tally
    has_official: bool
    missing_tasks: tuple[str, ...]


@dataclass(frozen=True)
class Completeness:
    """Completeness and timeliness of every expected unit over a reporting period."""

    period: Period
    today: date
    units: list[UnitCompleteness]
    # Each unit's standing per sub-period (its worst over its tasks): the heatmap's cells.
    cells: dict[tuple[int, str], Standing] = field(default_factory=dict)
    sub_periods: list[Period] = field(default_factory=list)

    def total(self, kinds: Iterable[str]) -> Tally:
        """The tallies of the units of these kinds added up."""
        wanted = set(kinds)
        tally = Tally()
        for unit in self.units:
            if unit.kind in wanted:
                tally = _sum(tally, unit.tally)
        return tally

    @property
    def communes(self) -> Tally:
        """Communes and wards together."""
        return self.total(COMMUNE_KINDS)

    @property
    def departments(self) -> Tally:
        """Provincial departments together."""
        return self.total(DEPARTMENT_KINDS)

    @property
    def without_official(self) -> list[UnitCompleteness]:
        """Expected units nobody can be reminded at (no active official)."""
        return [unit for unit in self.units if not unit.has_official]


@dataclass(frozen=True)
class _Expectation:
    task_id: int
    task_code: str
    kind: str
    unit_ids: frozenset[int]


async def measure(
    session: AsyncSession, *, period: Period, now: datetime, tz: tzinfo
) -> Completeness:
    """Completeness of every unit a reminder rule expects over `period`, as of `now`."""
    plan = await get_plan_info(session)
    today = now.astimezone(tz).date()
    expectations = await _expectations(session, period)
    if not expectations:
        return Completeness(period, today, [])
    kinds = {e.kind for e in expectations}
    subs = {kind: _sub_periods(plan.periods, kind, period, today) for kind in kinds}
    firsts = await _first_received(session, expectations, subs, period, tz=tz)
    units = {u.id: u for u in await session.scalars(select(Unit).where(Unit.active))}
    staffed = await _units_with_officials(session)
    tallies: dict[int, Tally] = defaultdict(Tally)
    owed: dict[int, set[str]] = defaultdict(set)
    cells: dict[tuple[int, str], Standing] = {}
    for expectation in expectations:
        for index, sub in enumerate(subs[expectation.kind]):
            for unit_id in expectation.unit_ids & units.keys():
                first = firsts.get((unit_id, expectation.task_id, expectation.kind, index))
                standing = _standing(first, sub, today)
                tallies[unit_id] = tallies[unit_id].add(standing)
                if standing == Standing.MISSING:
                    owed[unit_id].add(expectation.task_code)
                key = (unit_id, sub.key)
                cells[key] = _worse(cells.get(key), standing)
    result = [
        UnitCompleteness(
            unit_id,
            units[unit_id].code,
            units[unit_id].name,
            units[unit_id].kind,
            tally,
            unit_id in staffed,
            tuple(sorted(owed[unit_id])),
        )
        for unit_id, tally in tallies.items()
    ]
    result.sort(key=lambda u: (u.kind, u.name))
    finest = min(kinds, key=lambda kind: MONTHS[kind])
    return Completeness(period, today, result, cells, subs[finest])


def _sub_periods(
    periods: ReportingCalendar, kind: str, period: Period, today: date
) -> list[Period]:
    """The periods of `kind` inside `period` that have started by `today`."""
    return [
        sub
        for sub in periods.between(kind, period.start, period.end)
        if sub.start >= period.start and sub.end <= period.end and sub.start <= today
    ]


def _standing(first: date | None, sub: Period, today: date) -> Standing:
    if first is not None:
        return Standing.ON_TIME if first <= sub.deadline else Standing.LATE
    return Standing.MISSING if today > sub.deadline else Standing.NOT_DUE


RANK = {Standing.ON_TIME: 0, Standing.NOT_DUE: 1, Standing.LATE: 2, Standing.MISSING: 3}


def _worse(current: Standing | None, new: Standing) -> Standing:
    return new if current is None or RANK[new] > RANK[current] else current


def _sum(a: Tally, b: Tally) -> Tally:
    return Tally(
        a.expected + b.expected,
        a.on_time + b.on_time,
        a.late + b.late,
        a.missing + b.missing,
        a.not_due + b.not_due,
    )


async def _expectations(session: AsyncSession, period: Period) -> list[_Expectation]:
    """Who must report which task, per kind of period no longer than `period`'s."""
    links: dict[tuple[int, str], set[int]] = defaultdict(set)
    for task_id, unit_id, role in await session.execute(
        select(TaskUnit.task_id, TaskUnit.unit_id, TaskUnit.role)
    ):
        links[(task_id, role)].add(unit_id)
    by_kind: dict[str, set[int]] = defaultdict(set)
    for unit_id, kind in await session.execute(select(Unit.id, Unit.kind).where(Unit.active)):
        by_kind[kind].add(unit_id)
    found: dict[tuple[int, str], _Expectation] = {}
    for task in await session.scalars(select(PlanTask).order_by(PlanTask.position)):
        for rule in rules_from_spec(task.spec):
            kind = rule.schedule.period
            if MONTHS[kind] > MONTHS[period.kind]:
                continue
            units: set[int] = set()
            for who in rule.who:
                linked = {"leads": "lead", "partners": "partner"}.get(who)
                units |= links[(task.id, linked)] if linked else by_kind[who]
            before = found.get((task.id, kind))
            merged = units | (before.unit_ids if before else set())
            found[(task.id, kind)] = _Expectation(task.id, task.code, kind, frozenset(merged))
    return list(found.values())


async def _first_received(
    session: AsyncSession,
    expectations: list[_Expectation],
    subs: dict[str, list[Period]],
    period: Period,
    *,
    tz: tzinfo,
) -> dict[tuple[int, int, str, int], date]:
    """The local date the first report of each (unit, task, kind, sub-period) was received."""
    found: dict[tuple[int, int, str, int], date] = {}
    for kind in {e.kind for e in expectations}:
        if not subs[kind]:
            continue
        task_ids = [e.task_id for e in expectations if e.kind == kind]
        bucket = _bucket(subs[kind])
        rows = await session.execute(
            select(Report.unit_id, Report.task_id, bucket, func.min(Report.created_at))
            .where(
                Report.task_id.in_(task_ids),
                is_counted(RECEIVED),
                Report.activity_date.between(period.start, period.end),
            )
            .group_by(Report.unit_id, Report.task_id, bucket)
        )
        for unit_id, task_id, index, first in rows:
            if index is not None:
                found[(unit_id, task_id, kind, int(index))] = _local(first, tz)
    return found


def _bucket(subs: list[Period]) -> ColumnElement[int]:
    """SQL: which sub-period (by index) a report's activity date falls in."""
    return case(
        *(
            (Report.activity_date.between(sub.start, sub.end), literal(index))
            for index, sub in enumerate(subs)
        ),
        else_=None,
    )


def _local(moment: datetime, tz: tzinfo) -> date:
    if moment.tzinfo is None:  # SQLite's aggregate hands back the stored UTC text's value
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


async def _units_with_officials(session: AsyncSession) -> set[int]:
    rows = await session.scalars(
        select(User.unit_id).where(
            User.unit_id.is_not(None), User.role.in_(REPORTING_ROLES), User.active.is_(True)
        )
    )
    return {unit_id for unit_id in rows if unit_id is not None}
