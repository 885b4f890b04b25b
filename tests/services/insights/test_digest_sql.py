"""The digest's, the targets' and the status figures equal plain SQL over a generated dataset.

The expected figures are written here as hand-made SQL (`text()`), from the rules as
content/plan.yaml states them (read with PyYAML, not through the services): counted reports
are those neither rejected nor withdrawn; a digest's week is seven local days; "silent" means no
counted report created in the last 30 days; a target's period is the year or 2026-2030 in local
dates. Nothing of bot.services is used to compute them.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import yaml
from sqlalchemy import String, bindparam, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.texts import Texts
from bot.services.core.wording import format_number
from bot.services.insights.digests import Digest, build_digest, week_before
from bot.services.insights.kpis import TargetFigure
from bot.services.insights.status import task_status, unit_status
from db.models import Delivery, Unit
from tests.databases import CONTENT_DIR
from tests.datasets import TZ, Dataset, Shape, generate
from tests.factories import make_report, make_user

NOW = datetime(2027, 3, 15, 1, 0, tzinfo=UTC)  # Monday 08:00 in Hà Tĩnh
SHAPE = Shape(reports=2500, deliveries=800, schools=40, first=date(2025, 12, 1), now=NOW)
PLAN = yaml.safe_load((CONTENT_DIR / "plan.yaml").read_text(encoding="utf-8"))


class Sql:
    """Plain SQL on the session's connection; binds values the way each backend stores them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def value(self, raw: object) -> object:
        """SQLite keeps dates and times as text (UTC, no zone); PostgreSQL takes them as is."""
        if not self.sqlite:
            return raw
        if isinstance(raw, datetime):
            return raw.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(raw, date):
            return raw.isoformat()
        return raw

    async def rows(self, sql: str, **params: object) -> list[tuple[Any, ...]]:
        statement = text(sql)
        lists = [k for k, v in params.items() if isinstance(v, list | tuple)]  # of codes
        if lists:
            statement = statement.bindparams(
                *(bindparam(k, expanding=True, type_=String()) for k in lists)
            )
        bound = {k: self.value(v) for k, v in params.items()}
        return [tuple(row) for row in await self.session.execute(statement, bound)]

    async def one(self, sql: str, **params: object) -> Any:
        return (await self.rows(sql, **params))[0][0]


def as_date(raw: object) -> date | None:
    """A DATE column as read back by raw SQL (text on SQLite)."""
    if raw is None or isinstance(raw, date):
        return raw
    return date.fromisoformat(str(raw))


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TZ).astimezone(UTC)


async def edge_cases(session: AsyncSession, dataset: Dataset) -> None:
    """Rows on the boundaries the rules draw: local midnights, 30 days, plan start, statuses."""
    start, _ = week_before(NOW, TZ)
    first, last = local_midnight(start), local_midnight(start + timedelta(days=7))
    just = timedelta(microseconds=1)
    for when, status in [
        (first, "submitted"),  # the week's first instant: in
        (first - just, "verified"),  # Sunday 23:59:59.999999 local: out
        (last - just, "verified"),  # in
        (last, "submitted"),  # Monday 00:00 local: next week
        (first + timedelta(hours=3), "withdrawn"),
        (last - timedelta(hours=1), "rejected"),
        (NOW - timedelta(days=30), "submitted"),  # exactly 30 days ago: not silent
    ]:
        report = await make_report(
            session,
            unit_code="18073",
            task_code="IV.9",
            activity_date=when.astimezone(TZ).date(),
            status=status,
            figures={"sessions_held": 3, "participants": 40},
        )
        report.created_at, report.description = when, f"Ranh giới {when.isoformat()}"
    # A stale commune whose only recent report was rejected stays silent.
    stale = await session.get(Unit, dataset.stale[0])
    assert stale is not None
    rejected = await make_report(session, unit_code=stale.code, task_code="IV.9", status="rejected")
    rejected.created_at = NOW - timedelta(days=2)
    material = await session.scalar(text("select min(id) from materials"))
    plan_start = local_midnight(date(PLAN["plan"]["start_year"], 1, 1))
    never = [await session.get(Unit, i) for i in dataset.never]
    session.add_all(
        [
            Delivery(
                material_id=material,
                unit_id=None,
                channel="zalo",
                via="request",
                delivered_at=moment,
            )
            for moment in (first, first - just, last - just, last)
        ]
        + [
            # Two communes that never report: one reached at 03:00 local on the plan's first day
            # (20:00 UTC the day before), one just before the plan started.
            Delivery(
                material_id=material,
                unit_id=never[0].id if never[0] else None,
                channel="telegram",
                via="broadcast",
                delivered_at=plan_start + timedelta(hours=3),
            ),
            Delivery(
                material_id=material,
                unit_id=never[1].id if never[1] else None,
                channel="telegram",
                via="broadcast",
                delivered_at=plan_start - just,
            ),
        ]
    )
    # Sums of the lead units' reports only (I.1, I.5, III.2): one report of each lead, so those
    # figures are not zero by chance; created before the week, so the week's counts stay as drawn.
    for unit_code, task_code, key in [
        ("BPTTH", "I.1", "news_items"),
        ("SNNMT", "I.5", "news_items"),
        ("SKHCN", "III.2", "studies"),
    ]:
        lead = await make_report(
            session, unit_code=unit_code, task_code=task_code, activity_date=start, figures={key: 2}
        )
        lead.created_at = NOW - timedelta(days=60)
    # An inactive commune is neither silent nor in any denominator.
    await session.execute(update(Unit).where(Unit.id == dataset.never[-1]).values(active=False))
    await make_user(session, chat_id="9001", role="official", unit_code="18073")
    await make_user(session, chat_id="9002", role="official", unit_code="18073")
    await make_user(session, chat_id="9003", role="citizen", unit_code="18073")
    await session.flush()


