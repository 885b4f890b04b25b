from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.texts import Texts
from bot.services.insights.kpis import TargetFigure, list_target_figures
from bot.services.outreach.materials import record_delivery
from db.models import Material, Unit
from tests.factories import make_report, make_user


async def _figures(session: AsyncSession, year: int = 2026) -> dict[str, TargetFigure]:
    figures = await list_target_figures(
        session, year=year, plan_start=date(2026, 1, 1), plan_end=date(2030, 12, 31)
    )
    return {f.code: f for f in figures}


async def test_an_empty_registry_has_no_percentage(session: AsyncSession, texts: Texts) -> None:
    schools = (await _figures(session))["schools_reached"]
    assert schools.registry == "empty"
    assert schools.share is None
    line = texts.render("kpi/target", f=schools)
    assert "chưa có danh sách" in line
    assert "%" not in line.split("(")[0]


async def test_communes_reached_counts_distinct_units_and_skips_rejected(
    session: AsyncSession,
) -> None:
    await make_report(session, unit_code="18073", task_code="IV.9")
    await make_report(session, unit_code="18073", task_code="I.5")
    await make_report(session, unit_code="18100", task_code="IV.9", status="rejected")
    await make_report(session, unit_code="18118", task_code="IV.9", status="withdrawn")
    await make_report(session, unit_code="18115", task_code="II.1")  # not a rule's task
    await make_report(session, unit_code="18652", task_code="IV.9", activity_date=date(2025, 12, 1))
    communes = (await _figures(session))["communes_reached"]
    assert (communes.current, communes.denominator, communes.registry) == (1, 69, "complete")
    assert communes.share is not None
    assert round(communes.share, 2) == 1.45


async def test_counts_per_year_only_count_that_year(session: AsyncSession, texts: Texts) -> None:
    lead = "BPTTH"  # Báo Hà Tĩnh leads I.1
    await make_report(
        session,
        unit_code=lead,
        task_code="I.1",
        activity_date=date(2026, 3, 1),
        figures={"news_items": 4},
    )
    await make_report(
        session,
        unit_code=lead,
        task_code="I.1",
        activity_date=date(2026, 5, 1),
        figures={"news_items": 3},
    )
    await make_report(
        session,
        unit_code=lead,
        task_code="I.1",
        activity_date=date(2027, 3, 1),
        figures={"news_items": 9},
    )
    await make_report(
        session,
        unit_code=lead,
        task_code="I.1",
        activity_date=date(2026, 6, 1),
        figures={"news_items": 5},
        status="rejected",
    )
    news = (await _figures(session, 2026))["news_items"]
    assert (news.current, news.year, news.others) == (7, 2026, 0)
    assert texts.render("kpi/target", f=news) == (
        "7 tin bài năm 2026 (mục tiêu: hằng năm khoảng 50 tin bài)"
    )


async def test_a_leads_only_count_shows_the_others_beside(
    session: AsyncSession, texts: Texts
) -> None:
    await make_report(session, unit_code="SNNMT", task_code="I.5", figures={"news_items": 6})
    await make_report(session, unit_code="18073", task_code="I.5", figures={"news_items": 20})
    await make_report(session, unit_code="SCT", task_code="I.5", figures={"news_items": 2})
    pieces = (await _figures(session, 2026))["plastic_media_pieces"]
    assert (pieces.current, pieces.others) == (6, 22)
    assert texts.render("kpi/target", f=pieces) == (
        "6 chương trình, tin, bài viết năm 2026 (mục tiêu: khoảng 30 chương trình, tin, bài viết)"
        "; đơn vị khác báo cáo thêm 22, không cộng vào"
    )


async def test_counts_over_the_plan_sum_their_figure(session: AsyncSession) -> None:
    await make_report(
        session, task_code="I.3", activity_date=date(2026, 3, 1), figures={"classes_held": 1}
    )
    await make_report(
        session, task_code="I.3", activity_date=date(2028, 3, 1), figures={"classes_held": 2}
    )
    assert (await _figures(session))["training_classes"].current == 3


async def test_a_registry_no_report_can_measure_says_so(
    session: AsyncSession, texts: Texts
) -> None:
    session.add(Unit(code="thpt-thu", kind="school", name="Trường THPT Thử", active=True))
    schools = (await _figures(session))["schools_reached"]
    assert (schools.current, schools.denominator) == (None, 1)
    assert "chưa đo được qua báo cáo" in texts.render("kpi/target", f=schools)


async def test_a_partial_registry_says_so(session: AsyncSession, texts: Texts) -> None:
    zones = (await _figures(session))["zones_reached"]
    assert zones.registry == "partial"
    assert "chưa đầy đủ" in texts.render("kpi/target", f=zones)


async def test_communes_receiving_materials_are_counted_from_the_delivery_log(
    session: AsyncSession,
) -> None:
    official = await make_user(session, chat_id="61", role="official", unit_code="18073")
    citizen = await make_user(session, chat_id="62")
    material = Material(
        slug="thu",
        title="Thử",
        topics=[],
        audiences=[],
        format="text",
        summary="",
        body="x",
        source="",
        published_on=date(2026, 1, 1),
    )
    session.add(material)
    await session.flush()
    for user in (official, official, citizen):
        await record_delivery(
            session,
            material_id=material.id,
            user_id=user.id,
            via="request",
            now=datetime(2026, 5, 1, tzinfo=UTC),
        )
    await session.flush()
    figure = (await _figures(session))["communes_materials"]
    assert (figure.current, figure.denominator) == (1, 69)
