"""The weekly digest and all targets over five years of data, at N and at 2N.

A seeded plan plus a generated dataset (tests/datasets.py): N = 300,000 reports (with about two
figures each), 100,000 deliveries, 200 schools, the 69 communes and wards (a few silent), from
January 2026 to the digest of Monday 2 December 2030. The dataset is then doubled in place (as
many reports and deliveries again over the same five years) and measured again. Times are the
median of DIGEST_BENCH_REPEAT runs after one warm-up run, each in a fresh session: `digest` is
`build_digest` (which includes the targets), `targets` is `list_target_figures` alone. Goal
(docs/performance.md): under 1 s on SQLite and PostgreSQL, growing at most linearly with the data
(a growth factor of at most 2 when the data doubles). Only correctness is asserted; times are
printed. Knobs: DIGEST_BENCH_REPORTS, DIGEST_BENCH_DELIVERIES, DIGEST_BENCH_REPEAT.
"""

import os
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.insights.digests import build_digest, week_before
from bot.services.insights.kpis import list_target_figures
from bot.services.plan.tasks import get_plan_info
from db.engine import make_engine, make_sessionmaker
from tests.datasets import TZ, Dataset, Shape, generate

REPORTS = int(os.environ.get("DIGEST_BENCH_REPORTS", "300000"))
DELIVERIES = int(os.environ.get("DIGEST_BENCH_DELIVERIES", "100000"))
REPEAT = int(os.environ.get("DIGEST_BENCH_REPEAT", "5"))
NOW = datetime(2030, 12, 2, 1, 0, tzinfo=UTC)  # Monday 08:00 in Hà Tĩnh
SHAPE = Shape(reports=REPORTS, deliveries=DELIVERIES, schools=200, first=date(2026, 1, 1), now=NOW)
GOAL_SECONDS = 1.0


@dataclass
class Run:
    """One backend at one size."""

    backend: str
    size: str
    reports: int
    figures: int
    deliveries: int
    build_seconds: float
    digest_seconds: float
    targets_seconds: float
    growth: float | None = None  # digest time at 2N / at N


def render(runs: list[Run]) -> str:
    """The figures as a fixed-width table, with the goal beside them."""
    header = (
        f"{'backend':<11} {'size':<4} {'reports':>8} {'figures':>8} {'deliveries':>10} "
        f"{'build s':>8} {'digest ms':>9} {'targets ms':>10} {'growth':>7}  goal"
    )
    lines = [header, "-" * len(header)]
    for r in runs:
        growth = f"{r.growth:.2f}x" if r.growth is not None else "-"
        verdict = "meets" if r.digest_seconds < GOAL_SECONDS else "misses"
        if r.growth is not None and r.growth > 2.0:
            verdict += ", grows faster than the data"
        lines.append(
            f"{r.backend:<11} {r.size:<4} {r.reports:>8} {r.figures:>8} {r.deliveries:>10} "
            f"{r.build_seconds:>8.1f} {1000 * r.digest_seconds:>9.0f} "
            f"{1000 * r.targets_seconds:>10.0f} {growth:>7}  {verdict} (< 1 s, growth <= 2x)"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def digest_runs() -> Iterator[list[Run]]:
    """Every backend's figures, printed as one table after the module's tests."""
    runs: list[Run] = []
    yield runs
    if runs:
        print(f"\n\nWeekly digest and targets over five years of data\n{render(runs)}")


async def timed(
    sessions: async_sessionmaker[AsyncSession], work: Callable[[AsyncSession], Awaitable[Any]]
) -> tuple[float, Any]:
    """Median seconds of `work` in a fresh session, after one warm-up run; its last result."""
    seconds, result = [], None
    for attempt in range(REPEAT + 1):
        async with sessions() as session:
            started = time.perf_counter()
            result = await work(session)
            if attempt:
                seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


async def digest_of_the_week(session: AsyncSession) -> Any:
    start, end = week_before(NOW, TZ)
    return await build_digest(session, start=start, end=end, now=NOW, tz=TZ)


async def targets_of_the_year(session: AsyncSession) -> Any:
    plan = await get_plan_info(session)
    return await list_target_figures(
        session, year=NOW.year, plan_start=plan.start, plan_end=plan.end, tz=TZ
    )


async def grow(
    sessions: async_sessionmaker[AsyncSession], dataset: Dataset | None, backend: str
) -> tuple[float, Dataset]:
    """Add one N of data (the first call also adds the schools); seconds including ANALYZE."""
    started = time.perf_counter()
    async with sessions.begin() as session:
        grown = await generate(session, SHAPE, dataset)
    if backend == "postgresql":
        # Autovacuum would analyze the new rows shortly after; the benchmark does not wait.
        async with sessions.begin() as session:
            await session.execute(text("analyze"))
    return time.perf_counter() - started, grown


@pytest.mark.timeout(900)
async def test_digest_over_five_years(db_url: URL, digest_runs: list[Run]) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    backend = engine.dialect.name
    dataset: Dataset | None = None
    build = 0.0
    try:
        for size in ("N", "2N"):
            seconds, dataset = await grow(sessions, dataset, backend)
            build += seconds
            digest_seconds, digest = await timed(sessions, digest_of_the_week)
            targets_seconds, figures = await timed(sessions, targets_of_the_year)
            run = Run(
                backend,
                size,
                dataset.reports,
                dataset.figures,
                dataset.deliveries,
                build,
                digest_seconds,
                targets_seconds,
            )
            if size == "2N":
                run.growth = digest_seconds / digest_runs[-1].digest_seconds
            digest_runs.append(run)
            print(f"\n{render([run])}")
            assert digest.reports > 0
            assert digest.silent_total >= SHAPE.never + SHAPE.stale
            assert digest.figures == figures
    finally:
        await engine.dispose()
