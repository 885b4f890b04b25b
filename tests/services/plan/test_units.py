from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.errors import ContentError
from bot.services.insights.kpis import list_target_figures
from bot.services.plan.units import find_units, list_units
from bot.services.seeding.rows import SeedSummary
from bot.services.seeding.unit_import import import_units, read_unit_file
from db.models import Registry, Unit

HEADER = "code,name,kind,category,parent,aliases,former_names,note\n"


def _csv(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "schools.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


async def _import(
    session: AsyncSession, path: Path, *, kind: str, complete: bool = False
) -> SeedSummary:
    return await import_units(
        session, read_unit_file(path, kind=kind), kind=kind, complete=complete
    )


async def _schools(session: AsyncSession) -> int:
    query = select(func.count()).select_from(Unit).where(Unit.kind == "school")
    return await session.scalar(query) or 0


async def test_import_adds_then_updates_by_code(session: AsyncSession, tmp_path: Path) -> None:
    path = _csv(tmp_path, "thpt-a,THPT A,,,,,,\nthpt-b,THPT B,school,,,,,\n")
    summary = await _import(session, path, kind="school")
    assert summary.created["units"] == 2
    path = _csv(tmp_path, "thpt-a,THPT A (mới),,,,,,\n")
    summary = await _import(session, path, kind="school")
    assert (summary.created["units"], summary.updated["units"]) == (0, 1)
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
        ("thpt-a,THPT A,,,,,,\n,THPT B,,,,,,\n", "schools.csv:4: code and name are required"),
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
        read_unit_file(_csv(tmp_path, "a,A\n", header="ma,ten\n"), kind="school")


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
