from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.kpis import TargetFigure, list_target_figures
from bot.services.texts import Texts
from tests.factories import make_report


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
    await make_report(session, unit_code="18073", task_code="I.1")
    await make_report(session, unit_code="18073", task_code="I.5")
    await make_report(session, unit_code="18100", task_code="I.1", status="rejected")
    await make_report(session, unit_code="18115", task_code="II.1")  # not linked to the target
    communes = (await _figures(session))["communes_reached"]
    assert (communes.current, communes.denominator, communes.registry) == (1, 69, "complete")
    assert communes.share is not None
    assert round(communes.share, 2) == 1.45


async def test_counts_per_year_only_count_that_year(session: AsyncSession, texts: Texts) -> None:
    await make_report(session, task_code="I.1", activity_date=date(2026, 3, 1))
    await make_report(session, task_code="I.1", activity_date=date(2027, 3, 1))
    news = (await _figures(session, 2026))["news_items"]
    assert (news.current, news.year) == (1, 2026)
    assert texts.render("kpi/target", f=news).startswith("1 tin bài năm 2026")


async def test_a_partial_registry_says_so(session: AsyncSession, texts: Texts) -> None:
    zones = (await _figures(session))["zones_reached"]
    assert zones.registry == "partial"
    assert "chưa đầy đủ" in texts.render("kpi/target", f=zones)
