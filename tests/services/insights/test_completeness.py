"""Completeness and timeliness per unit equal a plain SQL count over generated data.

The expectations are read from content/plan.yaml with PyYAML (who is reminded of which task on
which schedule), the periods are written out by hand from Decree 09/2019 Art. 12 (15th to 14th)
and the deadlines of plan.yaml; the first report of each unit, task and month comes from plain
SQL. Nothing of bot.services computes the expected figures.
"""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import yaml
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.periods import decree_calendar
from bot.services.insights.completeness import Standing, measure
from bot.services.plan.tasks import get_plan_info
from db.models import Unit, User
from tests.databases import CONTENT_DIR
from tests.datasets import TZ, Dataset, Shape, generate
from tests.factories import make_report, make_user, unit_by_code

NOW = datetime(2027, 1, 20, 3, 0, tzinfo=UTC)
SHAPE = Shape(reports=3000, deliveries=10, schools=5, first=date(2025, 12, 1), now=NOW)
PLAN = yaml.safe_load((CONTENT_DIR / "plan.yaml").read_text(encoding="utf-8"))
MONTH_DEADLINE = PLAN["reporting_periods"]["month"]["deadline_days"]


def months_of_2026() -> list[tuple[str, date, date, date]]:
    """(key, first day, cut-off, deadline) of each month of reporting year 2026, by hand."""
    months = []
    for month in range(1, 13):
        start = date(2025, 12, 15) if month == 1 else date(2026, month - 1, 15)
        end = date(2026, month, 14)
        months.append((f"2026-{month:02d}", start, end, end + timedelta(days=MONTH_DEADLINE)))
    return months


def monthly_commune_tasks() -> list[str]:
    """Tasks plan.yaml reminds communes and wards of every month."""
    schedules = {name: s["period"] for name, s in PLAN["reminder_schedules"].items()}
    return sorted(
        task["code"]
        for task in PLAN["tasks"] + PLAN["duties"]
        for rule in task.get("reminders", [])
        if schedules[rule["schedule"]] == "month" and "commune" in rule["who"]
    )


async def plain_sql_standings(session: AsyncSession) -> Counter[str]:
    sqlite = session.get_bind().dialect.name == "sqlite"
    communes = [
        row[0]
        for row in await session.execute(
            text("select id from units where kind in ('commune', 'ward') and active")
        )
    ]
    tasks = {
        code: task_id
        for task_id, code in await session.execute(text("select id, code from plan_tasks"))
    }
    counts: Counter[str] = Counter()
    today = NOW.astimezone(TZ).date()
    for _, start, end, deadline in months_of_2026():
        for code in monthly_commune_tasks():
            rows = await session.execute(
                text(
                    "select unit_id, min(created_at) from reports where task_id = :task "
                    "and status in ('submitted', 'verified') "
                    "and activity_date between :a and :b group by unit_id"
                ),
                {
                    "task": tasks[code],
                    "a": start.isoformat() if sqlite else start,
                    "b": end.isoformat() if sqlite else end,
                },
            )
            firsts = {unit: _local_date(first) for unit, first in rows}
            for unit in communes:
                first = firsts.get(unit)
                if first is None:
                    counts["missing" if today > deadline else "not_due"] += 1
                else:
                    counts["on_time" if first <= deadline else "late"] += 1
    return counts


def _local_date(raw: Any) -> date:
    moment = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TZ).date()


@pytest.fixture
async def dataset(session: AsyncSession) -> Dataset:
    return await generate(session, SHAPE)


async def test_communes_completeness_equals_plain_sql(
    session: AsyncSession, dataset: Dataset
) -> None:
    plan = await get_plan_info(session)
    result = await measure(session, period=plan.periods.parse("2026"), now=NOW, tz=TZ)
    want = await plain_sql_standings(session)
    got = result.communes
    assert (got.on_time, got.late, got.missing, got.not_due) == (
        want["on_time"],
        want["late"],
        want["missing"],
        want["not_due"],
    )
    assert got.expected == 69 * len(monthly_commune_tasks()) * 12
    assert got.late > 0
    assert got.on_time > 0
    assert got.missing > 0
    # The communes that never report are missing every month; none has an official.
    never = [u for u in result.units if u.unit_id in dataset.never]
    assert all(u.tally.missing == u.tally.expected for u in never)
    assert len(result.without_official) == len(result.units)
    # The heatmap has a cell per commune and month.
    commune_ids = {u.unit_id for u in result.units if u.kind in ("commune", "ward")}
    assert {k for (u, k) in result.cells if u in commune_ids} == {m[0] for m in months_of_2026()}
    assert result.cells[(dataset.never[0], "2026-06")] == Standing.MISSING


async def test_on_time_late_and_not_due_at_the_edges(session: AsyncSession) -> None:
    """November 2026: data 15/10-14/11, deadline 17/11 (end of day, Hà Tĩnh time)."""
    periods = decree_calendar(MONTH_DEADLINE)
    november = periods.parse("2026-11")
    assert november.deadline == date(2026, 11, 17)
    last_minute = datetime.combine(november.deadline, time(23, 59), tzinfo=TZ)
    for code, created, status in [
        ("18073", last_minute, "submitted"),  # on time
        ("18100", last_minute + timedelta(minutes=2), "verified"),  # late
        ("18115", last_minute, "rejected"),  # does not count: missing
    ]:
        for task in monthly_commune_tasks():
            report = await make_report(
                session,
                unit_code=code,
                task_code=task,
                activity_date=date(2026, 11, 14),
                status=status,
            )
            report.created_at = created
    await make_user(session, chat_id="o1", role="official", unit_code="18073")
    idle = await make_user(session, chat_id="o2", role="official", unit_code="18100")
    await session.execute(update(User).where(User.id == idle.id).values(active=False))
    await session.flush()
    now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    result = await measure(session, period=november, now=now, tz=TZ)
    by_code = {u.code: u for u in result.units}
    tasks = len(monthly_commune_tasks())
    assert by_code["18073"].tally.on_time == tasks
    assert by_code["18100"].tally.late == tasks
    assert by_code["18115"].tally.missing == tasks
    assert by_code["18115"].missing_tasks == tuple(monthly_commune_tasks())
    assert by_code["18073"].has_official
    assert not by_code["18100"].has_official  # the only official left the bot
    # December's data run to 14/12: on 25/11 nothing is due yet.
    december = await measure(session, period=periods.parse("2026-12"), now=now, tz=TZ)
    assert december.communes.not_due == december.communes.expected == 69 * tasks
    assert december.communes.completeness is None


async def test_departments_are_expected_quarterly_for_the_tasks_they_lead(
    session: AsyncSession,
) -> None:
    plan = await get_plan_info(session)
    now = datetime(2026, 12, 25, 3, 0, tzinfo=UTC)
    result = await measure(session, period=plan.periods.parse("2026-Q4"), now=now, tz=TZ)
    sct = next(u for u in result.units if u.code == "SCT")
    # SCT leads I.2, I.3, I.4, II.1, II.2, II.3, III.2, III.4 (quarterly); I.1 and III.5 are
    # yearly and not expected in a quarter.
    assert sct.tally.expected == 8
    assert sct.tally.missing == 8
    assert result.departments.expected >= 8
    unit = await unit_by_code(session, "SCT")
    assert isinstance(unit, Unit)
