"""Composition root: settings → database → texts → dialog engine → channels."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.services.kpis import TargetFigure, list_target_figures
from bot.services.plan import PlanInfo, TaskView, get_plan_info, list_tasks
from bot.services.seeding import SeedSummary, apply_content, load_content
from bot.services.texts import Texts
from bot.settings import Settings
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_to_head
from db.models import PlanTask, Unit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Database:
    """The engine and the session factory of one run."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def open_database(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Database]:
    """Migrate (off the event loop) and open the database; dispose of it on exit."""
    if migrate:
        await asyncio.to_thread(upgrade_to_head, settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield Database(engine, make_sessionmaker(engine))
    finally:
        await engine.dispose()


def make_texts(settings: Settings) -> Texts:
    """The message templates of this installation."""
    return Texts(settings.content_dir / "templates")


async def seed(database: Database, settings: Settings) -> SeedSummary:
    """Load content/ into the database in one transaction (nothing on any problem)."""
    async with database.sessions.begin() as session:
        known = set(await session.scalars(select(Unit.code)))
        content = load_content(settings.content_dir, known_unit_codes=known)
        return await apply_content(session, content)


async def seed_if_empty(database: Database, settings: Settings) -> None:
    """Seed on the first start, when the plan is not in the database yet."""
    async with database.sessions() as session:
        tasks = await session.scalar(select(func.count()).select_from(PlanTask))
    if not tasks:
        summary = await seed(database, settings)
        log.info("first start: seeded %s", dict(summary.created))


@dataclass(frozen=True)
class PlanOverview:
    """The plan's tasks and the targets' current figures, for `python -m bot plan`."""

    plan: PlanInfo
    tasks: list[TaskView]
    figures: list[TargetFigure]


async def plan_overview(database: Database, *, today: date) -> PlanOverview:
    """Tasks and figures; counts per year use the current year, clamped to the plan."""
    async with database.sessions() as session:
        plan = await get_plan_info(session)
        figures = await list_target_figures(
            session, year=plan.clamp_year(today.year), plan_start=plan.start, plan_end=plan.end
        )
        return PlanOverview(plan, await list_tasks(session), figures)