@pytest.fixture
async def dataset(session: AsyncSession) -> Dataset:
    generated = await generate(session, SHAPE)
    await edge_cases(session, generated)
    return generated


async def expected_week(sql: Sql, start: date, end: date) -> dict[str, Any]:
    first, last = local_midnight(start), local_midnight(end + timedelta(days=1))
    reports, units = (
        await sql.rows(
            "select count(*), count(distinct unit_id) from reports "
            "where created_at >= :first and created_at < :last "
            "and status in ('submitted', 'verified')",
            first=first,
            last=last,
        )
    )[0]
    silent = await sql.rows(
        "select u.name from units u where u.kind in ('commune', 'ward') and u.active "
        "and not exists (select 1 from reports r where r.unit_id = u.id "
        "and r.status in ('submitted', 'verified') and r.created_at >= :since) order by u.name",
        since=NOW - timedelta(days=30),
    )
    deliveries = await sql.one(
        "select count(*) from deliveries where delivered_at >= :first and delivered_at < :last",
        first=first,
        last=last,
    )
    highlights = await sql.rows(
        "select r.id, u.name, t.code, r.activity_date, r.description from reports r "
        "join units u on u.id = r.unit_id join plan_tasks t on t.id = r.task_id "
        "where r.created_at >= :first and r.created_at < :last "
        "and r.status in ('submitted', 'verified') and r.description is not null "
        "order by r.created_at desc limit 5",
        first=first,
        last=last,
    )
    return {
        "reports": reports,
        "units": units,
        "silent": [name for (name,) in silent],
        "deliveries": deliveries,
        "highlights": [(i, u, t, as_date(d), desc) for i, u, t, d, desc in highlights],
    }


def period(spec_period: str, year: int) -> tuple[date, date]:
    if spec_period == "year":
        return date(year, 1, 1), date(year, 12, 31)
    return date(PLAN["plan"]["start_year"], 1, 1), date(PLAN["plan"]["end_year"], 12, 31)


async def registry_state(sql: Sql, kinds: list[str]) -> tuple[int, str]:
    size = await sql.one("select count(*) from units where kind in :kinds and active", kinds=kinds)
    if size == 0:
        return 0, "empty"
    rows = await sql.rows(
        "select kind, status, declared_complete from registries where kind in :kinds", kinds=kinds
    )
    whole = {k for k, status, declared in rows if status == "complete" or declared}
    return size, "complete" if whole == set(kinds) else "partial"


async def expected_reached(sql: Sql, target: dict[str, Any], year: int) -> int:
    rule = target["reached"]
    first, last = period(rule.get("period", "year"), year)
    params: dict[str, object] = {
        "kinds": target["registries"],
        "tasks": list(rule.get("tasks") or []),
        "a": first,
        "b": last,
        "f": local_midnight(first),
        "l": local_midnight(last + timedelta(days=1)),
        "deliveries": bool(rule.get("deliveries")),
    }
    reached = await sql.one(
        "select count(*) from units u where u.kind in :kinds and u.active and ("
        "exists (select 1 from reports r join plan_tasks t on t.id = r.task_id "
        "where r.unit_id = u.id and t.code in :tasks and r.status in ('submitted', 'verified') "
        "and r.activity_date between :a and :b) "
        "or (:deliveries and exists (select 1 from deliveries d where d.unit_id = u.id "
        "and d.delivered_at >= :f and d.delivered_at < :l)))",
        **params,
    )
    return int(reached)


