"""The periodic report read back: its numbers equal what /tongquan shows, verified only."""

import asyncio
import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.errors import InvalidInput, PermissionDenied
from bot.services.core.texts import Texts
from bot.services.documents.reports import build_document
from bot.services.insights.digests import coordinator_digest
from bot.services.insights.periodic_report import assemble_report, find_period
from db.models import PeriodNote
from tests.datasets import TZ
from tests.factories import make_report, unit_by_code

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


async def _data(session: AsyncSession) -> None:
    rows: list[tuple[str, str, date, str, dict[str, float]]] = [
        ("BPTTH", "I.1", date(2026, 3, 2), "verified", {"news_items": 12}),
        ("BPTTH", "I.1", date(2026, 11, 10), "verified", {"news_items": 5}),
        ("BPTTH", "I.1", date(2026, 11, 11), "submitted", {"news_items": 40}),  # pending
        ("18073", "IV.9", date(2026, 11, 3), "verified", {"sessions_held": 2}),
        ("18100", "I.5", date(2026, 11, 4), "rejected", {"news_items": 9}),
    ]
    for code, task, day, status, figures in rows:
        report = await make_report(
            session,
            unit_code=code,
            task_code=task,
            activity_date=day,
            status=status,
            figures=figures,
        )
        report.description = f"Hoạt động {task} ngày {day:%d/%m}"
        report.created_at = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
    unit = await unit_by_code(session, "SNNMT")
    session.add(
        PeriodNote(
            unit_id=unit.id,
            period_key="2026-Q3",
            difficulties="Thiếu kinh phí in ấn",
            proposals="Bổ sung chỉ tiêu về chợ",
            funding_used=120.5,
            updated_at=NOW,
        )
    )
    await session.flush()


async def _document(session: AsyncSession, texts: Texts, key: str) -> docx.document.Document:
    period = await find_period(session, typed=key, today=NOW.date())
    content = await assemble_report(
        session, actor_role="coordinator", period=period, texts=texts, now=NOW, tz=TZ
    )
    return docx.Document(io.BytesIO(build_document(content)))


def _text(document: docx.document.Document) -> str:
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def test_the_yearly_report_counts_verified_reports_and_says_so(
    session: AsyncSession, texts: Texts
) -> None:
    await _data(session)
    document = await _document(session, texts, "2026")
    text = _text(document)
    assert "BÁO CÁO" in text
    assert "năm 2026" in text
    assert "số liệu tính từ ngày 15/12/2025 đến ngày 14/12/2026" in text
    assert "chỉ tính các báo cáo đã được Sở Công Thương xác minh (3 báo cáo của 2 đơn vị)" in text
    assert "1 báo cáo đang chờ xác minh chưa được tính" in text
    assert "Tin bài, phóng sự: 17 tin bài; 2 báo cáo của 1 đơn vị." in text
    assert "Sở Nông nghiệp và Môi trường: Thiếu kinh phí in ấn" in text
    assert "Sở Nông nghiệp và Môi trường: Bổ sung chỉ tiêu về chợ" in text
    funding = document.tables[-2]
    assert [c.text for c in funding.rows[1].cells] == ["1", "Sở Nông nghiệp và Môi trường", "120,5"]
    assert "Lưu: VT, …" in text


async def test_the_numbers_equal_the_overview(session: AsyncSession, texts: Texts) -> None:
    """November 2026 (15/10-14/11): the targets and the communes' completeness of the report
    are the figures /tongquan shows on 25/11 (all reports fall before the cut-off)."""
    await _data(session)
    digest = await coordinator_digest(session, actor_role="coordinator", now=NOW, tz=TZ)
    overview = texts.render("digest/weekly", d=digest)
    document = await _document(session, texts, "2026-11")
    targets = next(t for t in document.tables if t.rows[0].cells[1].text == "Chỉ tiêu")
    rows = {r.cells[1].text: r.cells[3].text for r in targets.rows[1:]}
    for figure in digest.figures:
        line = texts.render("kpi/target", f=figure)
        if figure.verified is None:
            continue
        shown = int(re.match(r"\d+", line).group())  # type: ignore[union-attr]
        assert shown == figure.verified
        assert int(re.match(r"\d+", rows[figure.label]).group()) == shown  # type: ignore[union-attr]
    assert rows["Tin bài trên phương tiện thông tin đại chúng"] == "17 tin bài"
    assert "17 tin bài đã xác minh (+40 chờ xác minh) năm 2026" in overview
    communes = digest.communes.communes if digest.communes else None
    assert communes is not None
    assert f"đã gửi {communes.actual}/{communes.due} báo cáo" in overview
    text = _text(document)
    assert f"Các xã, phường: phải gửi {communes.expected} báo cáo; đã gửi {communes.actual}" in text


async def test_periods_are_checked_and_the_report_is_for_coordinators(
    session: AsyncSession, texts: Texts
) -> None:
    with pytest.raises(InvalidInput) as bad:
        await find_period(session, typed="2026-Q5", today=NOW.date())
    assert "không phải là kỳ báo cáo" in texts.render(bad.value.template, **bad.value.values)
    with pytest.raises(InvalidInput, match="outside_plan"):
        await find_period(session, typed="2031", today=NOW.date())
    assert (await find_period(session, typed="", today=NOW.date())).key == "2026"
    assert (await find_period(session, typed="", today=date(2026, 12, 20))).key == "2027"
    period = await find_period(session, typed="2026-h1", today=NOW.date())
    with pytest.raises(PermissionDenied):
        await assemble_report(
            session, actor_role="official", period=period, texts=texts, now=NOW, tz=TZ
        )


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
async def test_libreoffice_renders_it_on_a4_pages(
    session: AsyncSession, texts: Texts, tmp_path: Path
) -> None:
    await _data(session)
    period = await find_period(session, typed="2026", today=NOW.date())
    content = await assemble_report(
        session, actor_role="coordinator", period=period, texts=texts, now=NOW, tz=TZ
    )
    source = tmp_path / "bao-cao.docx"
    source.write_bytes(build_document(content))
    await asyncio.to_thread(
        subprocess.run,
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pdf = (tmp_path / "bao-cao.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert re.search(rb"MediaBox\s*\[0 0 595\.\d+ 841\.\d+\]", pdf)  # A4 portrait
