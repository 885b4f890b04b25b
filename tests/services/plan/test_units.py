from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.errors import ContentError
from bot.services.insights.kpis import list_target_figures
from bot.services.plan.units import find_units, list_units
from bot.services.seeding.unit_import import (
    ImportSummary,
    import_units,
    read_unit_file,
    registry_categories,
)
from db.models import Registry, Unit

HEADER = "code,name,kind,category,parent,aliases,former_names,note\n"


def _csv(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "schools.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


async def _import(
    session: AsyncSession,
    path: Path,
    *,
    kind: str,
    complete: bool = False,
    categories: dict[str, str] | None = None,
) -> ImportSummary:
    specs = read_unit_file(path, kind=kind, categories=categories)
    return await import_units(session, specs, kind=kind, complete=complete)


async def _schools(session: AsyncSession) -> int:
    query = select(func.count()).select_from(Unit).where(Unit.kind == "school")
    return await session.scalar(query) or 0


async def test_import_adds_then_updates_by_code(session: AsyncSession, tmp_path: Path) -> None:
    path = _csv(tmp_path, "thpt-a,THPT A,,,,,,\nthpt-b,THPT B,school,,,,,\n")
    summary = await _import(session, path, kind="school")
    assert summary.added == 2
    path = _csv(tmp_path, "thpt-a,THPT A (mới),,,,,,\nthpt-b,THPT B,,,,,,\n")
    summary = await _import(session, path, kind="school")
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    assert await _schools(session) == 2


async def test_import_reads_excel(session: AsyncSession, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "name"])
    sheet.append(["thpt-x", "Trường THPT X"])
    sheet.append([None, None])
    sheet.append(["thpt-y", "Trường THPT Y"])
    path = tmp_path / "schools.xlsx"
    book.save(path)
    await _import(session, path, kind="school", complete=True)
    assert await _schools(session) == 2
    registry = await session.get(Registry, "school")
    assert registry is not None
    assert registry.declared_complete
    figures = await list_target_figures(
        session, year=2026, plan_start=date(2026, 1, 1), plan_end=date(2030, 12, 31)
    )
    schools = next(f for f in figures if f.code == "schools_reached")
    # Schools are counted by the quiz contest later; reports cannot measure them.
    assert (schools.current, schools.denominator, schools.registry) == (None, 2, "complete")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("thpt-a,THPT A,,,,,,\nthpt-a,THPT A2,,,,,,\n", "schools.csv:4: duplicate code 'thpt-a'"),
        ("thpt-a,THPT A,,,,,,\nthpt-b,,,,,,,\n", "schools.csv:4: code and name are required"),
        ("thpt-a,THPT A,market,,,,,\n", "schools.csv:3: kind 'market'"),
        ("18073,Thành Sen,,,,,,\n", "schools.csv:3: code '18073' belongs to a ward unit"),
        ("thpt-a,THPT A,,,nowhere,,,\n", "schools.csv:3: unknown parent unit 'nowhere'"),
    ],
)
async def test_import_is_all_or_nothing(
    session: AsyncSession, tmp_path: Path, body: str, message: str
) -> None:
    path = _csv(tmp_path, "thpt-ok,THPT Tốt,,,,,,\n" + body)
    with pytest.raises(ContentError) as caught:
        await _import(session, path, kind="school")
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
    assert await _schools(session) == 0


async def test_import_refuses_an_unknown_kind_and_a_bad_header(
    session: AsyncSession, tmp_path: Path
) -> None:
    with pytest.raises(ContentError, match="unknown kind 'spaceport'"):
        await _import(session, _csv(tmp_path, "a,A\n"), kind="spaceport")
    with pytest.raises(ContentError, match=r"schools\.csv:1: missing column"):
        read_unit_file(_csv(tmp_path, "a,A\n", header="so,hieu\n"), kind="school")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("thanh sen", "Thành Sen"),
        ("THÀNH SEN", "Thành Sen"),
        ("thanh senn", "Thành Sen"),
        ("18073", "Thành Sen"),
        ("Thạch Hưng", "Thành Sen"),
    ],
)
async def test_find_units_ignores_case_diacritics_and_typos(
    session: AsyncSession, typed: str, expected: str
) -> None:
    found = await find_units(session, typed, kinds=("commune", "ward"))
    assert found
    assert found[0].name == expected


async def test_current_names_come_before_former_names(session: AsyncSession) -> None:
    # "Thạch Hạ" (merged into Trần Phú) folds like "Thạch Hà", which is a commune today.
    found = await find_units(session, "thach ha", kinds=("commune", "ward"))
    assert [u.name for u in found[:2]] == ["Thạch Hà", "Trần Phú"]


async def test_list_units_by_kind(session: AsyncSession) -> None:
    communes = await list_units(session, kind="commune")
    assert len(communes) == 60
    assert communes[0].title.startswith("Xã ")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Sở Tài nguyên và Môi trường", "SNNMT"),
        ("so nong nghiep va phat trien nong thon", "SNNMT"),
        ("Sở TN&MT", "SNNMT"),
        ("Sở Thông tin và Truyền thông", "SKHCN"),
        ("so ke hoach va dau tu", "STC"),
        ("Báo và Phát thanh, truyền hình Hà Tĩnh", "BPTTH"),
        ("Báo Hà Tĩnh", "BPTTH"),
    ],
)
async def test_former_and_plan_names_find_todays_body(
    session: AsyncSession, typed: str, code: str
) -> None:
    [found, *_] = await find_units(session, typed, kinds=("department",))
    assert found.code == code


