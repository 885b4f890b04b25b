"""Establishments at the scale of a province and the commitment letters.

1. The targets (list_target_figures) before and after adding establishments: 4,000 units of
   the five kinds that commit and 1,000 enterprises, 2,500 commitments (2,000 verified), 100,000
   deliveries to their representatives over five years. The reference is the same call on the
   same database before the establishments were added (their registries then empty).
2. One letter as DOCX and as PDF (a roadmap of 8 actions), beside a PDF leaflet of the
   materials (the project's other PDF builder), in the same run.

Only correctness is asserted; times (medians, after a warm-up) are printed.
"""

import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.content.commitment_specs import load_catalog
from bot.services.content.material_files import load_materials, load_topics
from bot.services.content.problems import Problems
from bot.services.documents.commitment_docx import render_docx
from bot.services.documents.commitment_letter import LetterAction, LetterValues
from bot.services.documents.commitment_pdf import render_pdf
from bot.services.insights.kpis import list_target_figures
from bot.services.outreach.leaflets import build_leaflet
from db.engine import make_engine, make_sessionmaker
from db.models import Commitment, Delivery, Material, Unit
from tests.databases import CONTENT_DIR

REPEAT = 5
KINDS = ("supermarket", "trade_centre", "market", "lodging", "tourist_site")
ESTABLISHMENTS, ENTERPRISES, DELIVERIES = 4_000, 1_000, 100_000


async def _median(
    sessions: async_sessionmaker[AsyncSession], work: Callable[[AsyncSession], Awaitable[Any]]
) -> tuple[float, Any]:
    seconds, result = [], None
    for attempt in range(REPEAT + 1):
        async with sessions() as session:
            started = time.perf_counter()
            result = await work(session)
            if attempt:
                seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


async def _targets(session: AsyncSession) -> dict[str, Any]:
    figures = await list_target_figures(
        session, year=2030, plan_start=date(2026, 1, 1), plan_end=date(2030, 12, 31)
    )
    return {f.code: f for f in figures}


async def _establishments(sessions: async_sessionmaker[AsyncSession]) -> None:
    rng = random.Random(15)
    async with sessions.begin() as session:
        communes = list(await session.scalars(select(Unit.id).where(Unit.kind == "commune")))
        materials = list(await session.scalars(select(Material.id)))
        rows = [
            {
                "code": f"bench-{i}",
                "kind": KINDS[i % 5],
                "name": f"Cơ sở {i}",
                "active": True,
                "commune_id": rng.choice(communes),
                "aliases": [],
                "former_names": [],
            }
            for i in range(ESTABLISHMENTS)
        ] + [
            {
                "code": f"bench-dn-{i}",
                "kind": "enterprise",
                "name": f"Doanh nghiệp {i}",
                "active": True,
                "commune_id": rng.choice(communes),
                "aliases": [],
                "former_names": [],
            }
            for i in range(ENTERPRISES)
        ]
        await session.execute(insert(Unit), rows)
        ids = list(await session.scalars(select(Unit.id).where(Unit.code.like("bench-%"))))
        await session.execute(
            insert(Commitment),
            [
                {"unit_id": unit_id, "status": "verified" if n < 2_000 else "submitted"}
                for n, unit_id in enumerate(ids[:2_500])
            ],
        )
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for batch in range(0, DELIVERIES, 10_000):
            await session.execute(
                insert(Delivery),
                [
                    {
                        "material_id": rng.choice(materials),
                        "unit_id": rng.choice(ids),
                        "channel": "telegram",
                        "via": "request",
                        "delivered_at": start + timedelta(minutes=rng.randrange(5 * 525_600)),
                    }
                    for _ in range(batch, batch + 10_000)
                ],
            )
    if sessions.kw["bind"].dialect.name == "postgresql":
        async with sessions.begin() as session:
            await session.execute(text("analyze"))


@pytest.mark.timeout(900)
async def test_organisation_targets_at_province_scale(db_url: URL) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    try:
        before, _ = await _median(sessions, _targets)
        await _establishments(sessions)
        after, figures = await _median(sessions, _targets)
    finally:
        await engine.dispose()
    assert figures["plastic_commitments"].current == 2_000
    assert figures["enterprises_reached"].denominator == ENTERPRISES
    print(
        f"\n\nOrganisation targets ({engine.dialect.name}): all targets {1000 * after:.0f} ms "
        f"with {ESTABLISHMENTS + ENTERPRISES} establishments, 2,500 commitments, "
        f"{DELIVERIES} deliveries; reference, same call before them: {1000 * before:.0f} ms "
        f"(goal < 1 s)"
    )


def _letter() -> LetterValues:
    catalog = load_catalog(CONTENT_DIR)
    actions = catalog.actions_for("supermarket")[:8]
    return LetterValues(
        number=1,
        establishment="Siêu thị Thử Nghiệm",
        kind_label="Siêu thị",
        address="Phường Thành Sen, tỉnh Hà Tĩnh",
        tax_code="3000123456",
        representative="Trần Thị Bình",
        position="Quản lý",
        phone="0912345678",
        recipient="Sở Công Thương tỉnh Hà Tĩnh",
        place="Hà Tĩnh",
        day=date(2026, 11, 25),
        actions=tuple(LetterAction(a.label, date(2027, 6, 30)) for a in actions),
        legal_frame=catalog.legal_frame,
        compliance_note=catalog.compliance_note,
        task="II.3",
    )


def _timed(work: Callable[[], object], repeat: int = 10) -> float:
    work()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def test_letters_beside_a_leaflet(tmp_path: Path) -> None:
    values, fonts = _letter(), CONTENT_DIR / "fonts"
    problems = Problems()
    topics = {t.key for t in load_topics(CONTENT_DIR / "materials", problems)}
    material = next(
        m for m in load_materials(CONTENT_DIR / "materials", topics, problems) if m.leaflet
    )
    copy = tmp_path / "content"
    (copy / "fonts").mkdir(parents=True)
    for font in fonts.glob("DejaVu*.ttf"):
        (copy / "fonts" / font.name).write_bytes(font.read_bytes())
    docx = _timed(lambda: render_docx(values))
    pdf = _timed(lambda: render_pdf(values, fonts_dir=fonts))
    leaflet = _timed(lambda: build_leaflet(material, content_dir=copy))
    assert render_pdf(values, fonts_dir=fonts).startswith(b"%PDF")
    print(
        f"\n\nCommitment letter (8 actions): DOCX {1000 * docx:.0f} ms, PDF {1000 * pdf:.0f} ms; "
        f"reference, a material's PDF leaflet: {1000 * leaflet:.0f} ms"
    )