async def expected_sums(
    sql: Sql, target: dict[str, Any], first: date, last: date
) -> tuple[Any, ...]:
    """The figure summed over the counted reports: by the tasks' lead units, by everyone else."""
    return (
        await sql.rows(
            "select coalesce(sum(case when tu.unit_id is not null then f.number else 0 end), 0), "
            "coalesce(sum(case when tu.unit_id is null then f.number else 0 end), 0) "
            "from report_figures f join reports r on r.id = f.report_id "
            "join plan_tasks t on t.id = r.task_id "
            "left join task_units tu on tu.task_id = r.task_id and tu.unit_id = r.unit_id "
            "and tu.role = 'lead' "
            "where f.key = :key and t.code in :tasks and r.status in ('submitted', 'verified') "
            "and r.activity_date between :a and :b",
            key=target["sum"]["figure"],
            tasks=target["sum"]["tasks"],
            a=first,
            b=last,
        )
    )[0]


async def expected_count(sql: Sql, target: dict[str, Any], year: int) -> tuple[int, int | None]:
    """The target's count and, for a sum of the leads' reports, what the others reported."""
    first, last = period("year" if target["kind"] == "count_per_year" else "plan", year)
    if target.get("sum"):
        leads, others = await expected_sums(sql, target, first, last)
        if target["sum"].get("by") == "leads":
            return int(leads), int(others)
        return int(leads + others), None
    return int(
        await sql.one(
            "select count(*) from reports r join plan_tasks t on t.id = r.task_id "
            "where t.code in :tasks and r.status in ('submitted', 'verified') "
            "and r.activity_date between :a and :b",
            tasks=target["tasks"],
            a=first,
            b=last,
        )
    ), None


async def expected_figure(sql: Sql, target: dict[str, Any], year: int) -> TargetFigure:
    current: int | None
    others: int | None = None
    if target["kind"] == "registry_share":
        denominator, registry = await registry_state(sql, target["registries"])
        current = (
            await expected_reached(sql, target, year)
            if registry != "empty" and target.get("reached")
            else None
        )
    else:
        denominator, registry = None, None
        current, others = await expected_count(sql, target, year)
    return TargetFigure(
        code=target["code"],
        label=target["label"],
        kind=target["kind"],
        target=target["value"],
        comparison=target["comparison"],
        unit_label=target["unit_label"],
        current=current,
        denominator=denominator,
        registry=registry,
        year=year if target["kind"] == "count_per_year" else None,
        threshold_text=target["threshold_text"],
        others=others,
    )


async def test_the_digest_equals_plain_sql(
    session: AsyncSession, dataset: Dataset, texts: Texts
) -> None:
    sql = Sql(session)
    start, end = week_before(NOW, TZ)
    digest = await build_digest(session, start=start, end=end, now=NOW, tz=TZ)
    week = await expected_week(sql, start, end)
    assert (digest.start, digest.end) == (date(2027, 3, 8), date(2027, 3, 14))
    assert (digest.reports, digest.units_reporting) == (week["reports"], week["units"])
    assert digest.deliveries == week["deliveries"]
    assert digest.silent_total == len(week["silent"])
    assert digest.silent == week["silent"][:10]
    assert [
        (h.id, h.unit_name, h.task_code, h.activity_date, h.description) for h in digest.highlights
    ] == week["highlights"]
    rendered = texts.render("digest/weekly", d=digest)
    assert f"Báo cáo nhận được: {week['reports']} (từ {week['units']} đơn vị)" in rendered
    assert f"Tài liệu đã gửi tới người dùng: {week['deliveries']}" in rendered
    await _the_dataset_tests_something(sql, digest, dataset, week)