async def test_todays_name_of_the_newsroom_is_shown(session: AsyncSession) -> None:
    [newsroom] = await find_units(session, "BPTTH")
    assert newsroom.name == "Báo Hà Tĩnh"


async def test_the_former_loc_ha_district_offers_the_communes_that_were_in_it(
    session: AsyncSession,
) -> None:
    found = await find_units(session, "huyện Lộc Hà (cũ)", kinds=("commune", "ward"))
    assert {u.code for u in found} == {"18568", "18409", "18583", "18586", "18100"}
    [commune] = await find_units(session, "Lộc Hà", kinds=("commune", "ward"), limit=1)
    assert commune.name == "Lộc Hà"


INDUSTRIES = registry_categories(Path("content"))["enterprise"]


async def test_import_reads_vietnamese_headers_kinds_and_industries(
    session: AsyncSession, tmp_path: Path
) -> None:
    path = tmp_path / "doanh-nghiep.csv"
    path.write_text(
        "Tên,Loại,Xã/phường,Mã số thuế,Ngành\n"
        "Công ty TNHH Dệt Thử Nghiệm,Doanh nghiệp,Thạch Hà,3000 123 456,Dệt may\n"
        "Công ty CP Bia Thử Nghiệm,,xã Can Lộc,3000654321-001,bia\n",
        encoding="utf-8",
    )
    summary = await _import(session, path, kind="enterprise", categories=INDUSTRIES)
    assert summary.added == 2
    rows = {u.name: u for u in await session.scalars(select(Unit).where(Unit.kind == "enterprise"))}
    textiles = rows["Công ty TNHH Dệt Thử Nghiệm"]
    assert (textiles.code, textiles.tax_code, textiles.category) == (
        "mst-3000123456",
        "3000123456",
        "textiles",
    )
    commune = await session.get(Unit, textiles.commune_id)
    assert commune is not None
    assert commune.name == "Thạch Hà"
    assert rows["Công ty CP Bia Thử Nghiệm"].category == "beer"
    # The same file again changes nothing: the codes made from the tax codes are stable.
    again = await _import(session, path, kind="enterprise", categories=INDUSTRIES)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


async def test_import_reads_english_headers_and_makes_codes_without_tax_code(
    session: AsyncSession, tmp_path: Path
) -> None:
    path = tmp_path / "markets.csv"
    path.write_text("name,commune\nChợ Thử Nghiệm,18073\n", encoding="utf-8")
    await _import(session, path, kind="market")
    await _import(session, path, kind="market")
    market = await session.scalar(select(Unit).where(Unit.kind == "market"))
    assert market is not None
    assert market.code == "market-cho-thu-nghiem-18073"
    assert await session.scalar(select(func.count()).where(Unit.kind == "market")) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Chợ A,Nơi Không Có\n", "markets.csv:3: commune 'Nơi Không Có' is not a commune or ward"),
        ("Chợ A,Thạch Hà,12345\n", "markets.csv:3: tax code '12345' must be 10 or 13 digits"),
        (
            "Chợ A,Thạch Hà,3000123456\nChợ B,Thạch Hà,3000123456\n",
            "markets.csv:4: duplicate code 'mst-3000123456'",
        ),
        (
            "Chợ A,Thạch Hà\nChợ A,Thạch Hà\n",
            "markets.csv:4: duplicate code 'market-cho-a-thach-ha'",
        ),
    ],
)
async def test_import_refuses_a_bad_commune_a_bad_tax_code_and_duplicates(
    session: AsyncSession, tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "markets.csv"
    path.write_text("Tên,Xã/phường,Mã số thuế\nChợ Tốt,Thạch Hà\n" + body, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        await _import(session, path, kind="market")
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
    assert await session.scalar(select(func.count()).where(Unit.kind == "market")) == 0


async def test_import_refuses_a_tax_code_another_unit_has(
    session: AsyncSession, tmp_path: Path
) -> None:
    first = tmp_path / "supermarkets.csv"
    first.write_text("Mã,Tên,Mã số thuế\nst-1,Siêu thị Một,3000111222\n", encoding="utf-8")
    await _import(session, first, kind="supermarket")
    second = tmp_path / "more.csv"
    second.write_text("Mã,Tên,Mã số thuế\nst-2,Siêu thị Hai,3000111222\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"more\.csv:2: tax code 3000111222 belongs to 'st-1'"):
        await _import(session, second, kind="supermarket")


async def test_shipped_zones_and_craft_villages_have_their_communes(session: AsyncSession) -> None:
    zone = await session.scalar(select(Unit).where(Unit.code == "ccn-nam-hong"))
    assert zone is not None
    commune = await session.get(Unit, zone.commune_id)
    assert commune is not None
    assert commune.name == "Nam Hồng Lĩnh"
    villages = (await session.scalars(select(Unit).where(Unit.kind == "craft_village"))).all()
    assert len(villages) == 14
    assert {v.category for v in villages} == {"traditional_village", "traditional_craft"}
