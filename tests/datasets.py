"""A seeded-random dataset of reports, figures, deliveries and schools, inserted in bulk.

Shared by the digest's SQL cross-check (a few thousand rows) and its benchmark (hundreds of
thousands): rows are built as plain dicts and written with `insert()` executemany batches, never
as ORM objects one by one. The plan, the communes and the departments come from the seeded
content; schools are added. Some communes never report and some stopped reporting long ago, so
the digest's silent list has something to say.
"""

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import sql
from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Delivery, Material, PlanTask, Report, ReportFigure, Unit

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BATCH = 20_000
COMMUNE_TASKS = ("IV.9", "IV.9", "IV.9", "I.5")  # communes report their duty mostly
STATUSES = ("submitted",) * 6 + ("verified",) * 2 + ("rejected", "withdrawn")
DESCRIPTIONS = (
    "Họp dân tuyên truyền giảm túi ni lông tại thôn {n}",
    "Phát thanh trên loa xã về tiêu dùng bền vững, số {n}",
    "Hội nghị <b>doanh nghiệp</b> & HTX lần {n}",
    'Tập huấn "kinh tế tuần hoàn" cho cán bộ, đợt {n}',
)


@dataclass(frozen=True)
class Shape:
    """How big the dataset is and which span of time it covers."""

    reports: int
    deliveries: int
    schools: int
    first: date  # first activity date
    now: datetime  # nothing is created after this moment
    never: int = 4  # communes that never report
    stale: int = 5  # communes whose last report is more than 30 days old
    seed: int = 20261123


@dataclass
class Dataset:
    """What was inserted, for checks and for a second, doubling round."""

    never: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    reports: int = 0
    figures: int = 0
    deliveries: int = 0


@dataclass(frozen=True)
class _Task:
    id: int
    numbers: tuple[tuple[str, int, int], ...]  # key, min, max of each number question
    choices: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass
class _World:
    communes: list[int]
    departments: list[int]
    tasks: dict[str, _Task]
    materials: list[int]
    next_report: int
    dataset: Dataset


async def generate(session: AsyncSession, shape: Shape, dataset: Dataset | None = None) -> Dataset:
    """Insert `shape` on top of the seeded plan; call again with the result to add as much."""
    rng = random.Random(shape.seed + (dataset.reports if dataset else 0))
    world = await _world(session, shape, rng, dataset)
    if dataset is None:
        await _insert(session, Unit, list(_schools(shape.schools)))
    await _reports(session, shape, world, rng)
    await _deliveries(session, shape, world, rng)
    return world.dataset


async def _world(
    session: AsyncSession, shape: Shape, rng: random.Random, dataset: Dataset | None
) -> _World:
    units = (await session.execute(select(Unit.id, Unit.kind).order_by(Unit.id))).all()
    communes = [i for i, kind in units if kind in ("commune", "ward")]
    if dataset is None:
        picked = rng.sample(communes, shape.never + shape.stale)
        dataset = Dataset(never=picked[: shape.never], stale=picked[shape.never :])
    tasks = {
        code: _task(code, task_id, spec)
        for code, task_id, spec in await session.execute(
            select(PlanTask.code, PlanTask.id, PlanTask.spec)
        )
    }
    return _World(
        communes=[c for c in communes if c not in dataset.never],
        departments=[i for i, kind in units if kind == "department"],
        tasks=tasks,
        materials=list(await session.scalars(select(Material.id))),
        next_report=(await session.scalar(select(func.max(Report.id))) or 0) + 1,
        dataset=dataset,
    )


def _task(code: str, task_id: int, spec: dict[str, Any]) -> _Task:
    questions = (spec.get("reporting") or {}).get("questions") or []
    numbers = tuple(
        (q["key"], int(q.get("min", 0)), int(q.get("max", 10)))
        for q in questions
        if q["type"] == "number"
    )
    choices = tuple(
        (q["key"], tuple(c["key"] for c in q["choices"]))
        for q in questions
        if q["type"] == "choice"
    )
    return _Task(task_id, numbers, choices)


def _schools(count: int) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    for i in range(1, count + 1):
        yield {
            "code": f"thpt-{i:03d}",
            "kind": "school",
            "name": f"Trường THPT số {i}",
            "aliases": [],
            "former_names": [],
            "active": True,
            "created_at": now,
            "updated_at": now,
        }