async def _the_dataset_tests_something(
    sql: Sql, digest: Digest, dataset: Dataset, week: dict[str, Any]
) -> None:
    """Guard the generator: the week has uncounted reports, silent communes of each sort."""
    start, end = digest.start, digest.end
    uncounted = await sql.one(
        "select count(*) from reports where created_at >= :f and created_at < :l "
        "and status in ('rejected', 'withdrawn')",
        f=local_midnight(start),
        l=local_midnight(end + timedelta(days=1)),
    )
    assert uncounted >= 2
    assert week["reports"] > 20
    assert len(week["highlights"]) == 5
    assert len(week["silent"]) > 10  # the digest cuts the list
    names = dict(await sql.rows("select id, name from units"))
    assert names[dataset.never[0]] in week["silent"]
    assert names[dataset.stale[0]] in week["silent"]
    assert names[dataset.never[-1]] not in week["silent"]  # inactive
    assert "Thành Sen" not in week["silent"]  # reported exactly 30 days ago


async def test_every_target_equals_plain_sql(session: AsyncSession, dataset: Dataset) -> None:
    sql = Sql(session)
    start, end = week_before(NOW, TZ)
    digest = await build_digest(session, start=start, end=end, now=NOW, tz=TZ)
    plan = PLAN["plan"]
    year = min(max(end.year, plan["start_year"]), plan["end_year"])
    expected = [await expected_figure(sql, t, year) for t in PLAN["targets"]]
    assert [f.code for f in digest.figures] == [f.code for f in expected]
    for got, want in zip(digest.figures, expected, strict=True):
        assert got == want, got.code
        assert got.share == (
            100.0 * want.current / want.denominator
            if want.kind == "registry_share" and want.denominator and want.current is not None
            else None
        )
    by_code = {f.code: f for f in digest.figures}
    assert by_code["schools_reached"].registry == "partial"
    assert by_code["schools_reached"].denominator == SHAPE.schools
    reached = by_code["communes_materials"]
    assert reached.denominator is not None
    assert reached.current == reached.denominator - len(dataset.never) + 1 + 1  # see edge_cases
    assert all(f.current for f in digest.figures if f.kind != "registry_share")


async def test_task_status_equals_plain_sql(session: AsyncSession, dataset: Dataset) -> None:
    sql, year = Sql(session), 2026
    for task in PLAN["tasks"] + PLAN["duties"]:
        status = await task_status(session, actor_role="coordinator", code=task["code"], year=year)
        bounds = {"code": task["code"], "a": date(year, 1, 1), "b": date(year, 12, 31)}
        count, units, last = (
            await sql.rows(
                "select count(*), count(distinct r.unit_id), max(r.activity_date) "
                "from reports r join plan_tasks t on t.id = r.task_id where t.code = :code "
                "and r.status in ('submitted', 'verified') and r.activity_date between :a and :b",
                **bounds,
            )
        )[0]
        assert (status.reports, status.units, status.last) == (count, units, as_date(last))
        sums = dict(
            await sql.rows(
                "select f.key, sum(f.number) from report_figures f "
                "join reports r on r.id = f.report_id join plan_tasks t on t.id = r.task_id "
                "where t.code = :code and r.status in ('submitted', 'verified') "
                "and r.activity_date between :a and :b and f.number is not null group by f.key",
                **bounds,
            )
        )
        numbers = [q for q in task["reporting"]["questions"] if q["type"] == "number"]
        assert status.totals == [
            (q["label"], f"{format_number(sums.get(q['key']) or 0)} {q.get('unit') or ''}".strip())
            for q in numbers
        ]
    assert dataset.reports == SHAPE.reports


async def test_unit_status_equals_plain_sql(session: AsyncSession, dataset: Dataset) -> None:
    sql, year = Sql(session), 2026
    thanh_sen = await sql.one("select id from units where code = '18073'")
    department = await sql.one("select min(id) from units where kind = 'department'")
    for unit_id in [*dataset.stale[:2], dataset.never[0], thanh_sen, department]:
        status = await unit_status(session, actor_role="coordinator", unit_id=unit_id, year=year)
        rows = await sql.rows(
            "select t.code, count(*), max(r.activity_date) from reports r "
            "join plan_tasks t on t.id = r.task_id where r.unit_id = :unit "
            "and r.status in ('submitted', 'verified') and r.activity_date between :a and :b "
            "group by t.code order by t.code",
            unit=unit_id,
            a=date(year, 1, 1),
            b=date(year, 12, 31),
        )
        assert status.by_task == [(code, count) for code, count, _ in rows]
        lasts = [d for d in (as_date(latest) for *_, latest in rows) if d is not None]
        assert status.last == max(lasts, default=None)
        officials = await sql.one(
            "select count(*) from users where unit_id = :unit and role = 'official'", unit=unit_id
        )
        assert status.officials == officials
        assert (status.officials == 2) is (unit_id == thanh_sen)
