"""The plan's organisation targets move with verified commitments and materials delivered to
establishments' representatives."""

from datetime import UTC, date, datetime
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.texts import Texts
from bot.services.insights.exports import export_workbook
from bot.services.insights.kpis import TargetFigure, list_target_figures
from db.models import Commitment, CommitmentAction, Delivery, Material
from tests.factories import make_representative

AT = datetime(2026, 11, 20, 3, tzinfo=UTC)


async def _figures(session: AsyncSession) -> dict[str, TargetFigure]:
    figures = await list_target_figures(
        session, year=2026, plan_start=date(2026, 1, 1), plan_end=date(2030, 12, 31)
    )
    return {f.code: f for f in figures}


async def _commit(session: AsyncSession, unit_id: int, status: str) -> None:
    session.add(Commitment(unit_id=unit_id, status=status))
    await session.flush()


async def _material(session: AsyncSession, slug: str, topics: list[str]) -> Material:
    material = Material(
        slug=slug,
        title=slug,
        topics=topics,
        audiences=[],
        format="text",
        summary="",
        body="",
        source="",
        published_on=date(2026, 1, 1),
    )
    session.add(material)
    await session.flush()
    return material


async def _deliver(session: AsyncSession, material: Material, user_id: int, unit_id: int) -> None:
    session.add(
        Delivery(
            material_id=material.id,
            user_id=user_id,
            unit_id=unit_id,
            channel="telegram",
            via="request",
            delivered_at=AT,
        )
    )
    await session.flush()


async def test_only_verified_commitments_count_each_on_its_own_target(
    session: AsyncSession, texts: Texts
) -> None:
    figures = await _figures(session)
    retail = figures["retail_plastic_commitments"]
    assert (retail.current, retail.registry) == (None, "empty")
    assert "chưa có danh sách" in texts.render("kpi/target", f=retail)
    _, shop = await make_representative(session, chat_id="2001", kind="supermarket")
    _, other = await make_representative(session, chat_id="2002", kind="supermarket")
    _, hotel = await make_representative(session, chat_id="2003", kind="lodging")
    _, market = await make_representative(session, chat_id="2004", kind="market")
    await _commit(session, shop.id, "submitted")
    await _commit(session, other.id, "rejected")
    figures = await _figures(session)
    assert (
        figures["retail_plastic_commitments"].current,
        figures["plastic_commitments"].current,
    ) == (0, 0)
    await _commit(session, hotel.id, "verified")
    await _commit(session, market.id, "verified")
    figures = await _figures(session)
    retail, tourism, all_kinds = (
        figures["retail_plastic_commitments"],
        figures["lodging_plastic_commitments"],
        figures["plastic_commitments"],
    )
    assert (retail.current, retail.denominator) == (0, 2)
    assert (tourism.current, tourism.denominator) == (1, 1)
    assert (all_kinds.current, all_kinds.denominator) == (2, 4)
    assert "1/1 (100%)" in texts.render("kpi/target", f=tourism)
    assert "mục tiêu: trên 85%" in texts.render("kpi/target", f=tourism)
    assert "mục tiêu: phấn đấu khoảng 85%" in texts.render("kpi/target", f=all_kinds)


async def test_materials_delivered_to_representatives_reach_their_establishments(
    session: AsyncSession,
) -> None:
    plastics = await _material(session, "giam-nhua-thu", ["nhua"])
    energy = await _material(session, "nang-luong-thu", ["nang-luong"])
    firm_rep, firm = await make_representative(session, chat_id="2101", kind="enterprise")
    zone_rep, _zone = await make_representative(session, chat_id="2102", kind="zone")
    shop_rep, shop = await make_representative(session, chat_id="2103", kind="supermarket")
    mall_rep, mall = await make_representative(session, chat_id="2104", kind="trade_centre")
    figures = await _figures(session)
    assert figures["enterprises_reached"].current == 0
    assert figures["retail_outreach"].current == 0
    await _deliver(session, energy, firm_rep.id, firm.id)
    await _deliver(session, energy, zone_rep.id, zone_rep.unit_id or 0)
    await _deliver(session, plastics, shop_rep.id, shop.id)
    await _deliver(session, energy, mall_rep.id, mall.id)  # not about plastics
    figures = await _figures(session)
    assert (figures["enterprises_reached"].current, figures["enterprises_reached"].denominator) == (
        1,
        1,
    )
    zones = figures["zones_reached"]
    assert (zones.current, zones.registry) == (1, "partial")
    outreach = figures["retail_outreach"]
    assert (outreach.current, outreach.denominator) == (1, 2)


async def test_the_excel_export_has_a_sheet_of_establishments(session: AsyncSession) -> None:
    _, shop = await make_representative(session, chat_id="2201", kind="supermarket")
    await make_representative(session, chat_id="2202", kind="lodging", name="Khách sạn Thử")
    commitment = Commitment(unit_id=shop.id, status="verified")
    session.add(commitment)
    await session.flush()
    session.add(
        CommitmentAction(
            commitment_id=commitment.id,
            key="signs",
            label="Treo biển nhắc khách",
            position=1,
            due_date=date(2027, 6, 30),
            status="late",
        )
    )
    await session.flush()
    book = load_workbook(BytesIO(await export_workbook(session, year=2026)))
    rows = list(book["Cơ sở"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Mã", "Loại", "Tên")
    by_name = {row[2]: row for row in rows[1:]}
    shop_row = by_name["Siêu thị Thử Nghiệm"]
    assert shop_row[1] == "Siêu thị"
    assert shop_row[3] == "Thành Sen"
    assert shop_row[5] == 1  # representatives counted, never named
    assert shop_row[7] == "Đã xác minh"
    assert shop_row[8] == "Treo biển nhắc khách – 30/06/2027 – chậm"
    assert by_name["Khách sạn Thử"][7] == "Chưa lập"
    assert "Trần Thị Bình" not in str(rows)
    assert any(row[1] == "Làng nghề" for row in rows[1:])
