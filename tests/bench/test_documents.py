"""The yearly report (DOCX) and the charts over five years of data, and charts' memory.

The same generated dataset as the digest's benchmark (tests/datasets.py): N = 300,000 reports,
100,000 deliveries, 200 schools, January 2026 to 20 December 2030, on SQLite and PostgreSQL.
Timed (median of DOCUMENT_BENCH_REPEAT runs after a warm-up, each in a fresh session):
`report` = reading the yearly report of 2030 (verified figures, completeness of every unit,
notes) plus laying it out as .docx; `digest chart` and `heatmap` = reading their values plus
drawing the PNG; the drawing alone is printed too. Reference in the same run: a bare
matplotlib figure with one bar drawn the same way. Goals (docs/performance.md): report < 5 s, a
chart < 0.5 s, RSS growth over 200 chart renders in one process < 10 MB (measured after 20
warm-up renders). Knobs: DOCUMENT_BENCH_REPORTS, DOCUMENT_BENCH_REPEAT, DOCUMENT_BENCH_RENDERS.
"""

import asyncio
import functools
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.texts import Texts
from bot.services.documents.charts import (
    DigestChart,
    Heatmap,
    ProgressBar,
    render_digest_chart,
    render_heatmap,
)
from bot.services.documents.reports import build_document
from bot.services.insights.charts import digest_chart_values, heatmap_values
from bot.services.insights.periodic_report import assemble_report, find_period
from db.engine import make_engine, make_sessionmaker
from tests.databases import CONTENT_DIR
from tests.datasets import TZ, Shape, generate

REPORTS = int(os.environ.get("DOCUMENT_BENCH_REPORTS", "300000"))
REPEAT = int(os.environ.get("DOCUMENT_BENCH_REPEAT", "3"))
RENDERS = int(os.environ.get("DOCUMENT_BENCH_RENDERS", "200"))
NOW = datetime(2030, 12, 20, 2, 0, tzinfo=UTC)  # after the cut-off of reporting year 2030
SHAPE = Shape(reports=REPORTS, deliveries=100_000, schools=200, first=date(2026, 1, 1), now=NOW)
FONT = CONTENT_DIR / "fonts" / "DejaVuSans.ttf"
TEXTS = Texts(CONTENT_DIR / "templates")


@dataclass
class Row:
    """One measured thing on one backend."""

    backend: str
    what: str
    seconds: float
    drawing: float | None
    goal: float


@pytest.fixture(scope="module")
def rows() -> Iterator[list[Row]]:
    measured: list[Row] = []
    yield measured
    if measured:
        lines = [f"{'backend':<11} {'what':<28} {'total ms':>9} {'drawing ms':>11}  goal"]
        for r in measured:
            drawing = f"{1000 * r.drawing:>11.0f}" if r.drawing is not None else f"{'-':>11}"
            verdict = "meets" if r.seconds < r.goal else "misses"
            lines.append(
                f"{r.backend:<11} {r.what:<28} {1000 * r.seconds:>9.0f} {drawing}  "
                f"{verdict} (< {r.goal:g} s)"
            )
        print("\n\nPeriodic report and charts over five years of data\n" + "\n".join(lines))


async def timed(
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


def drawn(render: Callable[[], bytes]) -> float:
    times = []
    for _ in range(REPEAT + 1):
        started = time.perf_counter()
        render()
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


async def yearly_report(session: AsyncSession) -> bytes:
    period = await find_period(session, typed="2030", today=NOW.date())
    content = await assemble_report(
        session, actor_role="coordinator", period=period, texts=TEXTS, now=NOW, tz=TZ
    )
    return await asyncio.to_thread(build_document, content)


def reference_chart() -> bytes:
    chart = DigestChart("x", "x", [ProgressBar("x", 50, 10, "x")], "a", "b", "x", [], 80, "x", "x")
    return render_digest_chart(chart, font=FONT)


@pytest.mark.timeout(1800)
async def test_report_and_charts_over_five_years(db_url: URL, rows: list[Row]) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    backend = engine.dialect.name
    try:
        async with sessions.begin() as session:
            dataset = await generate(session, SHAPE)
        if backend == "postgresql":
            async with sessions.begin() as session:
                await session.execute(text("analyze"))
        seconds, data = await timed(sessions, yearly_report)
        assert data[:2] == b"PK"
        rows.append(Row(backend, f"yearly report ({dataset.reports} rep.)", seconds, None, 5.0))
        charts: list[tuple[str, Any, Callable[..., bytes]]] = [
            ("digest chart", digest_chart_values, render_digest_chart),
            ("heatmap", heatmap_values, render_heatmap),
        ]
        for name, values_of, render in charts:

            async def read(session: AsyncSession, values_of: Any = values_of) -> Any:
                return await values_of(session, texts=TEXTS, now=NOW, tz=TZ)

            reading, values = await timed(sessions, read)
            drawing = drawn(functools.partial(render, values, font=FONT))
            rows.append(Row(backend, name, reading + drawing, drawing, 0.5))
        rows.append(Row(backend, "reference: one-bar chart", drawn(reference_chart), None, 0.5))
    finally:
        await engine.dispose()


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


@pytest.mark.timeout(1800)
def test_charts_do_not_leak(rows: list[Row]) -> None:
    """200 renders of the digest chart and the heatmap, alternately, in this process."""
    shares = [(f"Xã số {i}", (i * 37) % 101) for i in range(69)]
    from bot.services.documents.charts import ShareBar

    digest = DigestChart(
        "Tiến độ",
        "Chỉ tiêu",
        [ProgressBar(f"Chỉ tiêu {i}", 10.0 * i, 5, "x") for i in range(13)],
        "Đã xác minh",
        "Chờ xác minh",
        "Xã, phường",
        [ShareBar(name, percent) for name, percent in shares],
        80,
        "ngưỡng 80%",
        "trống",
    )
    states = ["on_time", "late", "missing", "not_due"]
    heatmap = Heatmap(
        "Bản đồ",
        [name for name, _ in shares],
        [f"T{m}" for m in range(1, 13)],
        [[states[(i + m) % 4] for m in range(12)] for i in range(69)],
        [(s, s) for s in states],
    )
    for i in range(20):
        (render_digest_chart(digest, font=FONT) if i % 2 else render_heatmap(heatmap, font=FONT))
    before = _rss_mb()
    for i in range(RENDERS):
        (render_digest_chart(digest, font=FONT) if i % 2 else render_heatmap(heatmap, font=FONT))
    growth = _rss_mb() - before
    print(
        f"\n\nRSS over {RENDERS} chart renders: {before:.1f} -> {before + growth:.1f} MB "
        f"(growth {growth:.1f} MB, goal < 10 MB)"
    )
    assert growth < 10