async def _reports(session: AsyncSession, shape: Shape, world: _World, rng: random.Random) -> None:
    reports: list[dict[str, Any]] = []
    figures: list[dict[str, Any]] = []
    department_tasks = [c for c in world.tasks if c != "IV.9"]
    stale_before = (shape.now - timedelta(days=45)).astimezone(TZ).date()
    for _ in range(shape.reports):
        if rng.random() < 0.7:
            unit = rng.choice(world.communes)
            code = rng.choice(COMMUNE_TASKS)
        else:
            unit, code = rng.choice(world.departments), rng.choice(department_tasks)
        last = stale_before if unit in world.dataset.stale else None
        activity, created = _moments(shape, rng, last)
        report_id = world.next_report
        world.next_report += 1
        reports.append(
            {
                "id": report_id,
                "unit_id": unit,
                "task_id": world.tasks[code].id,
                "activity_date": activity,
                "description": _description(rng),
                "status": rng.choice(STATUSES),
                "channel": rng.choice(("telegram", "zalo")),
                "created_at": created,
                "updated_at": created,
            }
        )
        figures.extend(_figures(report_id, world.tasks[code], rng))
        if len(reports) >= BATCH:
            await _flush(session, world.dataset, reports, figures)
    await _flush(session, world.dataset, reports, figures)
    if session.get_bind().dialect.name == "postgresql":
        # The ids were given, so the sequence must catch up for rows added afterwards.
        await session.execute(
            text("select setval(pg_get_serial_sequence('reports', 'id'), max(id)) from reports")
        )


def _moments(shape: Shape, rng: random.Random, last: date | None) -> tuple[date, datetime]:
    """An activity date and a creation moment 0-10 days later (not after `now`)."""
    today = shape.now.astimezone(TZ).date()
    days = ((last or today) - shape.first).days
    activity = shape.first + timedelta(days=rng.randrange(days))
    local = datetime.combine(activity, time(7), tzinfo=TZ) + timedelta(
        days=rng.randrange(11), seconds=rng.randrange(14 * 3600)
    )
    created = min(local.astimezone(UTC), shape.now - timedelta(seconds=rng.randrange(1, 600)))
    return activity, created.replace(microsecond=rng.randrange(1_000_000))


def _description(rng: random.Random) -> str | None:
    if rng.random() < 0.4:
        return None
    return rng.choice(DESCRIPTIONS).format(n=rng.randrange(1, 100))


def _figures(report_id: int, task: _Task, rng: random.Random) -> Iterator[dict[str, Any]]:
    for key, low, high in task.numbers:
        if rng.random() < 0.75:
            number = float(rng.randint(low, min(high, low + 12)))
            yield {"report_id": report_id, "key": key, "number": number, "choice": None}
    for key, options in task.choices:
        if rng.random() < 0.5:
            yield {
                "report_id": report_id,
                "key": key,
                "number": None,
                "choice": rng.choice(options),
            }


async def _flush(
    session: AsyncSession,
    dataset: Dataset,
    reports: list[dict[str, Any]],
    figures: list[dict[str, Any]],
) -> None:
    await _insert(session, Report, reports)
    await _insert(session, ReportFigure, figures)
    dataset.reports += len(reports)
    dataset.figures += len(figures)
    reports.clear()
    figures.clear()


async def _deliveries(
    session: AsyncSession, shape: Shape, world: _World, rng: random.Random
) -> None:
    start = datetime.combine(shape.first - timedelta(days=20), time(), tzinfo=TZ)
    seconds = int((shape.now - start).total_seconds())
    rows: list[dict[str, Any]] = []
    for _ in range(shape.deliveries):
        draw = rng.random()
        unit = (
            rng.choice(world.communes)
            if draw < 0.55
            else rng.choice(world.departments)
            if draw < 0.75
            else None
        )
        rows.append(
            {
                "material_id": rng.choice(world.materials),
                "user_id": None,
                "unit_id": unit,
                "channel": rng.choice(("telegram", "zalo")),
                "via": rng.choice(("request", "broadcast")),
                "delivered_at": start + timedelta(seconds=rng.randrange(seconds)),
            }
        )
        if len(rows) >= BATCH:
            world.dataset.deliveries += await _insert(session, Delivery, rows)
            rows.clear()
    world.dataset.deliveries += await _insert(session, Delivery, rows)


async def _insert(session: AsyncSession, model: type[Any], rows: Sequence[dict[str, Any]]) -> int:
    """Write `rows` in one go: COPY on PostgreSQL, one executemany of plain tuples on SQLite."""
    if not rows:
        return 0
    table, columns = model.__table__, list(rows[0])
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        copy_rows = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        async with raw.cursor().copy(copy_rows) as copy:
            for row in rows:
                await copy.write_row([_pg(row[c]) for c in columns])
    else:
        statement = insert(table).values({c: bindparam(c) for c in columns})
        compiled = statement.compile(dialect=connection.dialect)
        order = compiled.positiontup or []
        await connection.exec_driver_sql(
            str(compiled), [tuple(_sqlite(row[c]) for c in order) for row in rows]
        )
    return len(rows)


def _pg(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list) else value


def _sqlite(value: Any) -> Any:
    """The value as SQLAlchemy stores it in SQLite (UTC text for times, ISO text for dates)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return json.dumps(value)
    return value
